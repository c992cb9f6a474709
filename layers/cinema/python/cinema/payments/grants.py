"""What playback remembers of the entitlements it checked, and the one way to forget it.

/play checks `can_watch` in the database and hands out a CDN signature for
`playback_ttl_s`; it also writes here that the viewer may watch that film until then
(`remember`), in a Redis hash per viewer. Heartbeats for that film trust it instead of asking
the database again every 15 s (cinema.account.heartbeats). Any change of the viewer's
subscriptions or purchases forgets the whole hash once it is committed (`forget_after_commit`),
so a cancellation or a refund applies to the very next heartbeat, as it does to the next /play.

If Redis cannot be reached to forget, the grants run out with their signatures (at most
`playback_ttl_s`); the signatures themselves could not be recalled either.
"""

from __future__ import annotations

import logging
import time
import uuid

from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from cinema.core import cache, db

log = logging.getLogger("cinema.payments.grants")


def grants_key(user_id: uuid.UUID | str) -> str:
    return f"cinema:grants:{user_id}"


async def remember(user_id: uuid.UUID, film_id: uuid.UUID, ttl_s: int) -> None:
    redis = cache.client()
    if redis is None:
        return
    key = grants_key(user_id)
    try:
        async with redis.pipeline(transaction=False) as pipe:
            pipe.hset(key, str(film_id), f"{time.time() + ttl_s:.0f}")
            pipe.expire(key, ttl_s)
            await pipe.execute()
    except (RedisError, OSError):
        cache.mark_down()


def forget_after_commit(session: AsyncSession, user_id: uuid.UUID | None) -> None:
    """The viewer's subscriptions or purchases change in this transaction."""
    if user_id is None:
        return

    async def forget_them() -> None:
        await forget_all({user_id})

    db.after_commit(session, forget_them)


async def forget_all(user_ids: set[uuid.UUID]) -> None:
    """The viewers' subscriptions or purchases changed, and the change is committed: one
    round trip for all of them (a batch of webhook events)."""
    if not user_ids:
        return
    redis = cache.client()
    if redis is None:
        log.warning(
            "Redis is unreachable: playback grants of %d users run out with their signatures", len(user_ids)
        )
        return
    try:
        await redis.delete(*(grants_key(user_id) for user_id in user_ids))
    except (RedisError, OSError):
        cache.mark_down()
        log.warning("could not forget the playback grants of %d users", len(user_ids))
