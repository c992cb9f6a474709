"""Catalog rules: reading (cached) and staff writes. Flushes, never commits."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cinema.catalog import caching, popularity, presenters
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
from cinema.catalog.schemas import PopularFilm
from cinema.core.db import after_commit, reading, transaction
from cinema.core.pagination import (
    cursor_float,
    cursor_int,
    cursor_text,
    cursor_time,
    cursor_uuid,
    decode_cursor,
    encode_cursor,
)
from cinema.core.settings import get_settings

if TYPE_CHECKING:  # the staff's bodies: only the admin function loads them (staff_schemas.py)
    from cinema.catalog.staff_schemas import CreditIn, FilmCreate, FilmPatch, GenreIn, GenrePatch


async def visible_film(db: AsyncSession, film_id: uuid.UUID, *, staff: bool) -> Film:
    """The film row as its viewer may see it (staff: drafts too); 404 otherwise. For other
    domains that need a film's access or status (its genres and credits are not loaded)."""
    film = await repo.get_film_row(db, film_id, published_only=not staff)
    if film is None:
        raise FilmNotFound()
    return film


async def film_titles(db: AsyncSession, film_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Titles of the films that exist among `film_ids` (any status)."""
    return await repo.titles(db, film_ids)


async def film_page(film_id: uuid.UUID, *, staff: bool) -> bytes:
    """A cache hit touches neither the database nor (within the level-1 TTL) Redis."""

    async def build() -> bytes:
        async with reading() as db:
            film = await repo.get_film(db, film_id, published_only=not staff)
        if film is None:
            raise FilmNotFound()
        return presenters.detail(film).model_dump_json().encode()

    if staff:  # drafts are never cached, and staff see them
        return await build()

    async def key() -> str:
        return caching.film_key(film_id)

    return await caching.cached(key, get_settings().catalog_cache_ttl_s, build)


# What each sort's cursor value must be to be compared with its column (films.popularity is
# an integer, films.year a smallint; a rating or a relevance score a finite number).
_CURSOR_VALUE = {
    "popular": cursor_int,
    "year": lambda value: cursor_int(value, bound=2**15 - 1),
    "rating": cursor_float,
    None: cursor_float,
    "title": lambda value: cursor_text(value, max_length=1000),
    "new": cursor_time,
}


def _decode_after(cursor: str | None, sort: str | None) -> tuple[Any, ...] | None:
    """The (value, id) a cursor continues after, each checked for its column: a tampered
    cursor is a 422, never a query the database refuses."""
    if cursor is None:
        return None
    value, last_id = decode_cursor(cursor, 2)
    return _CURSOR_VALUE[sort](value), str(cursor_uuid(last_id))


async def film_list(
    filters: repo.FilmFilters,
    *,
    sort: str | None,
    cursor: str | None,
    limit: int,
) -> bytes:
    descending = bool(sort and sort.startswith("-"))
    key_name = sort.lstrip("-") if sort else None
    if key_name is None and not filters.q:
        key_name, descending = "popular", True  # the default listing: most watched first
    after = _decode_after(cursor, key_name)

    async def build() -> bytes:
        async with reading() as db:
            page = await repo.list_films(
                db, filters, sort=key_name, descending=descending, after=after, limit=limit
            )
        next_cursor = None
        if page.last_key is not None:
            value = page.last_key[0]
            value = value.isoformat() if isinstance(value, datetime) else value
            next_cursor = encode_cursor(
                float(value) if key_name in (None, "rating") else value, page.last_key[1]
            )
        items = [presenters.summary(f).model_dump(mode="json") for f in page.films]
        return json.dumps({"items": items, "total": page.total, "next_cursor": next_cursor}).encode()

    if cursor is not None or not filters.published_only:
        return await build()

    async def key() -> str:
        params = json.dumps(
            [
                sorted(filters.genres),
                filters.year_from,
                filters.year_to,
                filters.rating_min,
                filters.country,
                filters.q,
                filters.status,
                sort,
                limit,
            ]
        )
        return await caching.listing_key("list", params)

    return await caching.cached(key, get_settings().catalog_cache_ttl_s, build)


async def popular(*, limit: int) -> bytes:
    async def build() -> bytes:
        async with transaction() as db:
            await popularity.refresh(db)
            page = await repo.list_films(
                db, repo.FilmFilters(), sort="popular", descending=True, after=None, limit=limit
            )
        items = [
            PopularFilm(**presenters.summary(f).model_dump(), views_7d=f.popularity).model_dump(mode="json")
            for f in page.films
        ]
        return json.dumps({"items": items, "total": len(items), "next_cursor": None}).encode()

    async def key() -> str:
        return await caching.listing_key("popular", str(limit))

    return await caching.cached(key, get_settings().popular_cache_ttl_s, build)


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


def _invalidate_after_commit(db: AsyncSession, *film_ids: uuid.UUID) -> None:
    async def invalidate() -> None:
        await caching.invalidate(*film_ids)

    after_commit(db, invalidate)


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
    _invalidate_after_commit(db, film.id)
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
    _invalidate_after_commit(db, film.id)
    return await _reload(db, film.id)


async def delete_film(db: AsyncSession, film_id: uuid.UUID) -> None:
    try:
        async with db.begin_nested():
            deleted = await repo.delete_film(db, film_id)
    except IntegrityError as exc:  # a purchase references it (ON DELETE RESTRICT)
        raise FilmInUse() from exc
    if not deleted:
        raise FilmNotFound()
    _invalidate_after_commit(db, film_id)


async def create_genre(db: AsyncSession, data: GenreIn) -> Genre:
    genre = Genre(slug=data.slug, name=data.name)
    try:
        async with db.begin_nested():
            db.add(genre)
            await db.flush()
    except IntegrityError as exc:
        raise GenreExists() from exc
    _invalidate_after_commit(db)
    return genre


async def rename_genre(db: AsyncSession, slug: str, data: GenrePatch) -> Genre:
    genre = await repo.get_genre(db, slug)
    if genre is None:
        raise GenreNotFound()
    genre.name = data.name
    await db.flush()
    _invalidate_after_commit(db)
    return genre


async def delete_genre(db: AsyncSession, slug: str) -> None:
    genre = await repo.get_genre(db, slug)
    if genre is None:
        raise GenreNotFound()
    await db.delete(genre)
    await db.flush()
    _invalidate_after_commit(db)
