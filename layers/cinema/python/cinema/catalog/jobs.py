"""The catalog's scheduled work: what a read must not do on its way. In AWS an EventBridge
Scheduler schedule invokes the catalog-jobs function (functions/catalog_jobs) with the job's
name, {"job": "refresh-popularity", ...}; on one machine the local stack runs the same jobs on a
timer (cinema.local.periodic). Each job is one unit of work, committed here."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from cinema.catalog import popularity, similar
from cinema.catalog import repository as repo
from cinema.catalog import similar_repository as similar_repo
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


# How often film_similar is recomputed: template.yaml's schedule says rate(10 minutes) too.
# Similarity moves slowly (a new film, new credits, co-viewing that adds up); a film published
# in between has no similar films until the next run (the web app then shows none).
SIMILAR_EVERY_S = 600.0


async def refresh_similar() -> dict[str, Any]:
    """Every published film's most similar films into film_similar (cinema.catalog.similar).
    Only the lists that changed are rewritten, and only then are the cached answers retired
    (once committed). Like the popularity refresh, a second run at once skips."""
    async with db.transaction() as session:
        if not await similar_repo.try_lock(session):
            return {"skipped": True}
        facts = await similar_repo.published_facts(session)
        views = await similar_repo.coviews(session)
        # CPU work (n x a few hundred pair scores): off the event loop the local stack serves on
        ranked = await asyncio.to_thread(similar.rank, facts, views)
        before = await similar_repo.current_digests(session)
        empty = similar_repo.digest([])
        changed = {
            film_id: found
            for film_id, found in ranked.items()
            if similar_repo.digest([similar_id for similar_id, _ in found]) != before.get(film_id, empty)
        }
        gone = [film_id for film_id in before if film_id not in ranked]  # no longer published
        await similar_repo.replace_lists(session, changed, gone)
        if changed or gone:
            # Loaded only then: the function's cold start carries no cache client (Redis is
            # best-effort here too: unreachable, the cached lists expire by their TTL).
            from cinema.catalog import caching  # noqa: PLC0415

            db.after_commit(session, caching.invalidate_similar)
        return {"films": len(facts), "lists_changed": len(changed) + len(gone)}


JOBS: dict[str, Callable[[], Awaitable[dict[str, Any]]]] = {
    "refresh-popularity": refresh_popularity,
    "refresh-similar": refresh_similar,
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
