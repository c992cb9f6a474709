"""The database engine and the one-session-per-request dependency.

The engine is created lazily on first use and kept at module scope, so a warm Lambda
container (and the local server) reuses its pool.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

from cinema.core.errors import CinemaError
from cinema.core.settings import Shape, get_settings

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
            # on loopback does not, and a lost connection still invalidates the pool.
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
