"""Fixed-window counters for brute-force protection, in Redis with an in-process mirror.

An attempt is counted and checked in one atomic step (`take`): every rule of the request is
tested and, only if none is used up, all of them are incremented, in one Lua script in Redis
and in one synchronous step on the event loop in process. So N parallel requests never get
more than the limit through, however they interleave. Attempts that turn out not to be
failures (a right password) are handed back with `give_back`.

Redis makes a limit hold across every Lambda container and server process. This process also
keeps its own counts of every attempt it sees (a mirror): when Redis becomes unreachable the
counts carry on from there instead of starting fresh, and when Redis comes back empty the
mirror still refuses what it has seen. Weaker than Redis (per container), but never unlimited
guesses and never a 500.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from typing import NamedTuple

from cachetools import TLRUCache
from redis.exceptions import RedisError

from cinema.core import cache

log = logging.getLogger("cinema.ratelimit")

_MAX_LOCAL_KEYS = 100_000

# KEYS: the counters; ARGV: limit and window of each, in turn. Returns 0 when every counter
# was below its limit (then all were incremented), else the seconds until the longest-used-up
# one expires (then nothing was counted).
_TAKE = """
local wait = 0
for i, key in ipairs(KEYS) do
  local count = tonumber(redis.call('GET', key) or '0')
  if count >= tonumber(ARGV[2 * i - 1]) then
    local ttl = redis.call('TTL', key)
    if ttl < 0 then
      ttl = tonumber(ARGV[2 * i])
      redis.call('EXPIRE', key, ttl)
    end
    if ttl > wait then wait = ttl end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('EXPIRE', key, ARGV[2 * i]) end
end
return 0
"""

_GIVE_BACK = """
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end
end
return 0
"""


# A NamedTuple: a dataclass compiles its methods when declared, a millisecond of each cold start.
class Rule(NamedTuple):
    name: str
    limit: int
    window_s: int

    def key(self, subject: str) -> str:
        # Subjects (emails, addresses) are hashed: no personal data in Redis keys.
        digest = hashlib.sha256(subject.lower().encode()).hexdigest()[:32]
        return f"rl:{self.name}:{digest}"


Checks = Sequence[tuple[Rule, str]]


def _expiry(_key: str, entry: tuple[int, float], _now: float) -> float:
    return entry[1]


class _LocalCounters:
    """The in-process counters (and marks): (count, expiry) per key, each key expiring at the
    end of its own window. Each method runs without awaiting, so on the event loop it is atomic.
    Expired keys go first when the mirror is full; only beyond _MAX_LOCAL_KEYS live ones would
    the least recently used go (Redis, not this mirror, is what holds the limits)."""

    def __init__(self) -> None:
        self._counts: TLRUCache[str, tuple[int, float]] = TLRUCache(
            maxsize=_MAX_LOCAL_KEYS, ttu=_expiry, timer=time.monotonic
        )

    def take(self, counters: list[tuple[str, int, int]]) -> int:
        """0 and every counter incremented, or the seconds to wait and nothing counted."""
        now = time.monotonic()
        wait = 0
        for key, limit, _ in counters:
            entry = self._counts.get(key)
            if entry is not None and entry[0] >= limit:
                wait = max(wait, int(entry[1] - now) + 1)
        if wait:
            return wait
        for key, _, window_s in counters:
            entry = self._counts.get(key)
            self._counts[key] = (1, now + window_s) if entry is None else (entry[0] + 1, entry[1])
        return 0

    def give_back(self, keys: list[str]) -> None:
        for key in keys:
            entry = self._counts.get(key)
            if entry is not None and entry[0] > 0:
                self._counts[key] = (entry[0] - 1, entry[1])

    def clear(self, key: str) -> None:
        self._counts.pop(key, None)

    def mark(self, key: str, ttl_s: int) -> None:
        self._counts[key] = (1, time.monotonic() + ttl_s)

    def marked(self, key: str) -> bool:
        return key in self._counts


_local = _LocalCounters()


def _redis_failed() -> None:
    cache.mark_down()
    log.warning("rate limiter: Redis unreachable, counting in-process")


async def take(checks: Checks) -> int | None:
    """Counts one attempt against every rule unless one of them is used up. Returns None when
    the attempt may go ahead (and is counted), else the seconds to wait (nothing counted)."""
    counters = [(rule.key(subject), rule.limit, rule.window_s) for rule, subject in checks]
    wait = _local.take(counters)
    if wait:
        return wait
    redis = cache.client()
    if redis is None:
        return None
    args = [str(n) for _, limit, window_s in counters for n in (limit, window_s)]
    try:
        wait = int(await redis.eval(_TAKE, len(counters), *(key for key, _, _ in counters), *args))
    except (RedisError, OSError):
        _redis_failed()
        return None  # counted in process
    if wait:
        _local.give_back([key for key, _, _ in counters])
        return max(wait, 1)
    return None


async def give_back(
    checks: Checks, *, clear: tuple[Rule, str] | None = None, mark: tuple[Rule, str] | None = None
) -> None:
    """Uncounts an attempt `take` let through that turned out not to be a failure; with
    `clear`, also starts that counter again, and with `mark`, remembers that subject for its
    rule's window (e.g. a known address). One round trip to Redis for all of it."""
    keys = [rule.key(subject) for rule, subject in checks]
    _local.give_back(keys)
    if clear is not None:
        _local.clear(clear[0].key(clear[1]))
    if mark is not None:
        _local.mark(mark[0].key(mark[1]), mark[0].window_s)
    redis = cache.client()
    if redis is None:
        return
    pipe = redis.pipeline(transaction=False)
    pipe.eval(_GIVE_BACK, len(keys), *keys)
    if clear is not None:
        pipe.delete(clear[0].key(clear[1]))
    if mark is not None:
        pipe.set(mark[0].key(mark[1]), 1, ex=mark[0].window_s)
    try:
        await pipe.execute()
    except (RedisError, OSError):
        _redis_failed()


async def marked(rule: Rule, subject: str) -> bool:
    key = rule.key(subject)
    if _local.marked(key):
        return True
    redis = cache.client()
    if redis is None:
        return False
    try:
        return bool(await redis.exists(key))
    except (RedisError, OSError):
        _redis_failed()
        return False
