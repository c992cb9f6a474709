"""Catalog response bodies and the types they share with the staff's bodies (staff_schemas.py)."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from cinema.catalog.models import Access, FilmStatus, PersonRole
from cinema.core.schemas import ApiModel

Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=40)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class Price(ApiModel):
    amount: int = Field(gt=0, le=100_000_000, description="minor units (kopecks, cents)")
    currency: Currency = "RUB"


class GenreOut(ApiModel):
    model_config = ConfigDict(from_attributes=True)

    slug: str
    name: str


class CreditOut(ApiModel):
    id: uuid.UUID
    name: str
    role: PersonRole
    character: str | None = None


class FilmSummary(ApiModel):
    id: uuid.UUID
    title: str
    original_title: str
    year: int
    duration_seconds: int
    countries: list[str]
    genres: list[GenreOut]
    age_rating: str
    rating_avg: float
    rating_count: int
    poster_url: str | None
    status: FilmStatus
    access: Access
    price: Price | None


class FilmOut(FilmSummary):
    description: str
    people: list[CreditOut]
    created_at: datetime
    updated_at: datetime


class PopularFilm(FilmSummary):
    views_7d: int
