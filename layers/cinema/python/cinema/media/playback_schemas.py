"""Bodies of the playback routes (the streaming function). Apart from media/schemas.py, whose
upload models the streaming function would otherwise build at every cold start."""

from datetime import datetime

from pydantic import ConfigDict, Field

from cinema.core.json_types import whole_number
from cinema.core.schemas import ApiModel


class PlayOut(ApiModel):
    manifest_url: str = Field(description="the master playlist, signed (query form)")
    expires_at: datetime
    cookies: dict[str, str] = Field(
        description="the same grant as CloudFront cookies, for players that prefer them"
    )


class ProgressIn(ApiModel):
    model_config = ConfigDict(extra="forbid")

    position_seconds: whole_number(ge=0, le=48 * 3600)  # type: ignore[valid-type]
