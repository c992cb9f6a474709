"""Media request and response bodies."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# What browsers and cameras actually send for video; anything else is refused up front.
VIDEO_TYPES = {
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/x-matroska": "mkv",
    "video/webm": "webm",
    "video/x-msvideo": "avi",
    "video/mpeg": "mpg",
    "video/mp2t": "ts",
}
VideoType = Literal[
    "video/mp4",
    "video/quicktime",
    "video/x-matroska",
    "video/webm",
    "video/x-msvideo",
    "video/mpeg",
    "video/mp2t",
]


class UploadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filename: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
    content_type: VideoType
    size_bytes: int = Field(gt=0)


class PartUrl(BaseModel):
    part_number: int
    url: str


class UploadOut(BaseModel):
    upload_id: uuid.UUID
    key: str
    part_size: int = Field(description="bytes per part (the last part may be smaller)")
    parts: list[PartUrl]
    complete_url: str
    expires_in: int


class CompletedPart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    part_number: int = Field(ge=1, le=10_000)
    etag: Annotated[str, StringConstraints(min_length=1, max_length=128)]


class CompleteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    upload_id: uuid.UUID
    parts: Annotated[list[CompletedPart], Field(min_length=1, max_length=10_000)]


class RenditionOut(BaseModel):
    height: int
    bitrate: int


class MediaOut(BaseModel):
    status: Literal["none", "uploaded", "transcoding", "ready", "failed"]
    percent: int = Field(description="transcoding progress of the newest upload, 0..100")
    renditions: list[RenditionOut] = Field(description="what plays now (the last ready upload)")
    error: str | None = None
    upload_id: uuid.UUID | None = None
    duration_seconds: int | None = None
