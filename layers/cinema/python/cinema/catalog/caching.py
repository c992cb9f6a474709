"""The catalog's Redis cache: ready-made JSON bytes for the hot reads.

Keys carry a catalog version; every admin write bumps it, which retires every cached
listing at once, and deletes the film's own page. Redis is best-effort: any error means a
miss (or a lost invalidation that the TTL bounds), never a failed request.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable

from redis.exceptions import RedisError

from cinema.core import cache

log = logging.getLogger("cinema.catalog.cache")

VERSION_KEY = "catalog:version"


def film_key(film_id: uuid.UUID) -> str:
    return f"catalog:film:{film_id}"


async def _version() -> str:
    redis = cache.client()
    if redis is None:
        return "0"
    raw = await redis.get(VERSION_KEY)
    return raw.decode() if raw else "0"


async def listing_key(kind: str, params: str) -> str:
    digest = hashlib.sha256(params.encode()).hexdigest()[:24]
    return f"catalog:{kind}:v{await _version()}:{digest}"


async def cached(
    key_factory: Callable[[], Awaitable[str]], ttl_s: int, build: Callable[[], Awaitable[bytes]]
) -> bytes:
    """The cached bytes under the key, else `build()` stored for `ttl_s` seconds."""
    key: str | None = None
    redis = cache.client()
    if redis is not None:
        try:
            key = await key_factory()
            hit = await redis.get(key)
            if hit is not None:
                return bytes(hit)
        except (RedisError, OSError):
            cache.mark_down()
            log.warning("catalog cache unavailable, reading from PostgreSQL")
            redis = None
    body = await build()
    if redis is not None and key is not None:
        try:
            await redis.set(key, body, ex=ttl_s)
        except (RedisError, OSError):
            cache.mark_down()
    return body


async def invalidate(*film_ids: uuid.UUID) -> None:
    redis = cache.client()
    if redis is None:
        return
    try:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.incr(VERSION_KEY)
            for film_id in film_ids:
                pipe.delete(film_key(film_id))
            await pipe.execute()
    except (RedisError, OSError):
        cache.mark_down()
        log.warning("catalog cache invalidation lost; entries expire by TTL")
