"""Reading the events that drive transcoding, through Powertools' event source data classes:
S3 ObjectCreated and MediaConvert job state changes (EventBridge), in the shapes AWS sends
(the local worker sends the same: cinema.local.media_worker.events)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.data_classes.event_bridge_event import EventBridgeEvent
from aws_lambda_powertools.utilities.data_classes.s3_event import S3Event

from cinema.media.status_machine import JobEvent

SOURCE_KEY = re.compile(r"^uploads/(?P<film>[0-9a-f-]{36})/(?P<upload>[0-9a-f-]{36})/source\.[a-z0-9]+$")


def created_objects(event: dict[str, Any]) -> list[tuple[str, str]]:
    """(bucket, key) of each ObjectCreated record; keys arrive URL-encoded."""
    if not isinstance(event.get("Records"), list):
        return []
    return [
        (record.s3.bucket.name, unquote_plus(record.s3.get_object.key))
        for record in S3Event(event).records
        if record.event_name.startswith("ObjectCreated:")
    ]


def ids_from_key(key: str) -> tuple[uuid.UUID, uuid.UUID] | None:
    """(film_id, upload_id) of an upload's source object, or None for any other key."""
    match = SOURCE_KEY.match(key)
    if match is None:
        return None
    return uuid.UUID(match["film"]), uuid.UUID(match["upload"])


def _renditions(detail: dict[str, Any]) -> tuple[list[dict[str, Any]], int | None]:
    renditions, duration_ms = [], None
    for group in detail.get("outputGroupDetails", []):
        if group.get("type") != "HLS_GROUP":
            continue
        for output in group.get("outputDetails", []):
            video = output.get("videoDetails") or {}
            if "heightInPx" in video:
                renditions.append(
                    {"height": int(video["heightInPx"]), "bitrate": int(video.get("averageBitrate", 0))}
                )
            duration_ms = duration_ms or output.get("durationInMs")
    return renditions, (round(duration_ms / 1000) if duration_ms else None)


_AUDIO_MISSING = re.compile(r"audio (track|selector)\b.*\bnot found", re.IGNORECASE)


def audio_missing(error: str | None) -> bool:
    """MediaConvert's error for a source without the audio track the job selects, e.g.
    "Audio track [1] not found in input container"."""
    return bool(error and _AUDIO_MISSING.search(error))


def job_event(event: dict[str, Any]) -> JobEvent | None:
    """A MediaConvert Job State Change as a JobEvent; None when it is not one of ours."""
    bridged = EventBridgeEvent(event)
    if bridged.get("detail-type") != "MediaConvert Job State Change":
        return None
    detail = bridged.get("detail") or {}
    upload = (detail.get("userMetadata") or {}).get("upload_id")
    try:
        upload_id = uuid.UUID(str(upload))
    except ValueError:
        return None
    timestamp = detail.get("timestamp")
    at = (
        datetime.fromtimestamp(timestamp / 1000, UTC)
        if timestamp
        else datetime.fromisoformat(bridged.time.replace("Z", "+00:00"))
    )
    complete = detail.get("status") == "COMPLETE"
    renditions, duration = _renditions(detail) if complete else ([], None)
    progress = detail.get("jobProgress") or {}
    return JobEvent(
        upload_id=upload_id,
        status=str(detail.get("status")),
        at=at,
        job_id=detail.get("jobId"),
        percent=progress.get("jobPercentComplete"),
        error=detail.get("errorMessage"),
        renditions=renditions,
        duration_seconds=duration,
        poster_key=_poster_key(detail) if complete else None,
    )


def _poster_key(detail: dict[str, Any]) -> str | None:
    """The frame capture's object key: the last file of the FILE_GROUP (the one at ~10 %)."""
    for group in detail.get("outputGroupDetails", []):
        if group.get("type") != "FILE_GROUP":
            continue
        for output in group.get("outputDetails", []):
            paths = output.get("outputFilePaths") or []
            if paths and str(paths[-1]).startswith("s3://"):
                return str(paths[-1]).removeprefix("s3://").partition("/")[2] or None
    return None
