"""Ratings 1..10 and the film's exact aggregate. Flushes, never commits.

Every writer of a film's ratings first locks the film row, then writes its rating, then
recomputes films.rating_avg/rating_count from the stored ratings in one statement, all in
one transaction. Writers of one film therefore run one after another, and each recompute
sees every rating committed before it: the aggregate is exact after every commit, however
many requests race. The film row is the catalog's: the lock, the aggregate's write and the
cache invalidation once committed (the film's page and the listings ordered or filtered by
rating) go through its surface, cinema.catalog.public.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from cinema.catalog import public as catalog
from cinema.catalog.errors import FilmNotFound
from cinema.catalog.public import rating
from cinema.reviews import repository as repo
from cinema.reviews.schemas import RatingOut


async def _refresh(db: AsyncSession, film_id: uuid.UUID, score: int | None) -> RatingOut:
    avg_of, count_of = repo.rating_aggregate(film_id)
    avg, count = await catalog.set_rating_aggregate(db, film_id, avg=avg_of, count=count_of)
    catalog.film_changed(db, film_id, rating_only=True)
    return RatingOut(film_id=film_id, score=score, rating_avg=rating(avg), rating_count=count)


async def rate(
    db: AsyncSession, *, profile_id: uuid.UUID, max_age_rating: str, film_id: uuid.UUID, score: int
) -> RatingOut:
    """Sets (or changes) the profile's rating of a published film it may see."""
    catalog.check_reachable(await catalog.lock_for_rating(db, film_id), max_age_rating=max_age_rating)
    await repo.upsert_rating(db, film_id=film_id, profile_id=profile_id, score=score)
    return await _refresh(db, film_id, score)


async def unrate(db: AsyncSession, *, profile_id: uuid.UUID, film_id: uuid.UUID) -> None:
    """Removes the profile's rating; removing none is no error (also on an unpublished film)."""
    if await catalog.lock_for_rating(db, film_id) is None:
        raise FilmNotFound()
    if await repo.delete_rating(db, film_id=film_id, profile_id=profile_id):
        await _refresh(db, film_id, None)


async def mine(
    db: AsyncSession, *, profile_id: uuid.UUID, max_age_rating: str, film_id: uuid.UUID
) -> RatingOut:
    found = await catalog.film_rating(db, film_id)
    if found is None:
        raise FilmNotFound()
    state, avg, count = found
    catalog.check_reachable(state, max_age_rating=max_age_rating)
    score = await repo.get_score(db, film_id=film_id, profile_id=profile_id)
    return RatingOut(film_id=film_id, score=score, rating_avg=rating(avg), rating_count=count)


async def score(db: AsyncSession, *, profile_id: uuid.UUID, film_id: uuid.UUID) -> int | None:
    """The profile's rating of the film, if any (the caller knows the film is visible to them)."""
    return await repo.get_score(db, film_id=film_id, profile_id=profile_id)


async def forget_profile(db: AsyncSession, profile_id: uuid.UUID) -> None:
    """A profile is going: its ratings go, and the films it rated get their aggregates again
    (each film locked first, in id order, like every other writer of ratings)."""
    film_ids = await repo.films_rated_by(db, profile_id)
    for film_id in film_ids:
        await catalog.lock_for_rating(db, film_id)
    await repo.delete_ratings_of(db, profile_id)
    for film_id in film_ids:
        await _refresh(db, film_id, None)
