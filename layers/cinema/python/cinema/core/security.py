"""Password hashing, access tokens (JWT) and opaque secrets stored as hashes."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import secrets
import threading
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from cinema.core.settings import get_settings

# Hashing threads yield the CPU to the event loop: a storm of sign-ins queues for the hasher
# instead of slowing every other request of the process. They run at the lowest priority and,
# with more than one core, off the first core, which is left to the loop (argon2 spreads one
# hash over threads of its own, which inherit both). Nice 19 rather than 10: the loop, the
# database and Redis then take the hashers' core the moment they need it (bench/login_storm.py,
# idle machine: film page p99 in the storm 4.6 -> 2.5 ms, sign-ins 13.7/s both).
HASHER_NICENESS = 19


@lru_cache
def _hasher() -> PasswordHash:
    return PasswordHash((Argon2Hasher(),))


@lru_cache
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """Blocking: for the CLI and scripts. Request handlers await `hash_password_async`."""
    return _hasher().hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Check a password; with no hash (unknown account) burn the same argon2 time anyway,
    so response time does not reveal which emails have accounts. Blocking, as above."""
    if password_hash is None:
        _hasher().verify(password, _dummy_hash())
        return False
    return _hasher().verify(password, password_hash)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _make_way_for_the_loop() -> None:
    """Runs in each hashing thread; per thread on Linux, best-effort elsewhere."""
    thread = threading.get_native_id()
    if hasattr(os, "sched_setaffinity"):
        cpus = sorted(os.sched_getaffinity(thread))
        if len(cpus) > 1:
            with contextlib.suppress(OSError):
                os.sched_setaffinity(thread, cpus[1:])
    if hasattr(os, "setpriority"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, thread, HASHER_NICENESS)


def _hashing_workers() -> int:
    return get_settings().password_hash_workers or max(1, _cores() - 1)


@lru_cache
def _hashing_pool() -> ThreadPoolExecutor:
    """A few threads, one less than the cores (at least one): argon2 releases the GIL, so the
    loop keeps a core of its own and a storm waits in this pool's queue."""
    return ThreadPoolExecutor(
        _hashing_workers(), thread_name_prefix="argon2", initializer=_make_way_for_the_loop
    )


_turns: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}  # the running loop's only


@contextlib.asynccontextmanager
async def password_turn() -> AsyncIterator[None]:
    """A turn to check a password, taken before any of the work that leads to the hash (the
    attempt's count, the account lookup). A storm of sign-ins waits here, where waiting costs
    the event loop nothing, instead of doing all that work at once (20 sign-ins arriving
    together stalled every other request of the process for ~70 ms, bench/login_storm.py) and
    then queueing in the hashing pool anyway. One turn more than the pool has threads, so that
    the next hash is always ready when a thread frees up."""
    loop = asyncio.get_running_loop()
    turns = _turns.get(loop)
    if turns is None:  # the first sign-in of this loop (a test may run several in turn)
        _turns.clear()
        turns = _turns[loop] = asyncio.Semaphore(_hashing_workers() + 1)
    async with turns:
        yield


async def hash_password_async(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_hashing_pool(), hash_password, password)


async def verify_password_async(password: str, password_hash: str | None) -> bool:
    """`verify_password` in the hashing pool (the dummy verify of an unknown account too)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_hashing_pool(), verify_password, password, password_hash)


def new_opaque_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Refresh and reset tokens are high-entropy, so a fast hash is enough to store them."""
    return hashlib.sha256(token.encode()).hexdigest()


# A NamedTuple: a dataclass compiles its methods when declared, a millisecond of each cold start.
class AccessClaims(NamedTuple):
    user_id: uuid.UUID
    role: str
    jti: str
    issued_at: datetime
    expires_at: datetime


def create_access_token(user_id: uuid.UUID, role: str) -> tuple[str, int]:
    settings = get_settings()
    now = datetime.now(UTC)
    ttl = timedelta(minutes=settings.access_token_minutes)
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "role": role,
        # Microseconds (a NumericDate may be fractional): a token issued just after its user's
        # sessions were revoked, in the same second, is still newer than the revocation.
        "iat": round(now.timestamp(), 6),
        "exp": int((now + ttl).timestamp()),
        "jti": uuid.uuid4().hex,
        "iss": settings.jwt_issuer,
    }
    token = jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm=settings.jwt_algorithm)
    return token, int(ttl.total_seconds())


def decode_access_token(token: str) -> AccessClaims | None:
    """The claims of a valid token, or None. The algorithm is pinned: `alg: none` and
    algorithm-confusion tokens are refused by PyJWT before any claim is read."""
    settings = get_settings()
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret.get_secret_value(),
            algorithms=[settings.jwt_algorithm],
            issuer=settings.jwt_issuer,
            options={"require": ["sub", "role", "exp", "iat", "jti"]},
        )
        return AccessClaims(
            user_id=uuid.UUID(claims["sub"]),
            role=str(claims["role"]),
            jti=str(claims["jti"]),
            issued_at=datetime.fromtimestamp(float(claims["iat"]), UTC),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )
    except (jwt.PyJWTError, ValueError, TypeError, OverflowError):
        return None
