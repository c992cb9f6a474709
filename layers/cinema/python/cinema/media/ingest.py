"""media-ingest: an upload's source object was created, so start transcoding it.

S3 delivers at least once: a second event for the same object finds the upload already
past 'uploaded' and starts nothing.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from cinema.core import db
from cinema.live import replay
from cinema.media import aws_events, status_machine, transcoder
from cinema.media import repository as repo
from cinema.media.models import UploadStatus
from cinema.media.status_machine import JobEvent

log = logging.getLogger("cinema.media.ingest")


async def handle(event: dict[str, Any]) -> dict[str, Any]:
    started: list[str] = []
    for bucket, key in aws_events.created_objects(event):
        ids = aws_events.ids_from_key(key)
        if ids is None and not replay.is_recording(key):
            log.info("not an upload source: %s", key)
            continue
        async with db.session_factory()() as session:
            if ids is None:  # a live broadcast's recording: its row is made now
                upload = await replay.recording_upload(session, bucket, key)
            else:
                upload = await repo.get_upload(session, ids[1], lock=True)
            if (
                upload is None
                or (ids and upload.film_id != ids[0])
                or upload.status is not UploadStatus.uploaded
            ):
                log.info("nothing to start for %s (unknown or already started)", key)
                continue
            job_id = await transcoder.current().start(upload, bucket=bucket, key=key)
            await status_machine.apply(
                session,
                JobEvent(upload_id=upload.id, status="SUBMITTED", at=datetime.now(UTC), job_id=job_id),
            )
            await session.commit()
            started.append(job_id)
    return {"started": started}
