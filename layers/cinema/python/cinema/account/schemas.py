"""Personal cabinet response bodies."""

import uuid
from datetime import datetime

from pydantic import Field

from cinema.catalog.schemas import FilmSummary
from cinema.core.schemas import ApiModel


class WatchedOut(ApiModel):
    film: FilmSummary
    position_seconds: int = Field(description="where the viewer stopped: the position to resume at")
    duration_seconds: int
    completed: bool = Field(description="watched to 90 % or more")
    updated_at: datetime = Field(description="the last heartbeat")


class FavoriteOut(ApiModel):
    film: FilmSummary
    added_at: datetime


class MyFilmOut(ApiModel):
    """The signed-in user's own state of one film, for the film page."""

    film_id: uuid.UUID
    favorite: bool
    my_rating: int | None = Field(description="your rating 1..10, null when you have not rated it")
    can_watch: bool = Field(description="whether GET /films/{id}/play would let you watch (no 402)")
    position_seconds: int | None = Field(description="where you stopped; null when you never played it")
    completed: bool = Field(description="watched to 90 % or more")
