"""A broadcast's recording becomes the VOD of its replay film, through the media pipeline.

Both shapes put the closed FLV into the uploads bucket at `uploads/live/<event id>/<file>.flv`:
the AWS container's uploader (infra/rtmp), or on one machine the local runner, which registers
itself here as the transcoding worker registers with the pipeline. From there it is an upload
like any other: S3's ObjectCreated (locally its stand-in, pipeline.object_created) reaches
media-ingest, which asks `recording_upload` for the upload row (the event's replay film, which
publish-done chose) and starts the same transcoding. S3 delivers at least once: a second event
for the same key finds the row and starts nothing.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from cinema.core.settings import get_settings
from cinema.live import repository as repo
from cinema.live.models import LiveStatus

# The media side (uploads, storage, the pipeline) is imported where a recording is registered
# or stored (media-ingest, the local runner): the streaming function imports this module for
# `broadcast_ended` alone, and would otherwise load S3's client (boto3) at every cold start.
if TYPE_CHECKING:
    from cinema.media.models import MediaUpload

log = logging.getLogger("cinema.live.replay")

RECORDING_KEY = re.compile(r"^uploads/live/(?P<event>[0-9a-f-]{36})/(?P<file>[A-Za-z0-9._-]{1,128}\.flv)$")

# (event id, public stream name): called once the event has ended and that is committed
RecordingSink = Callable[[uuid.UUID, str], Awaitable[None]]
_sink: RecordingSink | None = None


class RecordingTooEarly(RuntimeError):
    """The recording arrived before publish-done ended its event: S3's retry comes back later."""


def register_local(sink: RecordingSink | None) -> None:
    global _sink  # noqa: PLW0603 - set once by the local RTMP runner at start
    _sink = sink


async def broadcast_ended(event_id: uuid.UUID, name: str) -> None:
    if _sink is not None:
        await _sink(event_id, name)


def recording_key(event_id: uuid.UUID, filename: str) -> str:
    return f"uploads/live/{event_id}/{filename}"


def is_recording(key: str) -> bool:
    return RECORDING_KEY.match(key) is not None


async def recording_upload(db: AsyncSession, bucket: str, key: str) -> MediaUpload | None:
    """The upload row of a stored recording, made on its first event (None: nothing to start)."""
    from cinema.media import storage, uploads  # noqa: PLC0415 - see the imports above

    match = RECORDING_KEY.match(key)
    if match is None:
        return None
    event = await repo.get(db, uuid.UUID(match["event"]), lock=True)
    if event is None:
        log.info("recording of an unknown live event: %s", key)
        return None
    if event.status is not LiveStatus.ended or event.replay_film_id is None:
        raise RecordingTooEarly(key)
    if await uploads.server_upload_exists(db, key):
        return None
    size = await storage.object_size(bucket, key)
    return await uploads.register_server_upload(
        db,
        event.replay_film_id,
        key=key,
        filename=f"live-{event.id}.flv",
        content_type="video/x-flv",
        size_bytes=size,
    )


async def store_recording(path: Path, event_id: uuid.UUID) -> str:
    """One machine: the closed FLV into the uploads bucket, and the pipeline told (as S3 would)."""
    from cinema.media import pipeline, storage  # noqa: PLC0415 - see the imports above

    key = recording_key(event_id, path.name)
    bucket = get_settings().uploads_bucket
    await asyncio.to_thread(  # the client too is built (first use) in the thread, not on the loop
        lambda: storage.s3_client().upload_file(
            str(path), bucket, key, ExtraArgs={"ContentType": "video/x-flv"}
        )
    )
    await pipeline.object_created(key)
    log.info("live recording of event %s stored at %s", event_id, key)
    return key
