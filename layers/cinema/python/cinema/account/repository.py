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
from cinema.profiles.age import NO_LIMIT, ratings_up_to

Keyset = tuple[datetime, uuid.UUID]


def _visible(published_only: bool, max_age_rating: str) -> list[ColumnElement[bool]]:
    """Drafts only for staff; films above the profile's age limit for nobody."""
    conditions = [Film.status == FilmStatus.published] if published_only else []
    if max_age_rating != NO_LIMIT:
        conditions.append(Film.age_rating.in_(ratings_up_to(max_age_rating)))
    return conditions


async def list_progress(
    db: AsyncSession,
    *,
    profile_id: uuid.UUID,
    published_only: bool,
    max_age_rating: str,
    resumable_only: bool,
    after: Keyset | None,
    limit: int,
) -> tuple[list[WatchProgress], int]:
    """The profile's progress rows with their films (genres loaded), last watched first;
    `limit + 1` rows (one more tells there is a next page), and the total."""
    await heartbeats.flush_viewer(db, profile_id)  # their last heartbeats first
    conditions = [WatchProgress.profile_id == profile_id, *_visible(published_only, max_age_rating)]
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


async def get_progress(
    db: AsyncSession, *, profile_id: uuid.UUID, film_id: uuid.UUID
) -> tuple[int, int] | None:
    """(position, duration) of the profile's progress in the film, if it played it."""
    await heartbeats.flush_viewer(db, profile_id)
    query = select(WatchProgress.position_seconds, WatchProgress.duration_seconds).where(
        WatchProgress.profile_id == profile_id, WatchProgress.film_id == film_id
    )
    row = (await db.execute(query)).first()
    return None if row is None else (row[0], row[1])


async def is_favorite(db: AsyncSession, *, profile_id: uuid.UUID, film_id: uuid.UUID) -> bool:
    query = select(Favorite.film_id).where(Favorite.profile_id == profile_id, Favorite.film_id == film_id)
    return (await db.execute(query)).first() is not None


async def add_favorite(db: AsyncSession, *, profile_id: uuid.UUID, film_id: uuid.UUID) -> None:
    statement = insert(Favorite).values(profile_id=profile_id, film_id=film_id)
    await db.execute(statement.on_conflict_do_nothing(index_elements=[Favorite.profile_id, Favorite.film_id]))


async def remove_favorite(db: AsyncSession, *, profile_id: uuid.UUID, film_id: uuid.UUID) -> None:
    await db.execute(delete(Favorite).where(Favorite.profile_id == profile_id, Favorite.film_id == film_id))


async def list_favorites(
    db: AsyncSession,
    *,
    profile_id: uuid.UUID,
    published_only: bool,
    max_age_rating: str,
    after: Keyset | None,
    limit: int,
) -> tuple[list[Favorite], int]:
    """Newest first, `limit + 1` rows, and the total."""
    conditions = [Favorite.profile_id == profile_id, *_visible(published_only, max_age_rating)]
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
