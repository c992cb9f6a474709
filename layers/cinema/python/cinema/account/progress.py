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

from sqlalchemy import ColumnElement, and_, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
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
# Rows as Redis keeps them (heartbeats.pending_key: film -> "position:duration:time"), behind
# their profile, in one text parameter that PostgreSQL splits and casts: a flush of 4,600
# positions cost the event loop 31 ms of CPU when each was parsed into a Position and its UUIDs,
# ints and float adapted one by one (bench/playback.py: a heartbeat's share of the flushes).
_WRITE_ROWS = text(
    """
    INSERT INTO watch_progress (profile_id, film_id, position_seconds, duration_seconds, updated_at)
    SELECT p.profile_id, p.film_id, p.position, p.duration, to_timestamp(p.at)
    FROM (
        SELECT split_part(r.row, ':', 1)::uuid AS profile_id,
               split_part(r.row, ':', 2)::uuid AS film_id,
               split_part(r.row, ':', 3)::integer AS position,
               split_part(r.row, ':', 4)::integer AS duration,
               split_part(r.row, ':', 5)::double precision AS at
        FROM unnest(string_to_array(:rows, E'\\n')) AS r(row)
    ) AS p
    WHERE EXISTS (SELECT FROM films WHERE films.id = p.film_id)
      AND EXISTS (SELECT FROM profiles WHERE profiles.id = p.profile_id)
    ON CONFLICT (profile_id, film_id) DO UPDATE SET
        position_seconds = excluded.position_seconds,
        duration_seconds = excluded.duration_seconds,
        updated_at = excluded.updated_at
    WHERE watch_progress.updated_at < excluded.updated_at
    """
)


async def write_rows(db: AsyncSession, rows: Sequence[str]) -> None:
    """Each profile's position in each film, unless the row already holds a newer one. A row is
    "profile:film:position:duration:time" (time in seconds since the epoch)."""
    if rows:
        await db.execute(_WRITE_ROWS, {"rows": "\n".join(rows)})


async def write_positions(db: AsyncSession, positions: Sequence[Position]) -> None:
    """`write_rows` for positions at hand (one heartbeat written through, a test, a bench)."""
    await write_rows(
        db, [f"{p.profile_id}:{p.film_id}:{p.position}:{p.duration}:{p.at!r}" for p in positions]
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
