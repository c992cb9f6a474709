"""Where a finished upload goes next, per shape.

In AWS, S3 itself sends ObjectCreated to the media-ingest function: nothing to do here.
On one machine the local worker hands in its sink at start and turns (bucket, key) into the
same S3 event (cinema.local.media_worker.events).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from cinema.core.settings import get_settings

ObjectCreatedSink = Callable[[str, str], Awaitable[None]]  # (bucket, key)
_local_sink: ObjectCreatedSink | None = None


def register_local_sink(sink: ObjectCreatedSink | None) -> None:
    global _local_sink  # noqa: PLW0603 - set once by the local worker at start
    _local_sink = sink


async def object_created(key: str) -> None:
    if _local_sink is not None:
        await _local_sink(get_settings().uploads_bucket, key)
