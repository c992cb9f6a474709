"""The local stack's scheduled work: what EventBridge Scheduler invokes in AWS (template.yaml's
CatalogJobsFunction schedule), run on a timer inside the one process, through the very same
entry point and event shape. `cinema serve` (`make run`) runs it for as long as it serves
(`attach`, cinema.local.stack.serving_app)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI

from cinema.catalog import jobs

log = logging.getLogger("cinema.local.periodic")

# job name -> seconds between runs (the first run is at start: views may have come in since,
# and the demo catalog, loaded on the first start, gets its similar films at once).
SCHEDULE: Mapping[str, float] = {
    "refresh-popularity": jobs.POPULARITY_EVERY_S,
    "refresh-similar": jobs.SIMILAR_EVERY_S,
}


async def _every(name: str, seconds: float) -> None:
    while True:
        now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        try:
            await jobs.handle({"job": name, "scheduled_time": now})
        except Exception:  # a database hiccup must not end the schedule: the next run retries
            log.exception("scheduled job %s failed; it runs again in %.0f s", name, seconds)
        await asyncio.sleep(seconds)


def start(schedule: Mapping[str, float] | None = None) -> list[asyncio.Task[None]]:
    loop = asyncio.get_running_loop()
    return [
        loop.create_task(_every(name, seconds), name=f"scheduled:{name}")
        for name, seconds in (SCHEDULE if schedule is None else schedule).items()
    ]


async def stop(tasks: list[asyncio.Task[None]]) -> None:
    """Cancels the timers; a run in progress is rolled back (the next start runs it again)."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def attach(app: FastAPI) -> FastAPI:
    """Runs the schedule inside `app`'s own lifespan: started once the app has started (the
    transcoding worker, the heartbeat flush ...), stopped before it shuts down."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(served: FastAPI) -> AsyncIterator[Any]:
        async with inner(served) as state:
            tasks = start()
            try:
                yield state
            finally:
                await stop(tasks)

    app.router.lifespan_context = lifespan
    return app
