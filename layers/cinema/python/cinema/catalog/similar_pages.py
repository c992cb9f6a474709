"""The cached JSON of GET /films/{id}/similar: read from film_similar (the scheduled job's
table), never computed here; a read only (tests/catalog/test_reads_never_write.py)."""

from __future__ import annotations

import json
import uuid

from cinema.catalog import caching, presenters
from cinema.catalog import similar_repository as repo
from cinema.catalog.errors import FilmNotFound
from cinema.catalog.similar import SHOWN
from cinema.core.db import reading
from cinema.core.settings import get_settings
from cinema.profiles.age import allows, ratings_up_to
from cinema.profiles.errors import AgeRestricted


async def similar_page(film_id: uuid.UUID, *, age_limit: str) -> bytes:
    """Up to SHOWN published films like the film, best first, those `age_limit` allows; a
    page like /films/popular's ({items, total, next_cursor: null}). As GET /films/{id}
    answers: FilmNotFound (404) when the film is not published, AgeRestricted (403) when it
    is above the limit."""
    ratings = ratings_up_to(age_limit)

    async def build() -> bytes:
        async with reading() as db:
            age_rating = await repo.published_age_rating(db, film_id)
            if age_rating is None:
                raise FilmNotFound()
            if not allows(age_limit, age_rating):
                raise AgeRestricted()
            films = await repo.similar_films(db, film_id, ratings, SHOWN)
        items = [presenters.summary(film).model_dump(mode="json") for film in films]
        return json.dumps({"items": items, "total": len(items), "next_cursor": None}).encode()

    async def key() -> str:
        return await caching.similar_key(film_id, age_limit)

    return await caching.cached(key, get_settings().catalog_cache_ttl_s, build)
