"""media-status: MediaConvert job state changes (from EventBridge, or the local worker)."""

from __future__ import annotations

import logging
from typing import Any

from cinema.core import db
from cinema.media import events, status

log = logging.getLogger("cinema.media.status")


async def handle(event: dict[str, Any]) -> dict[str, Any]:
    job = events.job_event(event)
    if job is None:
        log.info("not a job state change of ours: ignored")
        return {"applied": False}
    async with db.transaction() as session:
        applied = await status.apply(session, job)
    log.info("media event %s for upload %s applied=%s", job.status, job.upload_id, applied)
    return {"applied": applied, "upload_id": str(job.upload_id), "status": job.status}
