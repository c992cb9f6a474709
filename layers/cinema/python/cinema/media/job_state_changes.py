"""media-status: MediaConvert job state changes (from EventBridge, or the local worker)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cinema.core import db, metrics
from cinema.core.settings import get_settings
from cinema.media import aws_events, status_machine, transcoder
from cinema.media import repository as repo
from cinema.media.models import UploadStatus
from cinema.media.status_machine import JobEvent

log = logging.getLogger("cinema.media.status_machine")


async def handle(event: dict[str, Any]) -> dict[str, Any]:
    job = aws_events.job_event(event)
    if job is None:
        log.info("not a job state change of ours: ignored")
        return {"applied": False}
    async with db.transaction() as session:
        restarted = await _restart_without_audio(session, job)
        if restarted is not None:
            log.info("upload %s has no audio track: job %s replaces %s", job.upload_id, restarted, job.job_id)
            metrics.count("Transcodes", outcome="restarted")
            return {
                "applied": True,
                "upload_id": str(job.upload_id),
                "status": "SUBMITTED",
                "job_id": restarted,
            }
        applied = await status_machine.apply(session, job)
    if applied and job.status in ("COMPLETE", "ERROR", "CANCELED"):  # the job's end, counted once
        metrics.count("Transcodes", outcome=job.status.lower())
    log.info("media event %s for upload %s applied=%s", job.status, job.upload_id, applied)
    return {"applied": applied, "upload_id": str(job.upload_id), "status": job.status}


async def _restart_without_audio(session: AsyncSession, job: JobEvent) -> str | None:
    """A job that failed only because the source has no audio track is started again
    without audio, once; the new job's id replaces the old one, whose late events are then
    ignored. None when the event is anything else."""
    if job.status != "ERROR" or not aws_events.audio_missing(job.error):
        return None
    upload = await repo.get_upload(session, job.upload_id, lock=True)
    if (
        upload is None
        or upload.without_audio
        or upload.status is not UploadStatus.transcoding
        or (upload.job_id is not None and upload.job_id != job.job_id)
    ):
        return None
    new_job = await transcoder.current().start(
        upload, bucket=get_settings().uploads_bucket, key=upload.key, has_audio=False
    )
    upload.without_audio, upload.job_id, upload.percent = True, new_job, 0
    await session.flush()
    return new_job
