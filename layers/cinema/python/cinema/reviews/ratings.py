"""Ratings 1..10 and the film's exact aggregate. Flushes, never commits.

Every writer of a film's ratings first locks the film row, then writes its rating, then
recomputes films.rating_avg/rating_count from the stored ratings in one statement, all in
one transaction. Writers of one film therefore run one after another, and each recompute
sees every rating committed before it: the aggregate is exact after every commit, however
many requests race. Once committed, the film's catalog cache entries are invalidated.
"""

from __future__ import annotations

import uuid
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from cinema.catalog import caching
from cinema.catalog.errors import FilmNotFound
from cinema.catalog.models import FilmStatus, rating
from cinema.core.db import after_commit
from cinema.reviews import repository as repo
from cinema.reviews.schemas import RatingOut


async def _refresh(db: AsyncSession, film_id: uuid.UUID, score: int | None) -> RatingOut:
    avg, count = await repo.refresh_film_rating(db, film_id)
    # After the commit: earlier, a concurrent read could cache the old aggregate again.
    after_commit(db, partial(caching.invalidate, film_id))
    return RatingOut(film_id=film_id, score=score, rating_avg=rating(avg), rating_count=count)


async def rate(db: AsyncSession, *, user_id: uuid.UUID, film_id: uuid.UUID, score: int) -> RatingOut:
    """Sets (or changes) the user's rating of a published film."""
    if await repo.lock_film(db, film_id) is not FilmStatus.published:
        raise FilmNotFound()
    await repo.upsert_rating(db, film_id=film_id, user_id=user_id, score=score)
    return await _refresh(db, film_id, score)


async def unrate(db: AsyncSession, *, user_id: uuid.UUID, film_id: uuid.UUID) -> None:
    """Removes the user's rating; removing none is no error (also on an unpublished film)."""
    if await repo.lock_film(db, film_id) is None:
        raise FilmNotFound()
    if await repo.delete_rating(db, film_id=film_id, user_id=user_id):
        await _refresh(db, film_id, None)


async def mine(db: AsyncSession, *, user_id: uuid.UUID, film_id: uuid.UUID) -> RatingOut:
    found = await repo.film_rating(db, film_id)
    if found is None or found[0] is not FilmStatus.published:
        raise FilmNotFound()
    _, avg, count = found
    score = await repo.get_score(db, film_id=film_id, user_id=user_id)
    return RatingOut(film_id=film_id, score=score, rating_avg=rating(avg), rating_count=count)


async def score(db: AsyncSession, *, user_id: uuid.UUID, film_id: uuid.UUID) -> int | None:
    """The user's rating of the film, if any (the caller knows the film is visible to them)."""
    return await repo.get_score(db, film_id=film_id, user_id=user_id)
