"""Playback heartbeats: where each viewer is in each film, and the views they make.

The hottest write of the platform: one upsert that skips the row write when the same
viewer's previous heartbeat for the film is younger than a few seconds, so retries,
several tabs or a misbehaving player cost an index probe, not a write. In front of it, a
Redis key per (viewer, film) living `COALESCE_S` seconds (SET NX EX) answers those repeats
before they reach PostgreSQL at all (`claim_heartbeat`).

A view (once per viewer, film and 24 h) is real watching, not a claim: the film has a video
that plays, the viewer asked /play for it, and the position has moved on at least 30 s from
where /play found the viewer, no faster than real time since then (plus a few seconds of
slack). /play leaves a marker in Redis, `<when>:<from position>`, living as long as its
signature; a heartbeat reads it only while a view could be counted (not once per heartbeat
once today's view is in). A position real time does not allow (a seek, or a lie) starts the
clock again from there. Without Redis no view is counted (heartbeats still work): popularity
undercounts for the outage rather than letting unchecked claims in.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

from redis.exceptions import RedisError
from sqlalchemy import ColumnElement, and_, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from cinema.account.models import WatchProgress
from cinema.catalog import popularity
from cinema.core import cache
from cinema.core.settings import get_settings

COALESCE_S = 5
VIEW_AFTER_S = 30
VIEW_EVERY = timedelta(hours=24)
PLAY_SLACK_S = 5.0  # clocks, buffering and request timing between /play and a heartbeat
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


def heartbeat_key(user_id: uuid.UUID, film_id: uuid.UUID) -> str:
    return f"cinema:beat:{user_id}:{film_id}"


async def claim_heartbeat(user_id: uuid.UUID, film_id: uuid.UUID) -> bool:
    """False when this viewer's heartbeat for the film already went through in the last
    `COALESCE_S` seconds (a Redis SET NX EX): the caller answers without any database work.
    Without Redis every heartbeat is claimed and the upsert's own condition coalesces."""
    redis = cache.client()
    if redis is None:
        return True
    try:
        return bool(await redis.set(heartbeat_key(user_id, film_id), b"1", nx=True, ex=COALESCE_S))
    except (RedisError, OSError):
        cache.mark_down()
        return True


async def release_heartbeat(user_id: uuid.UUID, film_id: uuid.UUID) -> None:
    """A claimed heartbeat that was refused (not entitled, no such film, a bad position): the
    next one must be checked again, not coalesced."""
    redis = cache.client()
    if redis is None:
        return
    try:
        await redis.delete(heartbeat_key(user_id, film_id))
    except (RedisError, OSError):
        cache.mark_down()


def playing_key(user_id: uuid.UUID, film_id: uuid.UUID) -> str:
    return f"cinema:playing:{user_id}:{film_id}"


async def playing(db: AsyncSession, *, user_id: uuid.UUID, film_id: uuid.UUID) -> None:
    """/play: remember when this viewer started the film, and from which saved position."""
    redis = cache.client()
    if redis is None:
        return
    rows = WatchProgress.__table__.c  # a Core select: /play is hot, no ORM work is needed here
    saved = select(rows.position_seconds).where(rows.user_id == user_id, rows.film_id == film_id)
    start = await db.scalar(saved) or 0
    try:
        marker = f"{time.time():.3f}:{start}"
        await redis.set(playing_key(user_id, film_id), marker, ex=get_settings().playback_ttl_s)
    except (RedisError, OSError):
        cache.mark_down()


async def _watched_since_play(user_id: uuid.UUID, film_id: uuid.UUID, position: int, needed: int) -> bool:
    """Whether real time since /play allows at least `needed` seconds of progress up to `position`."""
    redis = cache.client()
    if redis is None:
        return False
    key = playing_key(user_id, film_id)
    try:
        marker = await redis.get(key)
        if marker is None:
            return False
        at, _, start = marker.decode().partition(":")
        now = time.time()
        advance = position - int(start)
        if 0 <= advance <= now - float(at) + PLAY_SLACK_S:
            return advance >= needed
        await redis.set(key, f"{now:.3f}:{position}", keepttl=True)  # a seek: the clock starts again
    except (RedisError, OSError):
        cache.mark_down()
    except ValueError:  # not a marker of ours
        pass
    return False


async def record(
    db: AsyncSession,
    *,
    user_id: uuid.UUID,
    film_id: uuid.UUID,
    position: int,
    duration: int,
    playable: bool,
) -> None:
    """Upsert the viewer's position; count a view if this heartbeat completes one (`playable`:
    the film has a video that plays)."""
    statement = insert(WatchProgress).values(
        user_id=user_id, film_id=film_id, position_seconds=position, duration_seconds=duration
    )
    statement = statement.on_conflict_do_update(
        index_elements=[WatchProgress.user_id, WatchProgress.film_id],
        set_={"position_seconds": position, "duration_seconds": duration, "updated_at": func.now()},
        where=WatchProgress.updated_at < func.now() - text(f"interval '{COALESCE_S} seconds'"),
    ).returning(WatchProgress.view_counted_at)
    written = (await db.execute(statement)).first()
    needed = view_threshold(duration)
    if written is None or position < needed or not playable:
        return
    last_counted = written[0]
    if last_counted is not None and last_counted > datetime.now(UTC) - VIEW_EVERY:
        return  # this viewer's view of this film was counted less than a day ago
    if not await _watched_since_play(user_id, film_id, position, needed):
        return
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
