"""Age ratings in order, and what a profile's limit lets through."""

from __future__ import annotations

AGE_RATINGS: tuple[str, ...] = ("0+", "6+", "12+", "16+", "18+")
NO_LIMIT = "18+"


def ratings_up_to(max_age_rating: str) -> tuple[str, ...]:
    """The age ratings a profile limited to `max_age_rating` may see, in order."""
    return AGE_RATINGS[: AGE_RATINGS.index(max_age_rating) + 1]


def allows(max_age_rating: str, film_age_rating: str) -> bool:
    return AGE_RATINGS.index(film_age_rating) <= AGE_RATINGS.index(max_age_rating)
