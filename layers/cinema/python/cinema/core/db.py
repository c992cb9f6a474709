"""The database engine and the one-session-per-request dependency.

The engine is created lazily on first use and kept at module scope, so a warm Lambda
container (and the local server) reuses its pool.
"""

import logging
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import Engine, MetaData, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
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
_autocommit: AsyncEngine | None = None


def engine() -> AsyncEngine:
    global _engine, _sessions, _readers, _autocommit  # noqa: PLW0603 - the per-container singleton is the point
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
            # RDS Proxy multiplexes transactions over its connections unless a session holds state
            # of its own: a server-side prepared statement (psycopg prepares a statement after its
            # fifth run) would pin every Lambda's connection to one backend for good.
            connect_args={"prepare_threshold": None} if lambda_shape else {},
        )
        if settings.database_iam_auth:
            use_iam_auth(_engine.sync_engine, settings.aws_region)
        _sessions = async_sessionmaker(_engine, expire_on_commit=False)
        _autocommit = _engine.execution_options(isolation_level="AUTOCOMMIT")
        _readers = async_sessionmaker(_autocommit, expire_on_commit=False)
    return _engine


# A token is valid for 15 minutes and only checked when a connection opens, so one token serves
# every connection a container opens within this long (signing is local, but not free).
IAM_TOKEN_REUSE_S = 600.0


class IamTokens:
    """IAM authentication tokens for the RDS Proxy (boto3's generate_db_auth_token: a SigV4
    presigned `connect` request signed with the function's role, no network call), cached per
    (host, port, user) for IAM_TOKEN_REUSE_S."""

    def __init__(self, region: str, reuse_s: float = IAM_TOKEN_REUSE_S) -> None:
        self.region = region
        self.reuse_s = reuse_s
        self._client: Any = None
        self._tokens: dict[tuple[str, int, str], tuple[str, float]] = {}
        self._lock = threading.Lock()

    def __call__(self, host: str, port: int, user: str) -> str:
        key = (host, port, user)
        with self._lock:
            cached = self._tokens.get(key)
            if cached is not None and time.monotonic() - cached[1] < self.reuse_s:
                return cached[0]
            if self._client is None:
                import boto3  # noqa: PLC0415 - only the AWS shape signs tokens

                self._client = boto3.client("rds", region_name=self.region)
            token = self._client.generate_db_auth_token(
                DBHostname=host, Port=port, DBUsername=user, Region=self.region
            )
            self._tokens[key] = (token, time.monotonic())
            return token


def use_iam_auth(sync_engine: Engine, region: str, tokens: IamTokens | None = None) -> None:
    """Every new connection of `sync_engine` (an AsyncEngine's .sync_engine too) authenticates
    with an IAM token for the URL's host, port and user, given as the password when the
    connection opens (SQLAlchemy's do_connect event): the URL carries no password. Runs once per
    new connection; the first one also builds the boto3 client (once per container)."""
    url = sync_engine.url
    if not url.host or not url.username:
        raise RuntimeError("IAM authentication needs a database URL with a host and a user")
    host, port, user = url.host, url.port or 5432, url.username
    sign = tokens or IamTokens(region)

    @event.listens_for(sync_engine, "do_connect")
    def _token_as_password(_dialect: Any, _record: Any, _cargs: Any, cparams: dict[str, Any]) -> None:
        cparams["password"] = sign(host, port, user)


def session_factory() -> async_sessionmaker[AsyncSession]:
    engine()
    assert _sessions is not None
    return _sessions


async def dispose() -> None:
    global _engine, _sessions, _readers, _autocommit
    if _engine is not None:
        await _engine.dispose()
    _engine, _sessions, _readers, _autocommit = None, None, None, None


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


@asynccontextmanager
async def autocommit() -> AsyncIterator[AsyncConnection]:
    """A connection in autocommit and no session: each statement commits by itself, with no
    BEGIN/COMMIT round trips and no unit of work. For a hot path's lone statements (a sign-in's
    account lookup, then its new refresh token: bench/login_storm.py)."""
    engine()
    assert _autocommit is not None
    async with _autocommit.connect() as connection:
        yield connection


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
