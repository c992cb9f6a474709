"""Fixed-window counters for brute-force protection, in Redis with an in-process fallback.

Redis makes the limit hold across every Lambda container and server process. When Redis
is unreachable the same counters live in this process: weaker (per container), but never
unlimited guesses and never a 500.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from redis.exceptions import RedisError

from cinema.core import cache

log = logging.getLogger("cinema.ratelimit")

_MAX_LOCAL_KEYS = 100_000


@dataclass(frozen=True)
class Rule:
    name: str
    limit: int
    window_s: int

    def key(self, subject: str) -> str:
        # Subjects (emails, addresses) are hashed: no personal data in Redis keys.
        digest = hashlib.sha256(subject.lower().encode()).hexdigest()[:32]
        return f"rl:{self.name}:{digest}"


class _LocalCounters:
    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, float]] = {}

    def _live(self, key: str, now: float) -> tuple[int, float] | None:
        entry = self._counts.get(key)
        if entry is None or entry[1] <= now:
            self._counts.pop(key, None)
            return None
        return entry

    def get(self, key: str) -> tuple[int, int]:
        now = time.monotonic()
        entry = self._live(key, now)
        return (0, 0) if entry is None else (entry[0], int(entry[1] - now) + 1)

    def hit(self, key: str, window_s: int) -> None:
        now = time.monotonic()
        if len(self._counts) >= _MAX_LOCAL_KEYS:
            self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
        entry = self._live(key, now)
        self._counts[key] = (1, now + window_s) if entry is None else (entry[0] + 1, entry[1])

    def clear(self, key: str) -> None:
        self._counts.pop(key, None)


_local = _LocalCounters()


async def retry_after(rule: Rule, subject: str) -> int | None:
    """Seconds to wait when `subject` has used up `rule`, else None."""
    key = rule.key(subject)
    redis = cache.client()
    count, ttl = 0, 0
    if redis is not None:
        try:
            async with redis.pipeline(transaction=False) as pipe:
                raw, ttl = await pipe.get(key).ttl(key).execute()
            count = int(raw or 0)
        except (RedisError, OSError):
            cache.mark_down()
            log.warning("rate limiter: Redis unreachable, counting in-process")
            redis = None
    if redis is None:
        count, ttl = _local.get(key)
    if count >= rule.limit:
        return max(int(ttl), 1)
    return None


async def hit(rule: Rule, subject: str) -> None:
    key = rule.key(subject)
    redis = cache.client()
    if redis is not None:
        try:
            async with redis.pipeline(transaction=True) as pipe:
                await pipe.set(key, 0, ex=rule.window_s, nx=True).incr(key).execute()
            return
        except (RedisError, OSError):
            cache.mark_down()
            log.warning("rate limiter: Redis unreachable, counting in-process")
    _local.hit(key, rule.window_s)


async def clear(rule: Rule, subject: str) -> None:
    key = rule.key(subject)
    _local.clear(key)
    redis = cache.client()
    if redis is not None:
        try:
            await redis.delete(key)
        except (RedisError, OSError):
            cache.mark_down()
