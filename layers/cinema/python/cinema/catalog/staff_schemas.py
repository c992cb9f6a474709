"""The staff's catalog request bodies and the dashboard's answers: only the admin function
serves them (and a live event's recording becomes a film through FilmCreate). Apart from
schemas.py, which every function that shows a film imports, so that those do not declare
these models at every cold start."""

import datetime as dt
import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal, Self

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from cinema.catalog.models import Access, FilmStatus, PersonRole
from cinema.catalog.schemas import Country, Price, Slug
from cinema.core.schemas import ApiModel
from cinema.core.text import plain_text

AgeRating = Literal["0+", "6+", "12+", "16+", "18+"]

# A poster is a key of the media bucket where the CDN serves images publicly (template.yaml's
# cache behaviours `posters/*` and `hls/*.jpg`; the local edge's public keys): a staff poster
# under posters/, or a frame captured from one of the film's uploads. Path segments start with
# a letter or digit, so no `..`, no empty segment, no URL of another site.
_SEGMENT = r"[A-Za-z0-9][A-Za-z0-9._-]*"
PosterKey = Annotated[
    str,
    StringConstraints(
        max_length=500,
        pattern=rf"^(posters/{_SEGMENT}(/{_SEGMENT})*|hls/[0-9a-f-]{{36}}/[0-9a-f-]{{36}}/{_SEGMENT}\.jpg)$",
    ),
    Field(
        description="a media bucket key: `posters/...` or a captured frame `hls/<film>/<upload>/<name>.jpg`"
    ),
]
Title = Annotated[str, plain_text(strip=True, min_length=1, not_blank=True, max_length=300)]
Name = Annotated[str, plain_text(strip=True, min_length=1, not_blank=True, max_length=80)]
PersonName = Annotated[str, plain_text(strip=True, min_length=1, not_blank=True, max_length=200)]


def max_year() -> int:
    return datetime.now(UTC).year + 1


# The bounds the OpenAPI document shows (fixed when the app starts); the validator below
# checks the moving upper bound on every request.
Year = Annotated[int, Field(ge=1888, le=max_year())]


class GenreIn(ApiModel):
    model_config = ConfigDict(extra="forbid")

    slug: Slug
    name: Name


class GenrePatch(ApiModel):
    model_config = ConfigDict(extra="forbid")

    name: Name


class CreditIn(ApiModel):
    model_config = ConfigDict(extra="forbid")

    name: PersonName
    role: PersonRole
    character: Annotated[str, plain_text(strip=True, max_length=200)] | None = None


class _FilmFields(ApiModel):
    model_config = ConfigDict(extra="forbid")

    original_title: Annotated[str, plain_text(strip=True, max_length=300)] | None = None
    description: Annotated[str, plain_text(multiline=True, max_length=10_000)] | None = None
    countries: Annotated[list[Country], Field(max_length=20)] | None = None
    genres: Annotated[list[Slug], Field(max_length=10)] | None = None
    people: Annotated[list[CreditIn], Field(max_length=100)] | None = None
    age_rating: AgeRating | None = None
    access: Access | None = None
    price: Price | None = None
    poster_key: PosterKey | None = None

    @model_validator(mode="after")
    def _check_year(self) -> Self:
        year = getattr(self, "year", None)
        if year is not None and not 1888 <= year <= max_year():
            raise ValueError(f"year must be between 1888 and {max_year()}")
        return self


class FilmCreate(_FilmFields):
    title: Title
    year: Year
    duration_seconds: int = Field(gt=0, le=48 * 3600)
    access: Access = Access.subscription
    age_rating: AgeRating = "0+"

    @model_validator(mode="after")
    def _check_price(self) -> Self:
        if (self.access is Access.purchase) != (self.price is not None):
            raise ValueError("price is required exactly when access is 'purchase'")
        return self


class FilmPatch(_FilmFields):
    """Every field optional; `status: "published"` publishes. Price rules are checked
    against the merged film by the service."""

    title: Title | None = None
    year: Year | None = None
    duration_seconds: int | None = Field(default=None, gt=0, le=48 * 3600)
    status: FilmStatus | None = None


class DayViews(ApiModel):
    date: dt.date
    views: int = Field(description="views counted that day (a viewer counts once per film and 24 h)")


class DayRevenue(ApiModel):
    date: dt.date
    amount: int = Field(description="paid minus refunded, in minor units (kopecks, cents)")
    currency: str


class DaySignups(ApiModel):
    date: dt.date
    count: int


class TopFilm(ApiModel):
    film_id: uuid.UUID
    title: str
    views: int = Field(description="views over the whole period")


class StatsOut(ApiModel):
    """Every list covers every day of the period (UTC dates, oldest first), 0 on quiet days;
    revenue has one line per day and currency (the currencies paid in during the period, or
    the plans' currency when nothing was paid)."""

    days: int
    views_per_day: list[DayViews]
    revenue_per_day: list[DayRevenue]
    signups_per_day: list[DaySignups]
    top_films: list[TopFilm] = Field(description="up to 10, most viewed first (drafts included)")
