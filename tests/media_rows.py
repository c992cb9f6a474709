"""Upload rows as the media pipeline leaves them, for tests that start mid-pipeline."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from sqlalchemy import text

from cinema.core import db

READY_RENDITIONS = [{"height": 360, "bitrate": 800_000}]


async def insert_upload(
    film_id: str, *, created: datetime | None = None, ready: bool = False, duration: int = 600
) -> uuid.UUID:
    """An 'uploaded' upload (the status machine's starting point), or with `ready=True` a
    finished transcode that the film plays."""
    upload_id = uuid.uuid4()
    async with db.engine().begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO media_uploads (id, film_id, s3_upload_id, key, filename, content_type, size_bytes,"
                " part_size, status, percent, renditions, duration_seconds, created_at) VALUES (:id, :film, 'x',"
                " :key, 'f.mp4', 'video/mp4', 10, 8388608, :status, :percent, CAST(:renditions AS jsonb),"
                " :duration, coalesce(CAST(:created AS timestamptz), now()))"
            ),
            {
                "id": upload_id,
                "film": film_id,
                "key": f"uploads/{film_id}/{upload_id}/source.mp4",
                "status": "ready" if ready else "uploaded",
                "percent": 100 if ready else 0,
                "renditions": json.dumps(READY_RENDITIONS if ready else []),
                "duration": duration if ready else None,
                "created": created,
            },
        )
        if ready:
            await conn.execute(
                text("INSERT INTO film_media (film_id, upload_id) VALUES (:film, :id)"),
                {"film": film_id, "id": upload_id},
            )
    return upload_id


async def heartbeat_window_passes() -> None:
    """The 5 s heartbeat coalescing window passes: every watch_progress row is made 6 s older
    and the Redis keys that coalesce heartbeats before PostgreSQL expire."""
    from cinema.account import heartbeats  # noqa: PLC0415
    from cinema.core import cache  # noqa: PLC0415

    await heartbeats.flush_all()  # what Redis holds reaches the rows before they age
    async with db.engine().begin() as conn:
        await conn.execute(text("UPDATE watch_progress SET updated_at = updated_at - interval '6 seconds'"))
    redis = cache.client()
    if redis is not None:
        keys = [key async for key in redis.scan_iter("cinema:beat:*")]
        if keys:
            await redis.delete(*keys)
