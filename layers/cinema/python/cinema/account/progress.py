"""Playback heartbeats: where each viewer is in each film.

The hottest write of the platform: one upsert that skips the row write when the same
viewer's previous heartbeat for the film is younger than a few seconds, so retries,
several tabs or a misbehaving player cost an index probe, not a write.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from cinema.account.models import WatchProgress
from cinema.catalog import popularity

COALESCE_S = 5
VIEW_AFTER_S = 30
VIEW_EVERY = timedelta(hours=24)
# Jellyfin's resume rules, in whole percent so that Python and SQL agree to the second.
RESUME_MIN_PERCENT = 5  # under 5 % watched: not worth resuming
COMPLETED_PERCENT = 90  # from 90 % on: finished


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


async def record(
    db: AsyncSession, *, user_id: uuid.UUID, film_id: uuid.UUID, position: int, duration: int
) -> None:
    statement = insert(WatchProgress).values(
        user_id=user_id, film_id=film_id, position_seconds=position, duration_seconds=duration
    )
    statement = statement.on_conflict_do_update(
        index_elements=[WatchProgress.user_id, WatchProgress.film_id],
        set_={"position_seconds": position, "duration_seconds": duration, "updated_at": func.now()},
        where=WatchProgress.updated_at < func.now() - text(f"interval '{COALESCE_S} seconds'"),
    ).returning(WatchProgress.view_counted_at)
    written = (await db.execute(statement)).first()
    if written is None or position < VIEW_AFTER_S:
        return
    last_counted = written[0]
    if last_counted is not None and last_counted > datetime.now(UTC) - VIEW_EVERY:
        return  # this viewer's view of this film was counted less than a day ago
    # Conditional, so two racing heartbeats count one view.
    counted = await db.execute(
        update(WatchProgress)
        .where(
            WatchProgress.user_id == user_id,
            WatchProgress.film_id == film_id,
            (WatchProgress.view_counted_at.is_(None))
            | (WatchProgress.view_counted_at < func.now() - VIEW_EVERY),
        )
        .values(view_counted_at=func.now())
        .returning(WatchProgress.film_id)
    )
    if counted.first() is not None:
        await popularity.record_view(db, film_id, user_id)
