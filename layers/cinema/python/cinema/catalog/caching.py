"""The catalog's cache: ready-made JSON bytes for the hot reads, in two levels.

Level 1 is this process's memory, for a second or two: a hit costs no I/O at all. Level 2 is
Redis, shared by every process and Lambda container. Listing keys carry a catalog version;
every admin write bumps it (retiring every cached listing at once), deletes the film's own
page and empties this process's level 1. A rating changes less: it deletes the film's page
and bumps a second version, which only the listings whose answer depends on ratings carry
(sorted by rating, or filtered by a minimum rating), so every other cached listing stays.
Those keep showing the film's previous average until their TTL. Other processes may serve
a changed page for at most the level-1 TTL. Redis is best-effort: an error means a miss,
never a failed request.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable

from cachetools import TTLCache
from redis.exceptions import RedisError

from cinema.core import cache
from cinema.core.settings import get_settings
from cinema.profiles.age import AGE_RATINGS, NO_LIMIT

log = logging.getLogger("cinema.catalog.cache")

VERSION_KEY = "catalog:version"  # every listing carries it
RATING_VERSION_KEY = "catalog:rating-version"  # and the listings that depend on ratings this one
SIMILAR_VERSION_KEY = "catalog:similar-version"  # and the similar films this one (their job's rewrite)
_SIMILAR = "catalog:similar:"
_RATED = ":r"  # what marks a listing key that carries the rating version
_LOCAL_MAX = 4096  # the least recently used entry goes first beyond it
# Its TTL is the setting's, read when an entry is stored (the level is replaced if it changed).
_local: TTLCache[str, bytes] = TTLCache(maxsize=_LOCAL_MAX, ttl=2.0)


def _local_get(key: str) -> bytes | None:
    return _local.get(key)


def _local_put(key: str, value: bytes) -> None:
    global _local  # noqa: PLW0603 - the level is replaced when its TTL setting changes
    ttl = get_settings().catalog_local_cache_ttl_s
    if ttl <= 0:
        return
    if _local.ttl != ttl:
        _local = TTLCache(maxsize=_LOCAL_MAX, ttl=ttl)
    _local[key] = value


def clear_local() -> None:
    _local.clear()


def local_hit(key: str) -> bytes | None:
    """Level 1 only, synchronous: the hot routes try it before anything else."""
    return _local_get(key)


def _hashed(params: str) -> str:
    return hashlib.sha256(params.encode()).hexdigest()[:24]


def local_listing_key(kind: str, params: str) -> str | None:
    """The key of a listing that does not depend on ratings if the catalog version is in
    level 1 (else None: take the slow path)."""
    version = _local_get(VERSION_KEY)
    if version is None:
        return None
    return f"catalog:{kind}:v{version.decode()}:{_hashed(params)}"


def film_key(film_id: uuid.UUID, max_age_rating: str = NO_LIMIT) -> str:
    """A film's page; for a profile with an age limit its own key, filled only once that
    limit let the film through (a kids profile is never served an adult one's hit)."""
    if max_age_rating == NO_LIMIT:
        return f"catalog:film:{film_id}"
    return f"catalog:film:{film_id}:a{max_age_rating}"


def film_keys(film_id: uuid.UUID) -> list[str]:
    """Every key a film's page may be cached under."""
    return [film_key(film_id, limit) for limit in AGE_RATINGS]


async def _versions(keys: tuple[str, ...]) -> list[str]:
    """The versions under `keys` (level 1, else Redis in one round trip, then kept in level 1)."""
    found = [_local_get(key) for key in keys]
    missing = [key for key, value in zip(keys, found, strict=True) if value is None]
    if missing:
        redis = cache.client()
        raw = await redis.mget(missing) if redis is not None else [None] * len(missing)
        fetched = dict(zip(missing, (bytes(value) if value else b"0" for value in raw), strict=True))
        for key, value in fetched.items():
            _local_put(key, value)
        found = [value if value is not None else fetched[key] for key, value in zip(keys, found, strict=True)]
    return [value.decode() for value in found if value is not None]


async def listing_key(kind: str, params: str, *, by_rating: bool = False) -> str:
    """The key of a listing; `by_rating` when its answer depends on the films' ratings (its
    order or which films it holds), so that a rating retires it (`invalidate_rating`)."""
    if by_rating:
        version, rating_version = await _versions((VERSION_KEY, RATING_VERSION_KEY))
        return f"catalog:{kind}:v{version}{_RATED}{rating_version}:{_hashed(params)}"
    (version,) = await _versions((VERSION_KEY,))
    return f"catalog:{kind}:v{version}:{_hashed(params)}"


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
                pipe.delete(*film_keys(film_id))
            await pipe.execute()
    except (RedisError, OSError):
        cache.mark_down()
        log.warning("catalog cache invalidation lost; entries expire by TTL")


async def similar_key(film_id: uuid.UUID, age_limit: str) -> str:
    """The key of a film's similar films as a viewer limited to `age_limit` sees them: retired
    by any film's change (the catalog version: a film published, unpublished, edited) and by
    the scheduled job's rewrite of the lists (`invalidate_similar`)."""
    version, similar_version = await _versions((VERSION_KEY, SIMILAR_VERSION_KEY))
    return f"{_SIMILAR}v{version}:s{similar_version}:{film_id}:{age_limit}"


async def invalidate_similar() -> None:
    """The similar films' lists were rewritten: every cached answer of them goes (this
    process's level 1, and the version in Redis); every other cached read stays."""
    _local.pop(SIMILAR_VERSION_KEY, None)
    for key in [key for key in _local if key.startswith(_SIMILAR)]:  # so that without Redis too
        _local.pop(key, None)
    redis = cache.client()
    if redis is None:
        return
    try:
        await redis.incr(SIMILAR_VERSION_KEY)
    except (RedisError, OSError):
        cache.mark_down()
        log.warning("catalog cache invalidation lost; entries expire by TTL")


async def invalidate_rating(film_id: uuid.UUID) -> None:
    """A film's rating changed: its page and the listings that depend on ratings go, in this
    process's level 1 and in Redis; every other cached listing stays."""
    for key in film_keys(film_id):
        _local.pop(key, None)
    _local.pop(RATING_VERSION_KEY, None)
    for key in [key for key in _local if _RATED in key]:  # so that without Redis too
        _local.pop(key, None)
    redis = cache.client()
    if redis is None:
        return
    try:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.incr(RATING_VERSION_KEY)
            pipe.delete(*film_keys(film_id))
            await pipe.execute()
    except (RedisError, OSError):
        cache.mark_down()
        log.warning("catalog cache invalidation lost; entries expire by TTL")
