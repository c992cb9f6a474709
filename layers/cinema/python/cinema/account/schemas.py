"""Personal cabinet response bodies."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from cinema.catalog.schemas import FilmSummary


class WatchedOut(BaseModel):
    film: FilmSummary
    position_seconds: int = Field(description="where the viewer stopped: the position to resume at")
    duration_seconds: int
    completed: bool = Field(description="watched to 90 % or more")
    updated_at: datetime = Field(description="the last heartbeat")


class FavoriteOut(BaseModel):
    film: FilmSummary
    added_at: datetime
