"""Who is calling, without a database session: the auth state of a user (role, active flag,
tokens-valid-after) read from Redis, the database only when Redis misses or is down.

The state carries the account's profiles (id and age limit each), so choosing the profile of
a request costs nothing more. Every request reads `cinema:auth:<user id>` (one GET, batched with the other requests of the
same turn of the event loop into one MGET, sent in the pipeline of the turn's other Redis
commands), so a change of that state is seen
by the very next request on every process. Every change of the state (a role change, a
(de)activation, logout, a password change or reset, a revoked refresh family, a profile made,
deleted or given another age limit) calls
`changed()`, which, once the transaction has committed, overwrites the entry with a
tombstone `-<unique token>`. A reader that finds no entry or a tombstone reads the row and
writes the state back only if the entry is still the one it found (a compare-and-set in one
Lua call): a reader that read the row before a concurrent change committed cannot put the
old state back over that change's tombstone.

The in-process layer remembers, for at most `LOCAL_TTL_S`, the state parsed from the exact
bytes Redis returned: the GET is the version check, so it saves the parsing and never serves
a state Redis no longer holds. When Redis is down nothing is remembered: each request reads
the row (immediate revocation wins over speed).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import NamedTuple, Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from cinema.auth import repository as repo
from cinema.auth.roles import Role
from cinema.core import cache
from cinema.core.db import after_commit, reading

log = logging.getLogger("cinema.auth.principals")

STATE_TTL_S = 300  # also bounds how long an entry a writer could not replace (Redis unreachable) lives
LOCAL_TTL_S = 1.0
LOCAL_MAX = 50_000
TOMBSTONE = b"-"
# Sets the entry only if it still holds what the reader saw ('' for no entry).
_FILL = """
local current = redis.call('GET', KEYS[1])
if (current == false and ARGV[1] == '') or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0
"""


class Caller(Protocol):
    """What a route needs to know of its caller: a `Principal` or a `User` row."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def role(self) -> Role: ...


# A NamedTuple: a dataclass compiles its methods when declared, a millisecond of each cold start.
class Principal(NamedTuple):
    id: uuid.UUID
    role: Role
    is_active: bool
    tokens_valid_after: datetime | None
    # The account's profiles, the default first: (profile id, its max age rating). A request
    # picks one (cinema.profiles.dependencies) without another lookup.
    profiles: tuple[tuple[uuid.UUID, str], ...] = ()


_local: dict[uuid.UUID, tuple[bytes, float, Principal]] = {}


def key(user_id: uuid.UUID) -> str:
    return f"cinema:auth:{user_id}"


def encode(principal: Principal) -> bytes:
    after = principal.tokens_valid_after
    micros = "" if after is None else str(round(after.timestamp() * 1_000_000))
    profiles = ",".join(f"{profile_id.hex}:{age}" for profile_id, age in principal.profiles)
    return f"{principal.role.value}|{int(principal.is_active)}|{micros}|{profiles}".encode()


def decode(user_id: uuid.UUID, raw: bytes) -> Principal:
    role, active, micros, *rest = raw.decode().split("|")
    after = None if not micros else datetime.fromtimestamp(int(micros) / 1_000_000, UTC)
    profiles = tuple(
        (uuid.UUID(hex=entry[:32]), entry[33:]) for entry in (rest[0].split(",") if rest and rest[0] else ())
    )
    return Principal(user_id, Role(role), active == "1", after, profiles)


async def lookup(user_id: uuid.UUID) -> Principal | None:
    """The user's auth state, or None for a user that does not exist."""
    redis = cache.client()
    seen = b""
    if redis is not None:
        try:
            raw = await _read(redis, key(user_id))
        except (RedisError, OSError):
            cache.mark_down()
            redis = None
        else:
            if raw is not None and not raw.startswith(TOMBSTONE):
                return _parsed(user_id, raw)
            seen = raw or b""
    async with reading() as db:
        row = await repo.get_auth_state(db, user_id)
    if row is None:
        return None
    principal = Principal(user_id, *row)
    if redis is not None:
        try:
            await redis.eval(_FILL, 1, key(user_id), seen, encode(principal), STATE_TTL_S)  # type: ignore[misc]
        except (RedisError, OSError):
            cache.mark_down()
    return principal


async def _read(redis: Redis, name: str) -> bytes | None:
    # With the other reads of this turn of the event loop (one MGET), in the same pipeline as
    # the routes' own commands (cinema.core.cache.pipelined_get).
    return await cache.pipelined_get(redis, name)


def _parsed(user_id: uuid.UUID, raw: bytes) -> Principal:
    now = time.monotonic()
    hit = _local.get(user_id)
    if hit is not None and hit[0] == raw and hit[1] > now:
        return hit[2]
    principal = decode(user_id, raw)
    if len(_local) >= LOCAL_MAX:
        _local.clear()
    _local[user_id] = (raw, now + LOCAL_TTL_S, principal)
    return principal


def changed(db: AsyncSession, user_id: uuid.UUID) -> None:
    """The user's role, active flag, tokens-valid-after or profiles change in this transaction:
    the cached state is replaced by a tombstone once it commits."""
    after_commit(db, forgetting(user_id))


def forgetting(user_id: uuid.UUID) -> Callable[[], Awaitable[None]]:
    async def forget() -> None:
        await _forget(user_id)

    return forget


async def _forget(user_id: uuid.UUID) -> None:
    _local.pop(user_id, None)
    redis = cache.client()
    if redis is None:
        # Readers that reach Redis later may see the old state until the entry expires:
        # say so loudly (the change itself is committed and the database path is exact).
        log.error("auth state of %s changed while Redis is unreachable: its entry is stale", user_id)
        return
    try:
        await redis.set(key(user_id), TOMBSTONE + uuid.uuid4().hex.encode(), ex=STATE_TTL_S)
    except (RedisError, OSError):
        cache.mark_down()
        log.error("auth state of %s changed but Redis refused the tombstone: its entry is stale", user_id)


def clear_local() -> None:
    _local.clear()
