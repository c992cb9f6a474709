"""Views and the 7-day popularity that orders `sort=popular` and GET /films/popular.

A view is one upsert of a (film, day) counter; `films.popularity` (views over the last 7
days) is recomputed from those counters by scheduled work (cinema.catalog.jobs: every minute,
by EventBridge Scheduler in AWS and by the local stack on one machine), never by a read, so
the hot path neither aggregates nor writes.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from cinema.catalog import repository as repo

WINDOW_DAYS = 7


def today() -> date:
    return datetime.now(UTC).date()


def window_start() -> date:
    return today() - timedelta(days=WINDOW_DAYS - 1)


async def record_view(db: AsyncSession, film_id: uuid.UUID) -> None:
    """Count one view of the film today. The caller decides what a view is (the media
    heartbeats: once per profile, film and 24 h after 30 s watched)."""
    await repo.add_view(db, film_id, today())


async def refresh(db: AsyncSession) -> int:
    """films.popularity := views over the last WINDOW_DAYS days (today included); returns how
    many films changed. Flushes nothing else and commits nothing: the caller's unit of work."""
    return await repo.refresh_popularity(db, window_start())


async def views_per_day(db: AsyncSession, days: Sequence[date]) -> list[tuple[date, int]]:
    """Counted views of all films on each of `days` (consecutive, oldest first), 0 when none."""
    if not days:
        return []
    found = await repo.views_by_day(db, days[0], days[-1])
    return [(day, found.get(day, 0)) for day in days]


async def top_films(
    db: AsyncSession, days: Sequence[date], limit: int = 10
) -> list[tuple[uuid.UUID, str, int]]:
    """(film id, title, views) of the most viewed films over `days`, most viewed first."""
    return await repo.most_viewed(db, days[0], days[-1], limit) if days else []
