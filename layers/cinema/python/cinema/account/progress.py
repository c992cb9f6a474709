"""Where each profile is in each film, and the views it makes: the rules and the writes.

Heartbeats reach these writes through Redis (cinema.account.heartbeats), which coalesces them,
checks views against real time and hands the positions over in batches: `write_positions`
writes a batch in one statement, newest wins; `count_view` counts a view once per viewer, film
and 24 h. Without Redis a heartbeat is written directly (`record`): the upsert itself then
skips a write when the same viewer's previous heartbeat for the film is younger than a few
seconds, and no view is counted (nothing can check it against /play and real time):
popularity undercounts for the outage rather than letting unchecked claims in.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, bindparam, func, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY, DOUBLE_PRECISION, INTEGER, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from cinema.account.models import WatchProgress
from cinema.catalog import popularity

if TYPE_CHECKING:
    from cinema.account.heartbeats import Position

COALESCE_S = 5
VIEW_AFTER_S = 30
VIEW_EVERY = timedelta(hours=24)
# Jellyfin's resume rules, in whole percent so that Python and SQL agree to the second.
RESUME_MIN_PERCENT = 5  # under 5 % watched: not worth resuming
COMPLETED_PERCENT = 90  # from 90 % on: finished


def view_threshold(duration: int) -> int:
    """Seconds of watching that make a view: 30 s, or nearly all of a film shorter than that."""
    return max(1, min(VIEW_AFTER_S, COMPLETED_PERCENT * duration // 100))


def resumable(position: int, duration: int) -> bool:
    return duration > 0 and RESUME_MIN_PERCENT * duration <= 100 * position < COMPLETED_PERCENT * duration


def completed(position: int, duration: int) -> bool:
    return duration > 0 and 100 * position >= COMPLETED_PERCENT * duration


def resumable_clause() -> ColumnElement[bool]:
    """`resumable()` as a WHERE condition on watch_progress rows."""
    position, duration = 100 * WatchProgress.position_seconds, WatchProgress.duration_seconds
    return and_(
        duration > 0, position >= RESUME_MIN_PERCENT * duration, position < COMPLETED_PERCENT * duration
    )


# One statement for a whole batch: arrays in, newest wins, rows of films or viewers deleted
# meanwhile are skipped (a foreign key error would lose the whole batch).
_WRITE_POSITIONS = text(
    """
    INSERT INTO watch_progress (profile_id, film_id, position_seconds, duration_seconds, updated_at)
    SELECT p.profile_id, p.film_id, p.position, p.duration, to_timestamp(p.at)
    FROM unnest(:profiles, :films, :positions, :durations, :ats) AS p(profile_id, film_id, position, duration, at)
    WHERE EXISTS (SELECT FROM films WHERE films.id = p.film_id)
      AND EXISTS (SELECT FROM profiles WHERE profiles.id = p.profile_id)
    ON CONFLICT (profile_id, film_id) DO UPDATE SET
        position_seconds = excluded.position_seconds,
        duration_seconds = excluded.duration_seconds,
        updated_at = excluded.updated_at
    WHERE watch_progress.updated_at < excluded.updated_at
    """
).bindparams(
    bindparam("profiles", type_=ARRAY(UUID(as_uuid=True))),
    bindparam("films", type_=ARRAY(UUID(as_uuid=True))),
    bindparam("positions", type_=ARRAY(INTEGER)),
    bindparam("durations", type_=ARRAY(INTEGER)),
    bindparam("ats", type_=ARRAY(DOUBLE_PRECISION)),
)


async def write_positions(db: AsyncSession, positions: Sequence[Position]) -> None:
    """Each profile's position in each film, unless the row already holds a newer one."""
    if not positions:
        return
    await db.execute(
        _WRITE_POSITIONS,
        {
            "profiles": [p.profile_id for p in positions],
            "films": [p.film_id for p in positions],
            "positions": [p.position for p in positions],
            "durations": [p.duration for p in positions],
            "ats": [p.at for p in positions],
        },
    )


async def count_view(db: AsyncSession, profile_id: uuid.UUID, film_id: uuid.UUID) -> datetime | None:
    """Counts the profile's view of the film unless one was counted in the last 24 h (the
    caller checked that it is real watching). Returns when the view in force was counted."""
    # Conditional, so two racing heartbeats count one view.
    counted = await db.execute(
        update(WatchProgress)
        .where(
            WatchProgress.profile_id == profile_id,
            WatchProgress.film_id == film_id,
            (WatchProgress.view_counted_at.is_(None))
            | (WatchProgress.view_counted_at < func.now() - VIEW_EVERY),
        )
        .values(view_counted_at=func.now())
        .returning(WatchProgress.view_counted_at)
    )
    if (at := counted.scalar_one_or_none()) is not None:
        await popularity.record_view(db, film_id)
        return at
    rows = WatchProgress.__table__.c
    return await db.scalar(
        select(rows.view_counted_at).where(rows.profile_id == profile_id, rows.film_id == film_id)
    )


def seconds_until_next_view(counted_at: datetime | None) -> int:
    if counted_at is None:
        return 0
    return int((counted_at + VIEW_EVERY - datetime.now(UTC)).total_seconds())


async def record(
    db: AsyncSession, *, profile_id: uuid.UUID, film_id: uuid.UUID, position: int, duration: int
) -> None:
    """A heartbeat written directly (Redis is unavailable): upsert the viewer's position,
    skipped when their previous heartbeat for the film is younger than `COALESCE_S`."""
    statement = insert(WatchProgress).values(
        profile_id=profile_id, film_id=film_id, position_seconds=position, duration_seconds=duration
    )
    await db.execute(
        statement.on_conflict_do_update(
            index_elements=[WatchProgress.profile_id, WatchProgress.film_id],
            set_={"position_seconds": position, "duration_seconds": duration, "updated_at": func.now()},
            where=WatchProgress.updated_at < func.now() - text(f"interval '{COALESCE_S} seconds'"),
        )
    )
