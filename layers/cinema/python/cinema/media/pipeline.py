"""Where a finished upload goes next, per shape.

In AWS, S3 itself sends ObjectCreated to the media-ingest function: nothing to do here.
On one machine the local worker registers itself and gets the same S3 event shape.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from cinema.core.settings import get_settings

EventSink = Callable[[dict[str, Any]], Awaitable[None]]
_local_sink: EventSink | None = None


def register_local_sink(sink: EventSink | None) -> None:
    global _local_sink  # noqa: PLW0603 - set once by the local worker at start
    _local_sink = sink


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


async def object_created(key: str) -> None:
    if _local_sink is not None:
        await _local_sink(s3_object_created_event(get_settings().uploads_bucket, key))
