"""Playback heartbeats written behind, through Redis: a heartbeat costs one Redis script call
and no database work; positions reach PostgreSQL in batches.

A viewer here is a profile (several watch on one account): the keys, the pending hashes and the
dirty set are per profile; only the playback grants are the account's. Every viewer sends one
every 10-15 s, so they are the platform's hottest write. One script
(`_BEAT`) does, atomically, what a heartbeat needs:
- coalesce: a (viewer, film) heard from in the last `COALESCE_S` seconds is answered at once;
- trust: free films need no entitlement; for the others, a /play by this viewer left a grant
  (cinema.payments.grants) that lives as long as the CDN signature it handed out and is
  forgotten when the viewer's subscriptions or purchases change. Without one, the caller
  checks the entitlement in the database first (`Beat.UNTRUSTED`);
- views: the marker holds `<when>:<from position>`; progress since then that real time allows
  (at up to `FASTEST_RATE`, plus `PLAY_SLACK_S`) and reaches the view threshold makes a view (`Beat.VIEW`: the caller
  writes that heartbeat through at once and counts it; then a `viewed_key` stops further
  checks for the day). /play does not know where the viewer starts, so the first heartbeat
  fixes it at the earliest position real time allows; a position real time does not allow (a
  seek, or a lie) starts the clock again from there;
- pending: the position goes into the viewer's hash (`pending_key`, film -> position,
  duration and time) and the viewer into the dirty set;
- flushing: at most one caller per `FLUSH_EVERY_MS` is told to flush (`Beat.flush`).

A flush takes whole hashes atomically (`_TAKE`) and writes them in one statement, newest
wins (cinema.account.progress.write_rows); if the database fails, what was taken is put
back unless a newer heartbeat came meanwhile. Whoever reads a viewer's progress flushes that
viewer first (`flush_viewer`), so reads never miss a heartbeat; the local stack also flushes
every few seconds and at shutdown. Without Redis, heartbeats are written directly and no view
is counted (cinema.account.progress.record).
"""

from __future__ import annotations

import logging
import time
import uuid
from enum import IntEnum
from typing import NamedTuple

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from cinema.account import progress
from cinema.core import cache, db
from cinema.core.settings import get_settings
from cinema.payments import grants

log = logging.getLogger("cinema.heartbeats")

COALESCE_S = progress.COALESCE_S
PLAY_SLACK_S = 5.0  # clocks, buffering and request timing between /play and a heartbeat
FASTEST_RATE = 2.0  # players offer up to 2x: a film watched at 2x moves on 2 s a second
FLUSH_EVERY_MS = 1000
FLUSH_BATCH = 500  # viewers per flush statement
PENDING_TTL_S = 7 * 86400  # a hash nobody flushed (Redis kept, every process gone) is not kept forever
DIRTY_KEY = "cinema:progress:dirty"
FLUSH_LOCK_KEY = "cinema:progress:flushing"


def heartbeat_key(user_id: uuid.UUID | str, film_id: uuid.UUID | str) -> str:
    return f"cinema:beat:{user_id}:{film_id}"


def playing_key(user_id: uuid.UUID | str, film_id: uuid.UUID | str) -> str:
    return f"cinema:playing:{user_id}:{film_id}"


def viewed_key(user_id: uuid.UUID | str, film_id: uuid.UUID | str) -> str:
    return f"cinema:viewed:{user_id}:{film_id}"


def pending_key(user_id: uuid.UUID | str) -> str:
    return f"cinema:progress:{user_id}"


# KEYS: beat, playing, viewed, pending, dirty, flush lock, the viewer's playback grants.
# ARGV: 1 film id, 2 position, 3 duration, 4 now (s), 5 seconds a view needs, 6 playable (0/1),
# 7 trusted (0/1), 8 user id. The constants are written into the script (one text, one digest):
# each argument sent costs a heartbeat its encoding on the event loop.
# Returns a Beat, plus 10 when this caller should flush.
_BEAT = f"""
if ARGV[7] ~= '1' and (tonumber(redis.call('HGET', KEYS[7], ARGV[1]) or '0') or 0) <= tonumber(ARGV[4]) then
  return 2
end
local marker = redis.call('GET', KEYS[2])
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', {COALESCE_S}) then return 0 end
local position = tonumber(ARGV[2])
local now = tonumber(ARGV[4])
local beat = 1
if marker and ARGV[6] == '1' and redis.call('EXISTS', KEYS[3]) == 0 then
  local sep = string.find(marker, ':', 1, true)
  local at = tonumber(string.sub(marker, 1, sep - 1))
  local start = tonumber(string.sub(marker, sep + 1))
  local elapsed = now - at
  local slack = {PLAY_SLACK_S}
  if start == nil then
    start = math.max(0, math.ceil(position - elapsed - slack))
    redis.call('SET', KEYS[2], string.sub(marker, 1, sep) .. start, 'KEEPTTL')
  end
  local advance = position - start
  if advance >= 0 and advance <= elapsed * {FASTEST_RATE} + slack then
    if advance >= tonumber(ARGV[5]) then beat = 3 end
  else
    redis.call('SET', KEYS[2], ARGV[4] .. ':' .. ARGV[2], 'KEEPTTL')
  end
end
redis.call('HSET', KEYS[4], ARGV[1], ARGV[2] .. ':' .. ARGV[3] .. ':' .. ARGV[4])
redis.call('EXPIRE', KEYS[4], {PENDING_TTL_S})
redis.call('ZADD', KEYS[5], 'NX', ARGV[4], ARGV[8])
if redis.call('SET', KEYS[6], '1', 'NX', 'PX', {FLUSH_EVERY_MS}) then beat = beat + 10 end
return beat
"""

# KEYS: viewers' pending hashes. Returns each one's fields and values, and deletes them.
_TAKE = """
local taken = {}
for i, key in ipairs(KEYS) do
  local all = redis.call('HGETALL', key)
  if #all > 0 then redis.call('DEL', key) end
  taken[i] = all
end
return taken
"""

# KEYS: one viewer's pending hash, the dirty set. ARGV: ttl, user id, then film/value pairs.
# Puts back what a failed flush took, unless a newer heartbeat has arrived since.
_GIVE_BACK = """
for i = 3, #ARGV, 2 do redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], 'NX', 0, ARGV[2])
return 0
"""


# Called by digest (EVALSHA), not sent each time.
_BEAT_SHA = cache.script_sha(_BEAT)
_TAKE_SHA = cache.script_sha(_TAKE)
_SCRIPTS = {_BEAT_SHA: _BEAT, _TAKE_SHA: _TAKE}


class Beat(IntEnum):
    COALESCED = 0  # heard from this viewer for this film a moment ago: nothing to do
    PENDING = 1  # written to Redis, the database follows
    UNTRUSTED = 2  # no /play behind it: check the entitlement, then beat again as trusted
    VIEW = 3  # pending, and it completes a view: write it through now and count it


_BEATS = tuple(Beat)  # by value: an IntEnum's call costs a heartbeat ~1 us more than an index


# A NamedTuple: a dataclass compiles its methods when declared, a millisecond of each cold start.
class Outcome(NamedTuple):
    beat: Beat
    flush: bool  # this caller should run `flush_due` (after answering)


# A NamedTuple: a dataclass compiles its methods when declared, a millisecond of each cold start.
class Position(NamedTuple):
    profile_id: uuid.UUID
    film_id: uuid.UUID
    position: int
    duration: int
    at: float  # the heartbeat's time, seconds since the epoch


async def playing(profile_id: uuid.UUID, film_id: uuid.UUID) -> None:
    """/play: the clock of a view starts (the first heartbeat says from where)."""
    redis = cache.client()
    if redis is None:
        return
    marker = f"{time.time():.3f}:"
    try:
        await cache.pipelined(
            redis, "SET", playing_key(profile_id, film_id), marker, "EX", get_settings().playback_ttl_s
        )
    except (RedisError, OSError):
        cache.mark_down()


async def beat(
    user_id: uuid.UUID,
    profile_id: uuid.UUID,
    film_id: uuid.UUID,
    *,
    position: int,
    duration: int,
    playable: bool,
    trusted: bool,
) -> Outcome | None:
    """One heartbeat of the profile, through Redis; None when Redis is unavailable (write it
    directly). `user_id` is the profile's account, whose grants (cinema.payments.grants) hold."""
    redis = cache.client()
    if redis is None:
        return None
    user, film = str(profile_id), str(film_id)
    command = (
        "EVALSHA",
        _BEAT_SHA,
        7,
        heartbeat_key(user, film),
        playing_key(user, film),
        viewed_key(user, film),
        pending_key(user),
        DIRTY_KEY,
        FLUSH_LOCK_KEY,
        grants.grants_key(str(user_id)),
        film,
        position,
        duration,
        f"{time.time():.3f}",
        progress.view_threshold(duration),
        int(playable),
        int(trusted),
        user,
    )
    try:
        code = int(await cache.pipelined(redis, *command, scripts=_SCRIPTS))  # type: ignore[call-overload]
    except (RedisError, OSError):
        cache.mark_down()
        return None
    return Outcome(_BEATS[code % 10], code >= 10)


async def view_counted(profile_id: uuid.UUID, film_id: uuid.UUID, ttl_s: int) -> None:
    """Today's view of this film by this profile is in: stop checking for `ttl_s` seconds."""
    redis = cache.client()
    if redis is None or ttl_s <= 0:
        return
    try:
        await redis.set(viewed_key(profile_id, film_id), b"1", ex=ttl_s)
    except (RedisError, OSError):
        cache.mark_down()


async def write_through(
    session: AsyncSession, profile_id: uuid.UUID, film_id: uuid.UUID, *, position: int, duration: int
) -> None:
    """A heartbeat that completes a view (`Beat.VIEW`): written now and the view counted, in
    the request's transaction; then no more checks for this viewer and film for the day."""
    await progress.write_positions(session, [Position(profile_id, film_id, position, duration, time.time())])
    counted_at = await progress.count_view(session, profile_id, film_id)
    ttl = progress.seconds_until_next_view(counted_at)
    db.after_commit(session, lambda: view_counted(profile_id, film_id, ttl))


def _rows(taken: dict[uuid.UUID, list[bytes]]) -> list[str]:
    """What `_take` took, as progress.write_rows takes it: nothing parsed here."""
    rows = []
    for user_id, fields in taken.items():
        user = str(user_id)
        rows += [
            f"{user}:{film.decode()}:{value.decode()}"
            for film, value in zip(fields[::2], fields[1::2], strict=True)
        ]
    return rows


async def _take(redis: Redis, users: list[uuid.UUID]) -> dict[uuid.UUID, list[bytes]]:
    if not users:
        return {}
    keys = [pending_key(user_id) for user_id in users]
    taken = await cache.pipelined(redis, "EVALSHA", _TAKE_SHA, len(keys), *keys, scripts=_SCRIPTS)
    return {user_id: fields for user_id, fields in zip(users, taken, strict=True) if fields}  # type: ignore[call-overload]


async def _give_back(redis: Redis, taken: dict[uuid.UUID, list[bytes]]) -> None:
    async with redis.pipeline(transaction=False) as pipe:
        for user_id, fields in taken.items():
            pipe.eval(_GIVE_BACK, 2, pending_key(user_id), DIRTY_KEY, PENDING_TTL_S, str(user_id), *fields)
        await pipe.execute()


async def _write(session: AsyncSession, redis: Redis, taken: dict[uuid.UUID, list[bytes]]) -> int:
    rows = _rows(taken)
    try:
        await progress.write_rows(session, rows)
        await session.commit()
    except BaseException:
        await session.rollback()
        try:
            await _give_back(redis, taken)
        except (RedisError, OSError):
            log.exception("could not put back %d heartbeats after a failed flush", len(rows))
        raise
    return len(rows)


async def flush_viewer(session: AsyncSession, profile_id: uuid.UUID) -> None:
    """Writes the profile's pending heartbeats in `session`'s transaction (before a read of
    its progress: a viewer always sees their last heartbeat)."""
    redis = cache.client()
    if redis is None:
        return
    try:
        taken = await _take(redis, [profile_id])
    except (RedisError, OSError):
        cache.mark_down()
        return
    if taken:
        await progress.write_rows(session, _rows(taken))


async def flush_all() -> int:
    """Writes the pending heartbeats, in batches of `FLUSH_BATCH` viewers, each batch its own
    transaction, until a batch is short (what arrives meanwhile is the next flush's). Returns
    how many positions were written."""
    redis = cache.client()
    if redis is None:
        return 0
    written = 0
    async with db.session_factory()() as session:
        while True:
            try:
                popped = await redis.zpopmin(DIRTY_KEY, FLUSH_BATCH)
                taken = await _take(redis, [uuid.UUID(member.decode()) for member, _ in popped])
            except (RedisError, OSError):
                cache.mark_down()
                return written
            if taken:
                written += await _write(session, redis, taken)
            # A short batch emptied the set. Viewers who beat since wait for the next flush:
            # chasing them would write the stream one heartbeat at a time.
            if len(popped) < FLUSH_BATCH:
                return written


async def flush_due() -> None:
    """The flush a heartbeat was told to run (after its answer): errors are logged, not raised,
    and what failed stays pending for the next flush."""
    try:
        await flush_all()
    except Exception:
        log.exception("flushing heartbeats failed; they stay pending")
