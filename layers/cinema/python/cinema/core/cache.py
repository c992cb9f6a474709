"""The Redis client, created lazily and shared; callers treat Redis as best-effort."""

from __future__ import annotations

import time

from redis.asyncio import Redis
from redis.exceptions import RedisError

from cinema.core.settings import get_settings

_client: Redis | None = None
_down_until = 0.0
DOWN_BACKOFF_S = 5.0


def client() -> Redis | None:
    """The shared client, or None while Redis is known to be unreachable.

    Short timeouts keep a dead Redis from stalling requests; after a failure callers skip
    Redis for a few seconds instead of paying a connect timeout on every request.
    """
    global _client  # noqa: PLW0603 - one client per container
    if time.monotonic() < _down_until:
        return None
    if _client is None:
        url = get_settings().redis_url
        if not url:
            return None
        _client = Redis.from_url(
            url, socket_connect_timeout=0.25, socket_timeout=0.5, health_check_interval=30
        )
    return _client


def mark_down() -> None:
    global _down_until  # noqa: PLW0603
    _down_until = time.monotonic() + DOWN_BACKOFF_S


def reset() -> None:
    global _client, _down_until
    _client, _down_until = None, 0.0


async def ping() -> bool:
    redis = client()
    if redis is None:
        return False
    try:
        return bool(await redis.ping())
    except (RedisError, OSError):
        mark_down()
        return False


async def close() -> None:
    """Close the shared client (at the end of an `asyncio.run` whose loop its connections belong to)."""
    if _client is not None:
        await _client.aclose()
    reset()
