"""Media request and response bodies."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from cinema.core.schemas import ApiModel
from cinema.core.text import plain_text

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


class UploadIn(ApiModel):
    model_config = ConfigDict(extra="forbid")

    filename: Annotated[str, plain_text(strip=True, min_length=1, not_blank=True, max_length=255)]
    content_type: VideoType
    size_bytes: int = Field(gt=0)


class PartUrl(ApiModel):
    part_number: int
    url: str


class UploadOut(ApiModel):
    upload_id: uuid.UUID
    key: str
    part_size: int = Field(description="bytes per part (the last part may be smaller)")
    parts: list[PartUrl]
    complete_url: str
    expires_in: int


class UploadedPart(ApiModel):
    part_number: int
    etag: str = Field(description="as S3 reports it (quoted): send it back unchanged to complete")
    size: int = Field(description="bytes S3 holds for this part")


class UploadResumeOut(UploadOut):
    """An open upload, to carry on after a reload or on another machine: every part's URL signed
    afresh (`expires_in` from now) and the parts S3 already has (skip those whose size is right)."""

    filename: str
    content_type: str
    size_bytes: int
    uploaded: list[UploadedPart] = Field(description="parts S3 holds, by part number")


class OpenUploadOut(ApiModel):
    upload_id: uuid.UUID
    filename: str
    content_type: str
    size_bytes: int
    created_at: datetime


class CompletedPart(ApiModel):
    model_config = ConfigDict(extra="forbid")

    part_number: int = Field(ge=1, le=10_000)
    etag: Annotated[str, plain_text(min_length=1, max_length=128)]


class CompleteIn(ApiModel):
    model_config = ConfigDict(extra="forbid")

    upload_id: uuid.UUID
    parts: Annotated[list[CompletedPart], Field(min_length=1, max_length=10_000)]


class RenditionOut(ApiModel):
    height: int
    bitrate: int


class MediaOut(ApiModel):
    status: Literal["none", "uploaded", "transcoding", "ready", "failed"]
    percent: int = Field(description="transcoding progress of the newest upload, 0..100")
    renditions: list[RenditionOut] = Field(description="what plays now (the last ready upload)")
    error: str | None = None
    upload_id: uuid.UUID | None = None
    duration_seconds: int | None = None
    open_upload: OpenUploadOut | None = Field(
        default=None,
        description="the newest upload still open (started, neither completed nor aborted; not counted "
        "in `status`): GET .../upload/{upload_id} resumes it, DELETE .../upload/{upload_id} aborts it",
    )
