"""The personal cabinet: history, resume, favorites. Flushes, never commits.

Lists show only published films to viewers (staff also see drafts), so a film that is
unpublished drops out of them and comes back when published again; a deleted film's rows
go with it (ON DELETE CASCADE).
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from cinema.account import progress
from cinema.account import repository as repo
from cinema.account.schemas import FavoriteOut, WatchedOut
from cinema.auth.roles import STAFF
from cinema.catalog import presenters
from cinema.catalog import public as catalog
from cinema.core.pagination import Page, decode_time_cursor, encode_time_cursor, page_of
from cinema.profiles.dependencies import Viewer


async def watched(
    db: AsyncSession, *, viewer: Viewer, resumable_only: bool, cursor: str | None, limit: int
) -> Page[WatchedOut]:
    """GET /me/history, or with `resumable_only` GET /me/continue-watching."""
    rows, total = await repo.list_progress(
        db,
        profile_id=viewer.profile_id,
        published_only=viewer.role not in STAFF,
        max_age_rating=viewer.max_age_rating,
        resumable_only=resumable_only,
        after=decode_time_cursor(cursor),
        limit=limit,
    )
    page, next_cursor = page_of(rows, limit, lambda row: encode_time_cursor(row.updated_at, row.film_id))
    items = [
        WatchedOut(
            film=presenters.summary(row.film),
            position_seconds=row.position_seconds,
            duration_seconds=row.duration_seconds,
            completed=progress.completed(row.position_seconds, row.duration_seconds),
            updated_at=row.updated_at,
        )
        for row in page
    ]
    return Page[WatchedOut](items=items, total=total, next_cursor=next_cursor)


async def favorites(db: AsyncSession, *, viewer: Viewer, cursor: str | None, limit: int) -> Page[FavoriteOut]:
    rows, total = await repo.list_favorites(
        db,
        profile_id=viewer.profile_id,
        published_only=viewer.role not in STAFF,
        max_age_rating=viewer.max_age_rating,
        after=decode_time_cursor(cursor),
        limit=limit,
    )
    page, next_cursor = page_of(rows, limit, lambda row: encode_time_cursor(row.created_at, row.film_id))
    items = [FavoriteOut(film=presenters.summary(row.film), added_at=row.created_at) for row in page]
    return Page[FavoriteOut](items=items, total=total, next_cursor=next_cursor)


async def add_favorite(db: AsyncSession, *, viewer: Viewer, film_id: uuid.UUID) -> None:
    """Idempotent: a film already kept stays as it was (with its first added_at)."""
    film = await catalog.visible_film(db, film_id, staff=False)
    viewer.check_age(film.age_rating)
    await repo.add_favorite(db, profile_id=viewer.profile_id, film_id=film_id)


async def remove_favorite(db: AsyncSession, *, viewer: Viewer, film_id: uuid.UUID) -> None:
    await repo.remove_favorite(db, profile_id=viewer.profile_id, film_id=film_id)


async def resume_point(db: AsyncSession, *, viewer: Viewer, film_id: uuid.UUID) -> tuple[int, bool] | None:
    """(position to resume at, whether the film counts as watched) of the profile's progress in
    the film; None when it never played it."""
    found = await repo.get_progress(db, profile_id=viewer.profile_id, film_id=film_id)
    if found is None:
        return None
    position, duration = found
    return position, progress.completed(position, duration)


async def is_favorite(db: AsyncSession, *, viewer: Viewer, film_id: uuid.UUID) -> bool:
    return await repo.is_favorite(db, profile_id=viewer.profile_id, film_id=film_id)
