"""The cached JSON of the catalog's routes: a film's page, a list (browse and search), the most
watched. Apart from service.py, which other domains use for a film's row or title: only the
catalog and admin functions build these pages, with the presenters and response schemas."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from cinema.catalog import caching, presenters, sorts
from cinema.catalog import repository as repo
from cinema.catalog.errors import FilmNotFound
from cinema.catalog.models import FilmStatus
from cinema.catalog.schemas import PopularFilm
from cinema.core.db import reading
from cinema.core.pagination import cursor_uuid, decode_cursor, encode_cursor
from cinema.core.settings import get_settings
from cinema.profiles.age import NO_LIMIT, allows
from cinema.profiles.errors import AgeRestricted


async def film_page(film_id: uuid.UUID, *, staff: bool, max_age_rating: str = NO_LIMIT) -> bytes:
    """A cache hit touches neither the database nor (within the level-1 TTL) Redis. A film
    above `max_age_rating` is refused (403); a page is cached per age limit, and only once
    that limit let it through, so a limited profile is never served a page it may not see."""

    async def build() -> bytes:
        async with reading() as db:
            film = await repo.get_film(db, film_id, published_only=not staff)
        if film is None:
            raise FilmNotFound()
        if not allows(max_age_rating, film.age_rating):
            raise AgeRestricted()
        return presenters.detail(film).model_dump_json().encode()

    if staff:  # drafts are never cached, and staff see them
        return await build()

    async def key() -> str:
        return caching.film_key(film_id, max_age_rating)

    return await caching.cached(key, get_settings().catalog_cache_ttl_s, build)


def _decode_after(cursor: str | None, sort: str | None) -> tuple[Any, ...] | None:
    """The (value, id) a cursor continues after, each checked for its column: a tampered
    cursor is a 422, never a query the database refuses."""
    if cursor is None:
        return None
    value, last_id = decode_cursor(cursor, 2)
    decode = sorts.RELEVANCE_DECODE if sort is None else sorts.SORTS[sort].decode
    return decode(value), str(cursor_uuid(last_id))


def _query(q: str | None) -> str | None:
    """A search's text, or None when it is only blanks (the parameter refuses an empty one)."""
    return (q.strip() or None) if q else None


async def browse(
    *,
    genres: Sequence[str],
    year_from: int | None,
    year_to: int | None,
    rating_min: float | None,
    country: str | None,
    q: str | None,
    staff: bool,
    max_age_rating: str = NO_LIMIT,
    sort: str | None,
    cursor: str | None,
    limit: int,
) -> bytes:
    """The public list (browse and search); staff see drafts too; nobody sees films above
    their profile's age limit (its totals and every search step included)."""
    filters = repo.FilmFilters(
        genres=tuple(genres),
        year_from=year_from,
        year_to=year_to,
        rating_min=rating_min,
        country=country,
        q=_query(q),
        published_only=not staff,
        max_age_rating=max_age_rating,
    )
    return await film_list(filters, sort=sort, cursor=cursor, limit=limit)


async def staff_list(
    *, status: FilmStatus | None, q: str | None, sort: str | None, cursor: str | None, limit: int
) -> bytes:
    """The staff's list of every film: without a search or a sort, the newest first."""
    filters = repo.FilmFilters(q=_query(q), published_only=False, status=status)
    sort = sort or (None if filters.q else "-new")
    return await film_list(filters, sort=sort, cursor=cursor, limit=limit)


async def film_list(
    filters: repo.FilmFilters,
    *,
    sort: str | None,
    cursor: str | None,
    limit: int,
) -> bytes:
    key_name, descending = sorts.parse(sort)
    if key_name is None and not filters.q:
        key_name, descending = "popular", True  # the default listing: most watched first
    after = _decode_after(cursor, key_name)
    ttl = get_settings().catalog_cache_ttl_s

    async def build() -> bytes:
        # The number of matches, kept for the catalog version like the first page, so that the
        # pages after it do not count again (at a million films a count reads up to a million
        # index entries). A search counts anyway: counting decides which of its steps answers.
        count_key = None
        if filters.published_only and not filters.q:
            count_key = await caching.listing_key(
                "count", json.dumps(_count_params(filters)), by_rating=filters.rating_min is not None
            )
        known = await caching.peek(count_key) if count_key and after is not None else None
        async with reading() as db:
            page = await repo.list_films(
                db,
                filters,
                sort=key_name,
                descending=descending,
                after=after,
                limit=limit,
                total=int(known) if known is not None else None,
            )
        if count_key and known is None:
            await caching.keep(count_key, str(page.total).encode(), ttl)
        next_cursor = None
        if page.last_key is not None:
            encode = sorts.RELEVANCE_ENCODE if key_name is None else sorts.SORTS[key_name].encode
            next_cursor = encode_cursor(encode(page.last_key[0]), page.last_key[1])
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
                filters.max_age_rating,
            ]
        )
        # A rating retires this listing only if its order or its films depend on ratings.
        by_rating = key_name == "rating" or filters.rating_min is not None
        return await caching.listing_key("list", params, by_rating=by_rating)

    return await caching.cached(key, ttl, build)


def _count_params(filters: repo.FilmFilters) -> list[Any]:
    return [
        sorted(filters.genres),
        filters.year_from,
        filters.year_to,
        filters.rating_min,
        filters.country,
        filters.status,
        filters.max_age_rating,
    ]


def popular_params(limit: int, max_age_rating: str) -> str:
    """What the most-watched list's cache key is made of (the route's level-1 probe uses it)."""
    return str(limit) if max_age_rating == NO_LIMIT else f"{limit}:{max_age_rating}"


async def popular(*, limit: int, max_age_rating: str = NO_LIMIT) -> bytes:
    async def build() -> bytes:
        # A read: `films.popularity` is kept by the scheduled refresh (cinema.catalog.jobs).
        filters = repo.FilmFilters(max_age_rating=max_age_rating)
        async with reading() as db:
            page = await repo.list_films(  # total=0: not counted, the answer's total is its length
                db, filters, sort="popular", descending=True, after=None, limit=limit, total=0
            )
        items = [
            PopularFilm(**presenters.summary(f).model_dump(), views_7d=f.popularity).model_dump(mode="json")
            for f in page.films
        ]
        return json.dumps({"items": items, "total": len(items), "next_cursor": None}).encode()

    async def key() -> str:
        return await caching.listing_key("popular", popular_params(limit, max_age_rating))

    return await caching.cached(key, get_settings().popular_cache_ttl_s, build)
