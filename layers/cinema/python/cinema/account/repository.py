"""The personal cabinet's queries: watch history, resume list, favorites."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager

from cinema.account import heartbeats, progress
from cinema.account.models import Favorite, WatchProgress
from cinema.catalog.public import Film, FilmStatus  # Film: joined in reads only

Keyset = tuple[datetime, uuid.UUID]


def _published(published_only: bool) -> list[ColumnElement[bool]]:
    return [Film.status == FilmStatus.published] if published_only else []


async def list_progress(
    db: AsyncSession,
    *,
    user_id: uuid.UUID,
    published_only: bool,
    resumable_only: bool,
    after: Keyset | None,
    limit: int,
) -> tuple[list[WatchProgress], int]:
    """The user's progress rows with their films (genres loaded), last watched first;
    `limit + 1` rows (one more tells there is a next page), and the total."""
    await heartbeats.flush_viewer(db, user_id)  # their last heartbeats first
    conditions = [WatchProgress.user_id == user_id, *_published(published_only)]
    if resumable_only:
        conditions.append(progress.resumable_clause())
    counted = select(func.count()).select_from(WatchProgress).join(WatchProgress.film).where(*conditions)
    total = (await db.execute(counted)).scalar_one()
    query = select(WatchProgress).join(WatchProgress.film).where(*conditions)
    if after is not None:
        query = query.where(tuple_(WatchProgress.updated_at, WatchProgress.film_id) < tuple_(*after))
    query = (
        query.options(contains_eager(WatchProgress.film).selectinload(Film.genres))
        .order_by(WatchProgress.updated_at.desc(), WatchProgress.film_id.desc())
        .limit(limit + 1)
    )
    return list((await db.execute(query)).scalars()), total


async def get_progress(db: AsyncSession, *, user_id: uuid.UUID, film_id: uuid.UUID) -> tuple[int, int] | None:
    """(position, duration) of the user's progress in the film, if they played it."""
    await heartbeats.flush_viewer(db, user_id)
    query = select(WatchProgress.position_seconds, WatchProgress.duration_seconds).where(
        WatchProgress.user_id == user_id, WatchProgress.film_id == film_id
    )
    row = (await db.execute(query)).first()
    return None if row is None else (row[0], row[1])


async def is_favorite(db: AsyncSession, *, user_id: uuid.UUID, film_id: uuid.UUID) -> bool:
    query = select(Favorite.film_id).where(Favorite.user_id == user_id, Favorite.film_id == film_id)
    return (await db.execute(query)).first() is not None


async def add_favorite(db: AsyncSession, *, user_id: uuid.UUID, film_id: uuid.UUID) -> None:
    statement = insert(Favorite).values(user_id=user_id, film_id=film_id)
    await db.execute(statement.on_conflict_do_nothing(index_elements=[Favorite.user_id, Favorite.film_id]))


async def remove_favorite(db: AsyncSession, *, user_id: uuid.UUID, film_id: uuid.UUID) -> None:
    await db.execute(delete(Favorite).where(Favorite.user_id == user_id, Favorite.film_id == film_id))


async def list_favorites(
    db: AsyncSession, *, user_id: uuid.UUID, published_only: bool, after: Keyset | None, limit: int
) -> tuple[list[Favorite], int]:
    """Newest first, `limit + 1` rows, and the total."""
    conditions = [Favorite.user_id == user_id, *_published(published_only)]
    counted = select(func.count()).select_from(Favorite).join(Favorite.film).where(*conditions)
    total = (await db.execute(counted)).scalar_one()
    query = select(Favorite).join(Favorite.film).where(*conditions)
    if after is not None:
        query = query.where(tuple_(Favorite.created_at, Favorite.film_id) < tuple_(*after))
    query = (
        query.options(contains_eager(Favorite.film).selectinload(Film.genres))
        .order_by(Favorite.created_at.desc(), Favorite.film_id.desc())
        .limit(limit + 1)
    )
    return list((await db.execute(query)).scalars()), total
