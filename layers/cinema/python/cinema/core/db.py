"""The database engine and the one-session-per-request dependency.

The engine is created lazily on first use and kept at module scope, so a warm Lambda
container (and the local server) reuses its pool.
"""

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends
from sqlalchemy import MetaData
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cinema.core.errors import CinemaError
from cinema.core.settings import Shape, get_settings

log = logging.getLogger("cinema.db")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


_engine: AsyncEngine | None = None
_sessions: async_sessionmaker[AsyncSession] | None = None
_readers: async_sessionmaker[AsyncSession] | None = None


def engine() -> AsyncEngine:
    global _engine, _sessions, _readers  # noqa: PLW0603 - the per-container singleton is the point
    if _engine is None:
        settings = get_settings()
        if not settings.database_url:
            raise RuntimeError("CINEMA_DATABASE_URL is not set (the local stack sets it when it starts)")
        lambda_shape = settings.shape is Shape.aws
        _engine = create_async_engine(
            settings.database_url,
            # One Lambda container serves one request at a time; RDS Proxy does the pooling.
            # Locally one process serves every request: the pool keeps as many connections as
            # it has requests holding a session at once under load (authentication holds none),
            # since a connection opened beyond pool_size is closed as soon as it is returned:
            # an undersized pool opens a new PostgreSQL connection (a backend fork) per request.
            pool_size=1 if lambda_shape else 50,
            max_overflow=2 if lambda_shape else 20,
            # RDS Proxy and NAT may drop idle connections; the local server's own PostgreSQL
            # on loopback does not. A connection lost anyway (a restart, a failover) invalidates
            # the whole pool at the first error, and RetryDroppedConnection runs the request
            # again: a ping per checkout would cost every request a round trip and still not
            # save the requests whose statement was in flight when the connection died.
            pool_pre_ping=lambda_shape,
            pool_recycle=300 if lambda_shape else 1800,
        )
        _sessions = async_sessionmaker(_engine, expire_on_commit=False)
        _readers = async_sessionmaker(
            _engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
        )
    return _engine


def session_factory() -> async_sessionmaker[AsyncSession]:
    engine()
    assert _sessions is not None
    return _sessions


async def dispose() -> None:
    global _engine, _sessions, _readers
    if _engine is not None:
        await _engine.dispose()
    _engine, _sessions, _readers = None, None, None


def after_commit(session: AsyncSession, action: Callable[[], Awaitable[None]]) -> None:
    """Run `action` once the request's transaction has committed (e.g. cache invalidation:
    done earlier, a concurrent read could cache the old row again before the commit)."""
    session.info.setdefault("after_commit", []).append(action)


async def _run_after_commit(session: AsyncSession) -> None:
    for action in session.info.pop("after_commit", []):
        await action()


@asynccontextmanager
async def transaction() -> AsyncIterator[AsyncSession]:
    """One unit of work: committed when the block ends, rolled back on error (a CinemaError
    that asks for it keeps its writes). Also what the request dependency uses."""
    async with session_factory()() as session:
        try:
            yield session
            await session.commit()
        except CinemaError as exc:
            await (session.commit() if exc.commit else session.rollback())
            if exc.commit:
                await _run_after_commit(session)
            raise
        except BaseException:
            await session.rollback()
            raise
        await _run_after_commit(session)


@asynccontextmanager
async def reading() -> AsyncIterator[AsyncSession]:
    """A read-only unit of work in autocommit: no BEGIN/COMMIT round trips; each statement
    sees its own snapshot, as it would under READ COMMITTED. For the hot public reads."""
    engine()
    assert _readers is not None
    async with _readers() as session:
        yield session


async def get_db() -> AsyncIterator[AsyncSession]:
    async with transaction() as session:
        yield session


# scope="function": commit before the response is sent, so a client never sees a 2xx for
# a write that then fails to commit, and its next request always sees the write.
DbSession = Annotated[AsyncSession, Depends(get_db, scope="function")]


# Safe to run twice by HTTP's own rules (RFC 9110, 9.2.2): the second run changes nothing more.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def connection_dropped(exc: BaseException) -> bool:
    """Whether a statement failed because its database connection was lost (the server
    terminated it, restarted or failed over): SQLAlchemy has then invalidated the pool's
    connections of that age, so a new attempt gets a fresh one."""
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


class RetryDroppedConnection:
    """Runs an idempotent request a second time when its database connection dropped before
    any of the answer was sent: a failover (RDS, or every backend terminated) costs the
    requests that were in flight a retry instead of a 500. Other methods are not retried:
    a POST may have done something outside the database before it failed.

    Its cost, measured in process (2 shared cores, load average ~9): +1.7 us of CPU a request,
    0.06% of /play's 2.8 ms. The alternative, pool_pre_ping, cost +0.38 ms of CPU (+30%) and
    +1.2 ms of latency per checkout (a `;` round trip each: 1.27 -> 1.65 ms CPU for checkout +
    SELECT 1, medians of 6 x 2000), about +14% on /play, and saves no request in flight."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in IDEMPOTENT_METHODS:
            await self.app(scope, receive, send)
            return
        received: list[Message] = []
        started = False

        async def recording() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                received.append(message)
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self.app(scope, recording, sending)
            return
        except Exception as exc:
            if started or not connection_dropped(exc):
                raise
            log.warning(
                "database connection lost during %s %s: running it again", scope["method"], scope["path"]
            )
        replay = iter(received)

        async def replaying() -> Message:
            return next(replay, None) or await receive()

        await self.app(scope, replaying, send)
