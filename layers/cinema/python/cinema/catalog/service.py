"""Catalog rules: the staff's writes, and film titles for other domains. Flushes, never commits.
What other domains may read or write of a film is public.py (`visible_film` is re-exported here,
where its callers found it). The cached JSON the catalog's routes answer with is built in pages.py."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cinema.catalog import caching
from cinema.catalog import repository as repo
from cinema.catalog.errors import (
    FilmInUse,
    FilmNotFound,
    GenreExists,
    GenreNotFound,
    InvalidFilm,
    UnknownGenres,
)
from cinema.catalog.models import Access, Film, FilmStatus, Genre
from cinema.catalog.public import film_changed, visible_film  # noqa: F401 - visible_film: for callers here
from cinema.core.db import after_commit

if TYPE_CHECKING:  # the staff's bodies: only the admin function loads them (staff_schemas.py)
    from cinema.catalog.staff_schemas import CreditIn, FilmCreate, FilmPatch, GenreIn, GenrePatch


async def film_titles(db: AsyncSession, film_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Titles of the films that exist among `film_ids` (any status)."""
    return await repo.titles(db, film_ids)


# ---- staff writes -------------------------------------------------------------------


async def _credits(db: AsyncSession, people: list[CreditIn]) -> list[dict[str, Any]]:
    persons = await repo.people_by_name(db, [p.name for p in people])
    return [
        {"ord": i, "person_id": persons[p.name].id, "role": p.role, "character": p.character or None}
        for i, p in enumerate(people)
    ]


async def _genre_ids(db: AsyncSession, slugs: list[str]) -> list[uuid.UUID]:
    found = await repo.genres_by_slug(db, slugs)
    missing = set(slugs) - set(found)
    if missing:
        raise UnknownGenres(sorted(missing))
    return [found[s].id for s in dict.fromkeys(slugs)]


def _genres_changed(db: AsyncSession) -> None:
    """Once committed, every cached listing is retired (a film's change: public.film_changed)."""
    after_commit(db, caching.invalidate)


async def _reload(db: AsyncSession, film_id: uuid.UUID) -> Film:
    db.expunge_all()  # relationships were replaced with bulk statements: read them afresh
    film = await repo.get_film(db, film_id, published_only=False)
    assert film is not None
    return film


async def create_film(db: AsyncSession, data: FilmCreate) -> Film:
    genre_ids = await _genre_ids(db, data.genres or [])
    film = Film(
        title=data.title,
        original_title=data.original_title or "",
        description=data.description or "",
        year=data.year,
        duration_seconds=data.duration_seconds,
        age_rating=data.age_rating,
        countries=data.countries or [],
        access=data.access,
        price_amount=data.price.amount if data.price else None,
        price_currency=data.price.currency if data.price else None,
        poster_key=data.poster_key,
        status=FilmStatus.draft,
    )
    db.add(film)
    await db.flush()
    await repo.replace_genres(db, film.id, genre_ids)
    await repo.replace_credits(db, film.id, await _credits(db, data.people or []))
    await repo.refresh_search(db, [film.id])
    film_changed(db, film.id)
    return await _reload(db, film.id)


_SIMPLE_FIELDS = (
    "title",
    "original_title",
    "description",
    "year",
    "duration_seconds",
    "age_rating",
    "countries",
    "access",
    "poster_key",
)


async def update_film(db: AsyncSession, film_id: uuid.UUID, data: FilmPatch) -> Film:
    film = await repo.get_film_for_update(db, film_id)
    if film is None:
        raise FilmNotFound()
    changes = data.model_dump(exclude_unset=True)
    for field in _SIMPLE_FIELDS:
        if field in changes and changes[field] is not None:
            setattr(film, field, changes[field])
    if "price" in changes:
        film.price_amount = data.price.amount if data.price else None
        film.price_currency = data.price.currency if data.price else None
    if (film.access is Access.purchase) != (film.price_amount is not None):
        raise InvalidFilm("price is required exactly when access is 'purchase'")
    if data.status is not None and data.status is not film.status:
        if data.status is FilmStatus.published:
            film.listed_at = datetime.now(UTC)
        film.status = data.status
    await db.flush()
    if data.genres is not None:
        await repo.replace_genres(db, film.id, await _genre_ids(db, data.genres))
    if data.people is not None:
        await repo.replace_credits(db, film.id, await _credits(db, data.people))
    if changes.keys() & {"title", "original_title", "description", "people"}:
        await repo.refresh_search(db, [film.id])
    film_changed(db, film.id)
    return await _reload(db, film.id)


async def delete_film(db: AsyncSession, film_id: uuid.UUID) -> None:
    try:
        async with db.begin_nested():
            deleted = await repo.delete_film(db, film_id)
    except IntegrityError as exc:  # a purchase references it (ON DELETE RESTRICT)
        raise FilmInUse() from exc
    if not deleted:
        raise FilmNotFound()
    film_changed(db, film_id)


async def create_genre(db: AsyncSession, data: GenreIn) -> Genre:
    genre = Genre(slug=data.slug, name=data.name)
    try:
        async with db.begin_nested():
            db.add(genre)
            await db.flush()
    except IntegrityError as exc:
        raise GenreExists() from exc
    _genres_changed(db)
    return genre


async def rename_genre(db: AsyncSession, slug: str, data: GenrePatch) -> Genre:
    genre = await repo.get_genre(db, slug)
    if genre is None:
        raise GenreNotFound()
    genre.name = data.name
    await db.flush()
    _genres_changed(db)
    return genre


async def delete_genre(db: AsyncSession, slug: str) -> None:
    genre = await repo.get_genre(db, slug)
    if genre is None:
        raise GenreNotFound()
    await db.delete(genre)
    await db.flush()
    _genres_changed(db)
