"""The catalog's scheduled work: what a read must not do on its way. In AWS an EventBridge
Scheduler schedule invokes the catalog-jobs function (functions/catalog_jobs) with the job's
name, {"job": "refresh-popularity", ...}; on one machine the local stack runs the same jobs on a
timer (cinema.local.periodic). Each job is one unit of work, committed here."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from cinema.catalog import popularity
from cinema.catalog import repository as repo
from cinema.core import db

log = logging.getLogger("cinema.catalog.jobs")

# How often `films.popularity` is recomputed: template.yaml's schedule says rate(1 minute) too.
# The popular list is cached for popular_cache_ttl_s on top of that.
POPULARITY_EVERY_S = 60.0


async def refresh_popularity() -> dict[str, Any]:
    """Views over the last 7 days into films.popularity. Two runs at once (a slow run and the
    next tick, or two machines on one database) do not both scan: the second skips."""
    async with db.transaction() as session:
        if not await repo.try_lock_popularity(session):
            return {"skipped": True}
        return {"films_changed": await popularity.refresh(session)}


JOBS: dict[str, Callable[[], Awaitable[dict[str, Any]]]] = {
    "refresh-popularity": refresh_popularity,
}


class UnknownJob(ValueError):
    """The schedule names no job of ours: a misconfiguration, so the invocation fails (Lambda
    retries it, then it lands in the dead letters) rather than doing nothing quietly."""


async def handle(event: dict[str, Any]) -> dict[str, Any]:
    """One invocation by the schedule: runs the job the event names."""
    name = event.get("job")
    job = JOBS.get(name) if isinstance(name, str) else None
    if job is None:
        raise UnknownJob(f"no catalog job named {name!r}")
    result = await job()
    log.info("catalog job %s: %s (scheduled for %s)", name, result, event.get("scheduled_time"))
    return {"job": name, **result}
