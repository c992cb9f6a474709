"""The catalog's cache: ready-made JSON bytes for the hot reads, in two levels.

Level 1 is this process's memory, for a second or two: a hit costs no I/O at all. Level 2 is
Redis, shared by every process and Lambda container. Keys carry a catalog version; every
admin write bumps it (retiring every cached listing at once), deletes the film's own page
and empties this process's level 1. Other processes may serve a changed page for at most
the level-1 TTL. Redis is best-effort: an error means a miss, never a failed request.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable

from redis.exceptions import RedisError

from cinema.core import cache
from cinema.core.settings import get_settings

log = logging.getLogger("cinema.catalog.cache")

VERSION_KEY = "catalog:version"
_LOCAL_MAX = 4096
_local: dict[str, tuple[float, bytes]] = {}


def _local_get(key: str) -> bytes | None:
    entry = _local.get(key)
    if entry is None or entry[0] < time.monotonic():
        return None
    return entry[1]


def _local_put(key: str, value: bytes) -> None:
    ttl = get_settings().catalog_local_cache_ttl_s
    if ttl <= 0:
        return
    if len(_local) >= _LOCAL_MAX:
        _local.clear()  # crude, but bounded: a burst of distinct keys costs one refill
    _local[key] = (time.monotonic() + ttl, value)


def clear_local() -> None:
    _local.clear()


def local_hit(key: str) -> bytes | None:
    """Level 1 only, synchronous: the hot routes try it before anything else."""
    return _local_get(key)


def local_listing_key(kind: str, params: str) -> str | None:
    """The listing key if the catalog version is in level 1 (else None: take the slow path)."""
    version = _local_get(VERSION_KEY)
    if version is None:
        return None
    return f"catalog:{kind}:v{version.decode()}:{hashlib.sha256(params.encode()).hexdigest()[:24]}"


def film_key(film_id: uuid.UUID) -> str:
    return f"catalog:film:{film_id}"


async def _version() -> str:
    hit = _local_get(VERSION_KEY)
    if hit is not None:
        return hit.decode()
    redis = cache.client()
    if redis is None:
        return "0"
    raw = await redis.get(VERSION_KEY)
    version = raw.decode() if raw else "0"
    _local_put(VERSION_KEY, version.encode())
    return version


async def listing_key(kind: str, params: str) -> str:
    return f"catalog:{kind}:v{await _version()}:{hashlib.sha256(params.encode()).hexdigest()[:24]}"


async def cached(
    key_factory: Callable[[], Awaitable[str]], ttl_s: int, build: Callable[[], Awaitable[bytes]]
) -> bytes:
    """The cached bytes under the key (memory, then Redis), else `build()`, stored in both."""
    key: str | None = None
    redis = cache.client()
    try:
        key = await key_factory()
        hit = _local_get(key)
        if hit is not None:
            return hit
        if redis is not None:
            found = await redis.get(key)
            if found is not None:
                _local_put(key, bytes(found))
                return bytes(found)
    except (RedisError, OSError):
        cache.mark_down()
        log.warning("catalog cache unavailable, reading from PostgreSQL")
        redis = None
    body = await build()
    if key is not None:
        _local_put(key, body)
        if redis is not None:
            try:
                await redis.set(key, body, ex=ttl_s)
            except (RedisError, OSError):
                cache.mark_down()
    return body


async def peek(key: str) -> bytes | None:
    """What is under the key (memory, then Redis), or None; never builds anything."""
    hit = _local_get(key)
    redis = cache.client()
    if hit is not None or redis is None:
        return hit
    try:
        found = await redis.get(key)
    except (RedisError, OSError):
        cache.mark_down()
        return None
    if found is not None:
        _local_put(key, bytes(found))
    return None if found is None else bytes(found)


async def keep(key: str, value: bytes, ttl_s: int) -> None:
    """Stores the value under the key in both levels (Redis best-effort)."""
    _local_put(key, value)
    redis = cache.client()
    if redis is None:
        return
    try:
        await redis.set(key, value, ex=ttl_s)
    except (RedisError, OSError):
        cache.mark_down()


async def invalidate(*film_ids: uuid.UUID) -> None:
    clear_local()
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
