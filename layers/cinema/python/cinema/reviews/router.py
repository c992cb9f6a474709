"""Routes of the reviews function: reviews, their moderation, and ratings."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from cinema.auth.dependencies import CurrentAccount, CurrentUser, ModeratorUser
from cinema.core.db import DbSession
from cinema.core.pagination import Cursor, Limit, Page
from cinema.profiles.dependencies import CurrentViewer, OptionalViewer
from cinema.reviews import ratings, service
from cinema.reviews.schemas import QueuedReviewOut, RatingIn, RatingOut, ReviewIn, ReviewOut, ReviewPatch

router = APIRouter(tags=["reviews"])


NO_FILM = {404: {"description": "no such film (or not published)"}}
ABOVE_LIMIT = {403: {"description": "a disabled account, or the film is above the age limit of the profile"}}


@router.get(
    "/films/{film_id}/reviews",
    response_model=Page[ReviewOut],
    responses={**NO_FILM, **ABOVE_LIMIT},
    summary="A film's reviews, newest first",
    description="Hidden reviews are listed only for staff and, flagged `hidden: true`, for their author.",
)
async def list_reviews(
    film_id: uuid.UUID, viewer: OptionalViewer, db: DbSession, cursor: Cursor = None, limit: Limit = 20
) -> Page[ReviewOut]:
    return await service.list_for_film(db, film_id=film_id, viewer=viewer, cursor=cursor, limit=limit)


@router.post(
    "/films/{film_id}/reviews",
    status_code=status.HTTP_201_CREATED,
    response_model=ReviewOut,
    responses={
        **NO_FILM,
        **ABOVE_LIMIT,
        409: {"description": "you have already reviewed this film"},
        429: {"description": "too many reviews lately (see Retry-After)"},
    },
    summary="Review a film (one review per user and film); `score` also rates it",
)
async def create_review(
    film_id: uuid.UUID, body: ReviewIn, user: CurrentAccount, viewer: CurrentViewer, db: DbSession
) -> ReviewOut:
    return await service.create(db, author=user, viewer=viewer, film_id=film_id, data=body)


@router.patch(
    "/reviews/{review_id}",
    response_model=ReviewOut,
    responses={
        403: {"description": "not the author (text) or not staff (hidden)"},
        404: {"description": "no such review"},
    },
    summary="The author edits title/body; moderators and admins hide or unhide",
)
async def edit_review(review_id: uuid.UUID, body: ReviewPatch, user: CurrentUser, db: DbSession) -> ReviewOut:
    return await service.edit(db, user=user, review_id=review_id, data=body)


@router.delete(
    "/reviews/{review_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={403: {"description": "neither the author nor staff"}, 404: {"description": "no such review"}},
    summary="Delete a review (its author, moderators, admins)",
)
async def delete_review(review_id: uuid.UUID, user: CurrentUser, db: DbSession) -> Response:
    await service.delete(db, user=user, review_id=review_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/films/{film_id}/rating",
    response_model=RatingOut,
    responses={**NO_FILM, **ABOVE_LIMIT},
    summary="Your profile's rating of the film and the film's average",
)
async def my_rating(film_id: uuid.UUID, viewer: CurrentViewer, db: DbSession) -> RatingOut:
    return await ratings.mine(
        db, profile_id=viewer.profile_id, max_age_rating=viewer.max_age_rating, film_id=film_id
    )


@router.put(
    "/films/{film_id}/rating",
    response_model=RatingOut,
    responses={**NO_FILM, **ABOVE_LIMIT},
    summary="Rate a film 1..10 (again to change); the film's average updates at once",
)
async def rate_film(film_id: uuid.UUID, body: RatingIn, viewer: CurrentViewer, db: DbSession) -> RatingOut:
    return await ratings.rate(
        db,
        profile_id=viewer.profile_id,
        max_age_rating=viewer.max_age_rating,
        film_id=film_id,
        score=body.score,
    )


@router.delete(
    "/films/{film_id}/rating",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=NO_FILM,
    summary="Remove your profile's rating (idempotent)",
)
async def unrate_film(film_id: uuid.UUID, viewer: CurrentViewer, db: DbSession) -> Response:
    await ratings.unrate(db, profile_id=viewer.profile_id, film_id=film_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/admin/reviews",
    response_model=Page[QueuedReviewOut],
    summary="The moderation queue: every film's reviews, newest first (moderators, admins)",
    responses={
        401: {"description": "missing or invalid access token"},
        403: {"description": "neither a moderator nor an admin"},
        422: {"description": "invalid `hidden`, cursor or limit"},
    },
)
async def moderation_queue(
    _: ModeratorUser,
    db: DbSession,
    hidden: Annotated[
        bool | None, Query(description="true: only hidden reviews; false: only visible ones; absent: all")
    ] = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[QueuedReviewOut]:
    return await service.moderation_queue(db, hidden=hidden, cursor=cursor, limit=limit)
