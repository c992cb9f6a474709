"""The Transcoder port: starts turning an uploaded source into the film's HLS ladder.

AWS: a MediaConvert job whose state changes come back through EventBridge. One machine:
the local worker (cinema.local.media_worker.worker) running ffmpeg and emitting the same events.
"""

from __future__ import annotations

import asyncio
import threading
from functools import lru_cache
from typing import Any, Protocol

from cinema.core.settings import get_settings
from cinema.media.models import MediaUpload


def output_prefix(upload: MediaUpload) -> str:
    """Where the renditions of an upload go in the media bucket (the CDN's hls/ path)."""
    return f"hls/{upload.film_id}/{upload.id}/"


class Transcoder(Protocol):
    async def start(self, upload: MediaUpload, *, bucket: str, key: str, has_audio: bool = True) -> str:
        """Starts the job and returns its id; progress arrives as job state events.
        `has_audio=False`: the source is known to have no audio track."""
        ...


class MediaConvertTranscoder:
    def __init__(self, client: Any = None) -> None:
        self._client = client
        self._building = threading.Lock()

    def client(self) -> Any:
        """Built on first use (boto3's import and client: a fraction of a second), in the
        worker thread of `start`."""
        with self._building:
            if self._client is None:
                import boto3  # noqa: PLC0415 - only the ingest function pays for it

                settings = get_settings()
                self._client = boto3.client(
                    "mediaconvert",
                    region_name=settings.aws_region,
                    endpoint_url=settings.mediaconvert_endpoint_url or None,
                )
            return self._client

    async def start(self, upload: MediaUpload, *, bucket: str, key: str, has_audio: bool = True) -> str:
        settings = get_settings()
        fields = {  # read from the row here, on the loop
            "role_arn": settings.mediaconvert_role_arn,
            "source_s3_uri": f"s3://{bucket}/{key}",
            "destination_s3_prefix": f"s3://{settings.media_bucket}/{output_prefix(upload)}",
            "film_id": str(upload.film_id),
            "upload_id": str(upload.id),
            "has_audio": has_audio,
        }
        return await asyncio.to_thread(self._create_job, fields)

    def _create_job(self, fields: dict[str, Any]) -> str:
        """Blocking: the request (the job template read from disk, once), the client, the call."""
        from cinema.media import mediaconvert  # noqa: PLC0415

        return mediaconvert.submit(self.client(), mediaconvert.build_job_request(**fields))


_local: Transcoder | None = None


def register_local(transcoder: Transcoder | None) -> None:
    global _local  # noqa: PLW0603 - the local worker installs itself at start
    _local = transcoder


@lru_cache
def _mediaconvert() -> Transcoder:
    return MediaConvertTranscoder()


def current() -> Transcoder:
    if get_settings().transcoder == "mediaconvert":
        return _mediaconvert()
    if _local is None:
        raise RuntimeError("no local transcoder is running (start the platform with `cinema serve`)")
    return _local
