"""Live events in and out."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from cinema.core.json_types import DateTime
from cinema.core.schemas import ApiModel
from cinema.core.text import plain_text

Title = Annotated[str, plain_text(strip=True, min_length=1, not_blank=True, max_length=200)]


class LiveEventIn(ApiModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    description: Annotated[str, plain_text(multiline=True, max_length=5000)] | None = None
    film_id: uuid.UUID | None = Field(default=None, description="the film viewers must be entitled to")
    starts_at: DateTime | None = None


class LiveEventOut(ApiModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    description: str
    film_id: uuid.UUID | None
    status: Literal["scheduled", "live", "ended"]
    starts_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    replay_film_id: uuid.UUID | None


class StreamKeyOut(ApiModel):
    stream_key: str = Field(description="shown here only: paste it into OBS as the stream key")
    ingest_url: str = Field(description="the RTMP server URL for OBS")


class LiveEventCreated(LiveEventOut, StreamKeyOut):
    pass


class LivePlayOut(ApiModel):
    manifest_url: str = Field(description="the live playlist, signed (query form)")
    expires_at: datetime
    cookies: dict[str, str] = Field(description="the same grant as CloudFront cookies")
