"""Film rows to response bodies (one place that knows how a film is shown)."""

from __future__ import annotations

from cinema.catalog.models import Film, rating
from cinema.catalog.schemas import CreditOut, FilmOut, FilmSummary, GenreOut, Price
from cinema.core.settings import get_settings


def _poster_url(film: Film) -> str | None:
    return f"{get_settings().media_base_url}/{film.poster_key}" if film.poster_key else None


def _summary_fields(film: Film) -> dict[str, object]:
    return {
        "id": film.id,
        "title": film.title,
        "original_title": film.original_title,
        "year": film.year,
        "duration_seconds": film.duration_seconds,
        "countries": list(film.countries),
        "genres": [GenreOut.model_validate(g) for g in film.genres],
        "age_rating": film.age_rating,
        "rating_avg": rating(film.rating_avg),
        "rating_count": film.rating_count,
        "poster_url": _poster_url(film),
        "status": film.status,
        "access": film.access,
        "price": Price(amount=film.price_amount, currency=film.price_currency)
        if film.price_amount is not None and film.price_currency
        else None,
    }


def summary(film: Film) -> FilmSummary:
    return FilmSummary(**_summary_fields(film))


def detail(film: Film) -> FilmOut:
    return FilmOut(
        **_summary_fields(film),
        description=film.description,
        people=[
            CreditOut(id=c.person.id, name=c.person.name, role=c.role, character=c.character)
            for c in film.credits
        ],
        created_at=film.created_at,
        updated_at=film.updated_at,
    )
