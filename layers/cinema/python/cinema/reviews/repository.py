"""Every review and rating query."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from cinema.reviews.models import Review, ratings

# ---- ratings -------------------------------------------------------------------------


async def get_score(db: AsyncSession, *, film_id: uuid.UUID, profile_id: uuid.UUID) -> int | None:
    query = select(ratings.c.score).where(ratings.c.film_id == film_id, ratings.c.profile_id == profile_id)
    return (await db.execute(query)).scalar_one_or_none()


async def upsert_rating(db: AsyncSession, *, film_id: uuid.UUID, profile_id: uuid.UUID, score: int) -> None:
    statement = insert(ratings).values(film_id=film_id, profile_id=profile_id, score=score)
    await db.execute(
        statement.on_conflict_do_update(
            index_elements=[ratings.c.film_id, ratings.c.profile_id],
            set_={"score": score, "updated_at": func.now()},
        )
    )


async def delete_rating(db: AsyncSession, *, film_id: uuid.UUID, profile_id: uuid.UUID) -> bool:
    result = await db.execute(
        delete(ratings)
        .where(ratings.c.film_id == film_id, ratings.c.profile_id == profile_id)
        .returning(ratings.c.film_id)
    )
    return result.first() is not None


async def films_rated_by(db: AsyncSession, profile_id: uuid.UUID) -> list[uuid.UUID]:
    """The films the profile rated, in id order (the order their locks are taken in)."""
    query = select(ratings.c.film_id).where(ratings.c.profile_id == profile_id).order_by(ratings.c.film_id)
    return list((await db.execute(query)).scalars())


async def delete_ratings_of(db: AsyncSession, profile_id: uuid.UUID) -> None:
    await db.execute(delete(ratings).where(ratings.c.profile_id == profile_id))


def rating_aggregate(film_id: uuid.UUID) -> tuple[ColumnElement[Decimal], ColumnElement[int]]:
    """(average rounded to two decimals or 0, count) of the film's stored ratings, as scalar
    subqueries: the catalog evaluates them in its UPDATE of the film (catalog.public), so
    they read that statement's snapshot. Exact only when the caller holds the film's lock
    (`catalog.public.lock_for_rating`) taken *before* that statement: the snapshot then already
    contains every rating committed by the writers that held the lock before us."""
    of_film = ratings.c.film_id == film_id
    avg = select(func.coalesce(func.round(func.avg(ratings.c.score), 2), 0)).where(of_film)
    count = select(func.count()).where(of_film)
    return avg.scalar_subquery(), count.scalar_subquery()


# ---- reviews -------------------------------------------------------------------------


def _author_score() -> ColumnElement[bool]:
    return and_(ratings.c.film_id == Review.film_id, ratings.c.profile_id == Review.profile_id)


async def review_exists(db: AsyncSession, *, film_id: uuid.UUID, author_id: uuid.UUID) -> bool:
    query = select(Review.id).where(Review.film_id == film_id, Review.author_id == author_id)
    return (await db.execute(query)).first() is not None


async def get_review(db: AsyncSession, review_id: uuid.UUID) -> tuple[Review, int | None] | None:
    """The review with its author loaded, and the author's current score of the film."""
    query = (
        select(Review, ratings.c.score)
        .outerjoin(ratings, _author_score())
        .options(joinedload(Review.author))
        .where(Review.id == review_id)
    )
    row = (await db.execute(query)).first()
    return None if row is None else (row[0], row[1])


async def delete_review(db: AsyncSession, review_id: uuid.UUID) -> None:
    await db.execute(delete(Review).where(Review.id == review_id))


def _visible(viewer_id: uuid.UUID | None, *, staff: bool) -> list[ColumnElement[bool]]:
    """Hidden reviews: staff see them all, their authors see their own, nobody else any."""
    if staff:
        return []
    if viewer_id is None:
        return [Review.hidden.is_(False)]
    return [or_(Review.hidden.is_(False), Review.author_id == viewer_id)]


async def list_reviews(
    db: AsyncSession,
    *,
    film_id: uuid.UUID,
    viewer_id: uuid.UUID | None,
    staff: bool,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> tuple[list[tuple[Review, int | None]], int]:
    """Newest first, `limit + 1` rows (one more tells there is a next page), and the total."""
    conditions = [Review.film_id == film_id, *_visible(viewer_id, staff=staff)]
    return await _newest_first(db, conditions, after=after, limit=limit)


async def list_all_reviews(
    db: AsyncSession, *, hidden: bool | None, after: tuple[datetime, uuid.UUID] | None, limit: int
) -> tuple[list[tuple[Review, int | None]], int]:
    """Every film's reviews, newest first (the moderation queue), `limit + 1` rows, and the total."""
    conditions = [] if hidden is None else [Review.hidden.is_(hidden)]
    return await _newest_first(db, conditions, after=after, limit=limit)


async def _newest_first(
    db: AsyncSession,
    conditions: list[ColumnElement[bool]],
    *,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> tuple[list[tuple[Review, int | None]], int]:
    """Reviews matching `conditions` with their author's score, newest first: `limit + 1` rows
    (one more tells there is a next page) after the (time, id) cursor, and the total."""
    total = (await db.execute(select(func.count()).select_from(Review).where(*conditions))).scalar_one()
    query = select(Review, ratings.c.score).outerjoin(ratings, _author_score()).where(*conditions)
    if after is not None:
        query = query.where(tuple_(Review.created_at, Review.id) < tuple_(*after))
    query = (
        query.options(joinedload(Review.author))
        .order_by(Review.created_at.desc(), Review.id.desc())
        .limit(limit + 1)
    )
    return [(row[0], row[1]) for row in (await db.execute(query)).all()], total
