"""A broadcast's recording becomes the VOD of its replay film, through the media pipeline.

Where the recording is depends on the shape: the local nginx writes it on this machine (the
local runner registers itself here, as the transcoding worker does with the pipeline); the
AWS container's uploader puts it into the uploads bucket. Either way `ingest_recording` makes
the upload row, stores the FLV under the key the pipeline knows, and S3's ObjectCreated (or
its local stand-in) starts the same transcoding as any upload.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from cinema.core import db
from cinema.core.settings import get_settings
from cinema.media import pipeline, storage, uploads

log = logging.getLogger("cinema.live.replay")

# (event id, public stream name, replay film id): called once the event has ended, committed
RecordingSink = Callable[[uuid.UUID, str, uuid.UUID], Awaitable[None]]
_sink: RecordingSink | None = None


def register_local(sink: RecordingSink | None) -> None:
    global _sink  # noqa: PLW0603 - set once by the local RTMP runner at start
    _sink = sink


async def broadcast_ended(event_id: uuid.UUID, name: str, film_id: uuid.UUID) -> None:
    if _sink is not None:
        await _sink(event_id, name, film_id)


async def ingest_recording(path: Path, film_id: uuid.UUID) -> uuid.UUID:
    """Uploads the closed FLV at `path` as a new source of `film_id` and starts transcoding."""
    size = (await asyncio.to_thread(path.stat)).st_size
    async with db.transaction() as session:
        upload = await uploads.register_server_upload(
            session,
            film_id,
            filename=f"live-recording{path.suffix}",
            content_type="video/x-flv",
            extension="flv",
            size_bytes=size,
        )
        key, upload_id = upload.key, upload.id
    await asyncio.to_thread(
        storage.s3_client().upload_file,
        str(path),
        get_settings().uploads_bucket,
        key,
        ExtraArgs={"ContentType": "video/x-flv"},
    )
    await pipeline.object_created(key)
    log.info("live recording stored as upload %s of film %s", upload_id, film_id)
    return upload_id
