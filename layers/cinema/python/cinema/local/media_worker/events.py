"""The MediaConvert "Job State Change" events the local worker sends, in the shape EventBridge
delivers them in AWS (read by cinema.media.aws_events like the real ones)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from cinema.core.settings import get_settings


def job_state_change(
    *,
    upload_id: uuid.UUID,
    film_id: uuid.UUID,
    job_id: str,
    status: str,
    percent: int | None = None,
    error: str | None = None,
    renditions: list[dict[str, Any]] | None = None,
    duration_ms: int | None = None,
    poster: str | None = None,
) -> dict[str, Any]:
    """The EventBridge event MediaConvert would send; the local worker emits these."""
    now = datetime.now(UTC)
    detail: dict[str, Any] = {
        "timestamp": int(now.timestamp() * 1000),
        "accountId": "000000000000",
        "queue": "arn:aws:mediaconvert:local:000000000000:queues/Default",
        "jobId": job_id,
        "status": status,
        "userMetadata": {"film_id": str(film_id), "upload_id": str(upload_id)},
    }
    if percent is not None:
        detail["jobProgress"] = {
            "jobPercentComplete": percent,
            "currentPhase": "TRANSCODING",
            "retryCount": 0,
        }
    if error is not None:
        detail["errorCode"] = 1999
        detail["errorMessage"] = error
    if renditions is not None:
        detail["outputGroupDetails"] = [
            {
                "type": "HLS_GROUP",
                "outputDetails": [
                    {
                        "durationInMs": duration_ms,
                        "videoDetails": {"heightInPx": r["height"], "averageBitrate": r["bitrate"]},
                    }
                    for r in renditions
                ],
            }
        ]
    if poster is not None:  # an s3:// URL, as MediaConvert reports its frame capture
        detail.setdefault("outputGroupDetails", []).append(
            {"type": "FILE_GROUP", "outputDetails": [{"outputFilePaths": [poster]}]}
        )
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "MediaConvert Job State Change",
        "source": "aws.mediaconvert",
        "account": "000000000000",
        "time": now.isoformat().replace("+00:00", "Z"),
        "region": "local",
        "resources": [f"arn:aws:mediaconvert:local:000000000000:jobs/{job_id}"],
        "detail": detail,
    }


def s3_object_created_event(bucket: str, key: str, size: int = 0) -> dict[str, Any]:
    """An S3 event notification of the shape S3 sends to Lambda (one record)."""
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": get_settings().aws_region,
                "eventTime": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                "eventName": "ObjectCreated:CompleteMultipartUpload",
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                    "object": {"key": key, "size": size},
                },
            }
        ]
    }
