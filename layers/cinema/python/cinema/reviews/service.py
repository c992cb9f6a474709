"""Review rules: one per user and film, author edits, staff moderation. Flushes, never commits."""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cinema.auth import ratelimit
from cinema.auth.models import User
from cinema.auth.roles import STAFF
from cinema.catalog import public as films
from cinema.catalog import service as catalog
from cinema.core.errors import TooManyRequests
from cinema.core.pagination import Page, decode_time_cursor, encode_time_cursor, page_of
from cinema.core.settings import get_settings
from cinema.profiles.age import NO_LIMIT
from cinema.profiles.dependencies import Viewer
from cinema.reviews import ratings
from cinema.reviews import repository as repo
from cinema.reviews.errors import NotModerator, NotReviewAuthor, ReviewExists, ReviewNotFound
from cinema.reviews.models import Review
from cinema.reviews.schemas import AuthorOut, FilmRef, QueuedReviewOut, ReviewIn, ReviewOut, ReviewPatch


class ReviewRateLimited(TooManyRequests):
    detail = "too many reviews, try again later"


def _creation_rule() -> ratelimit.Rule:
    return ratelimit.Rule("review-create", get_settings().review_rate_per_hour, 3600)


def _out(review: Review, author: User, score: int | None) -> ReviewOut:
    return ReviewOut(
        id=review.id,
        film_id=review.film_id,
        author=AuthorOut(id=author.id, display_name=author.display_name),
        title=review.title,
        body=review.body,
        score=score,
        hidden=review.hidden,
        created_at=review.created_at,
        updated_at=review.updated_at,
    )


def _review_cursor(row: tuple[Review, int | None]) -> str:
    return encode_time_cursor(row[0].created_at, row[0].id)


async def create(
    db: AsyncSession, *, author: User, viewer: Viewer, film_id: uuid.UUID, data: ReviewIn
) -> ReviewOut:
    """The account's review, written by one of its profiles (whose rating it shows)."""
    # Counted and checked in one step before anything else, so parallel posts cannot all pass
    # the check before any of them is counted; a post that then fails is handed back.
    checks = [(_creation_rule(), str(author.id))]
    wait = await ratelimit.take(checks)
    if wait is not None:
        raise ReviewRateLimited(wait)
    try:
        return await _create(db, author=author, viewer=viewer, film_id=film_id, data=data)
    except BaseException:
        await ratelimit.give_back(checks)
        raise


async def _create(
    db: AsyncSession, *, author: User, viewer: Viewer, film_id: uuid.UUID, data: ReviewIn
) -> ReviewOut:
    films.check_reachable(await films.film_state(db, film_id), max_age_rating=viewer.max_age_rating)
    if await repo.review_exists(db, film_id=film_id, author_id=author.id):
        raise ReviewExists()
    review = Review(
        film_id=film_id, author_id=author.id, profile_id=viewer.profile_id, title=data.title, body=data.body
    )
    try:
        async with db.begin_nested():
            db.add(review)
            await db.flush()
    except IntegrityError as exc:  # the same author's concurrent request got there first
        raise ReviewExists() from exc
    if data.score is not None:
        await ratings.rate(
            db,
            profile_id=viewer.profile_id,
            max_age_rating=viewer.max_age_rating,
            film_id=film_id,
            score=data.score,
        )
    return _out(review, author, data.score)


async def _visible_review(db: AsyncSession, user: User, review_id: uuid.UUID) -> tuple[Review, int | None]:
    """The review as `user` may see it: someone else's hidden review does not exist for them."""
    found = await repo.get_review(db, review_id)
    if found is None or (found[0].hidden and found[0].author_id != user.id and user.role not in STAFF):
        raise ReviewNotFound()
    return found


async def edit(db: AsyncSession, *, user: User, review_id: uuid.UUID, data: ReviewPatch) -> ReviewOut:
    review, score = await _visible_review(db, user, review_id)
    changes = data.model_dump(exclude_unset=True)
    if changes.keys() & {"title", "body"} and review.author_id != user.id:
        raise NotReviewAuthor()
    if "hidden" in changes and user.role not in STAFF:
        raise NotModerator()
    for field, value in changes.items():
        setattr(review, field, value)
    await db.flush()
    return _out(review, review.author, score)


async def delete(db: AsyncSession, *, user: User, review_id: uuid.UUID) -> None:
    """By its author or by staff; the author's rating of the film stays."""
    review, _ = await _visible_review(db, user, review_id)
    if review.author_id != user.id and user.role not in STAFF:
        raise NotReviewAuthor("only the author, a moderator or an admin may delete this review")
    await repo.delete_review(db, review.id)


async def list_for_film(
    db: AsyncSession, *, film_id: uuid.UUID, viewer: Viewer | None, cursor: str | None, limit: int
) -> Page[ReviewOut]:
    """A film's reviews as its caller may see them: 404 for a draft to anyone but staff, 403
    for a film above the caller's profile's age limit (as the film's page answers)."""
    staff = viewer is not None and viewer.role in STAFF
    films.check_reachable(
        await films.film_state(db, film_id),
        staff=staff,
        max_age_rating=viewer.max_age_rating if viewer else NO_LIMIT,
    )
    rows, total = await repo.list_reviews(
        db,
        film_id=film_id,
        viewer_id=viewer.id if viewer else None,
        staff=staff,
        after=decode_time_cursor(cursor),
        limit=limit,
    )
    page, next_cursor = page_of(rows, limit, _review_cursor)
    return Page[ReviewOut](
        items=[_out(review, review.author, score) for review, score in page],
        total=total,
        next_cursor=next_cursor,
    )


async def moderation_queue(
    db: AsyncSession, *, hidden: bool | None, cursor: str | None, limit: int
) -> Page[QueuedReviewOut]:
    """Every film's reviews for staff, newest first; `hidden` keeps only hidden or visible ones."""
    rows, total = await repo.list_all_reviews(
        db, hidden=hidden, after=decode_time_cursor(cursor), limit=limit
    )
    page, next_cursor = page_of(rows, limit, _review_cursor)
    titles = await catalog.film_titles(db, [review.film_id for review, _ in page])
    items = [
        QueuedReviewOut(
            **_out(review, review.author, score).model_dump(),
            film=FilmRef(id=review.film_id, title=titles.get(review.film_id, "")),
        )
        for review, score in page
    ]
    return Page[QueuedReviewOut](items=items, total=total, next_cursor=next_cursor)
