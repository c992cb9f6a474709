"""Every review and rating query."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from cinema.catalog.models import Film, FilmStatus
from cinema.reviews.models import Review, ratings

# ---- films ---------------------------------------------------------------------------


async def film_status(db: AsyncSession, film_id: uuid.UUID) -> FilmStatus | None:
    return (await db.execute(select(Film.status).where(Film.id == film_id))).scalar_one_or_none()


async def lock_film(db: AsyncSession, film_id: uuid.UUID) -> FilmStatus | None:
    """Takes the film row's lock (FOR NO KEY UPDATE: heartbeats and other rows that only
    reference the film are not blocked), so rating writers of one film run one at a time."""
    query = select(Film.status).where(Film.id == film_id).with_for_update(key_share=True)
    return (await db.execute(query)).scalar_one_or_none()


# ---- ratings -------------------------------------------------------------------------


async def get_score(db: AsyncSession, *, film_id: uuid.UUID, user_id: uuid.UUID) -> int | None:
    query = select(ratings.c.score).where(ratings.c.film_id == film_id, ratings.c.user_id == user_id)
    return (await db.execute(query)).scalar_one_or_none()


async def upsert_rating(db: AsyncSession, *, film_id: uuid.UUID, user_id: uuid.UUID, score: int) -> None:
    statement = insert(ratings).values(film_id=film_id, user_id=user_id, score=score)
    await db.execute(
        statement.on_conflict_do_update(
            index_elements=[ratings.c.film_id, ratings.c.user_id],
            set_={"score": score, "updated_at": func.now()},
        )
    )


async def delete_rating(db: AsyncSession, *, film_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    result = await db.execute(
        delete(ratings)
        .where(ratings.c.film_id == film_id, ratings.c.user_id == user_id)
        .returning(ratings.c.film_id)
    )
    return result.first() is not None


async def refresh_film_rating(db: AsyncSession, film_id: uuid.UUID) -> tuple[Decimal, int]:
    """films.rating_avg/rating_count := the aggregate of the stored ratings, in one statement.

    Exact only when the caller holds the film's lock (`lock_film`) taken *before* this
    statement: the aggregate is read with this statement's snapshot, which then already
    contains every rating committed by the writers that held the lock before us."""
    of_film = ratings.c.film_id == film_id
    statement = (
        update(Film)
        .where(Film.id == film_id)
        .values(
            rating_avg=select(func.coalesce(func.round(func.avg(ratings.c.score), 2), 0))
            .where(of_film)
            .scalar_subquery(),
            rating_count=select(func.count()).where(of_film).scalar_subquery(),
            updated_at=Film.updated_at,  # kept: a rating is not an edit of the film
        )
        .returning(Film.rating_avg, Film.rating_count)
        .execution_options(synchronize_session=False)
    )
    avg, count = (await db.execute(statement)).one()
    return avg, count


async def film_rating(db: AsyncSession, film_id: uuid.UUID) -> tuple[FilmStatus, Decimal, int] | None:
    query = select(Film.status, Film.rating_avg, Film.rating_count).where(Film.id == film_id)
    row = (await db.execute(query)).first()
    return None if row is None else (row[0], row[1], row[2])


# ---- reviews -------------------------------------------------------------------------


def _author_score() -> ColumnElement[bool]:
    return and_(ratings.c.film_id == Review.film_id, ratings.c.user_id == Review.author_id)


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
