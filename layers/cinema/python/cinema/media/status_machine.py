"""The transcoding status machine, fed by MediaConvert's EventBridge events in AWS and by
the local worker in the same shape. Events may come twice, late or out of order: an upload
only ever moves forward, its percent only grows, and a finished one never changes again.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cinema.catalog import public as catalog
from cinema.core.db import after_commit
from cinema.media import repository as repo
from cinema.media.models import STAGE, UploadStatus

log = logging.getLogger("cinema.media.status_machine")


@dataclass(frozen=True)
class JobEvent:
    upload_id: uuid.UUID
    status: str  # SUBMITTED | PROGRESSING | STATUS_UPDATE | COMPLETE | ERROR | CANCELED
    at: datetime
    job_id: str | None = None
    percent: int | None = None
    error: str | None = None
    renditions: list[dict[str, Any]] = field(default_factory=list)
    duration_seconds: int | None = None
    poster_key: str | None = None  # the frame capture, with COMPLETE


_TARGET = {
    "SUBMITTED": UploadStatus.transcoding,
    "PROGRESSING": UploadStatus.transcoding,
    "STATUS_UPDATE": UploadStatus.transcoding,
    "INPUT_INFORMATION": UploadStatus.transcoding,
    "COMPLETE": UploadStatus.ready,
    "ERROR": UploadStatus.failed,
    "CANCELED": UploadStatus.failed,
}


async def apply(db: AsyncSession, event: JobEvent) -> bool:
    """Applies the event; False when it changed nothing (unknown, duplicate, stale)."""
    target = _TARGET.get(event.status)
    upload = await repo.get_upload(db, event.upload_id, lock=True)
    if target is None or upload is None:
        log.warning("ignored media event %s for upload %s", event.status, event.upload_id)
        return False
    if event.status == "COMPLETE":  # duplicates too: a retried event redoes a rewrite that failed
        after_commit(db, partial(_publish_subtitles, upload.id))
    if STAGE[upload.status] >= STAGE[UploadStatus.ready]:
        return False  # finished: late PROGRESSING or a second COMPLETE change nothing
    if event.job_id and upload.job_id and event.job_id != upload.job_id:
        return False  # a job that was replaced (see status_events: restarted without audio)
    changed = False
    if STAGE[target] > STAGE[upload.status]:
        upload.status = target
        changed = True
    if event.job_id and upload.job_id != event.job_id:
        upload.job_id = event.job_id
        changed = True
    if target is UploadStatus.transcoding and event.percent is not None and event.percent > upload.percent:
        upload.percent = min(event.percent, 99)
        changed = True
    if target is UploadStatus.ready:
        upload.percent = 100
        upload.renditions = sorted(event.renditions, key=lambda r: r["height"])
        upload.duration_seconds = event.duration_seconds
        current = await repo.playing_upload(db, upload.film_id)
        if current is None or current.created_at <= upload.created_at:
            await repo.set_playing(db, upload.film_id, upload.id)
            if event.poster_key and await catalog.set_frame_poster(db, upload.film_id, event.poster_key):
                catalog.film_changed(db, upload.film_id)
    if target is UploadStatus.failed:
        upload.error = (event.error or "transcoding failed")[:2000]
    if upload.event_at is None or event.at > upload.event_at:
        upload.event_at = event.at
    await db.flush()
    return changed or target in (UploadStatus.ready, UploadStatus.failed)


async def _publish_subtitles(upload_id: uuid.UUID) -> None:
    """The film's subtitle tracks into the master the transcoder just wrote, once the upload is
    what the film plays (committed): the same code as after a subtitle upload, in both shapes
    (media/subtitle_tracks.py explains the choice)."""
    from cinema.media import subtitle_tracks  # noqa: PLC0415 - S3 (boto3) only when a job completes

    await subtitle_tracks.after_transcode(upload_id)
