"""Routes of the account function: the signed-in user's own history, resume list and favorites.

Every route reads or writes only the rows of the caller's profile (`X-Profile-Id`, else the
account's first): there is no user or profile id to pass.
"""

import uuid

from fastapi import APIRouter, Response, status

from cinema.account import service
from cinema.account.schemas import FavoriteOut, MyFilmOut, WatchedOut
from cinema.auth.roles import STAFF
from cinema.catalog import service as catalog
from cinema.core.db import DbSession
from cinema.core.pagination import Cursor, Limit, Page
from cinema.payments import entitlements
from cinema.profiles.dependencies import CurrentViewer
from cinema.reviews import ratings

router = APIRouter(prefix="/me", tags=["account"])


@router.get(
    "/history",
    response_model=Page[WatchedOut],
    summary="Films you watched, last watched first, with where you stopped",
)
async def history(
    viewer: CurrentViewer, db: DbSession, cursor: Cursor = None, limit: Limit = 20
) -> Page[WatchedOut]:
    return await service.watched(db, viewer=viewer, resumable_only=False, cursor=cursor, limit=limit)


@router.get(
    "/continue-watching",
    response_model=Page[WatchedOut],
    summary="Films to resume (5 % to 90 % watched), last watched first, at `position_seconds`",
)
async def continue_watching(
    viewer: CurrentViewer, db: DbSession, cursor: Cursor = None, limit: Limit = 20
) -> Page[WatchedOut]:
    return await service.watched(db, viewer=viewer, resumable_only=True, cursor=cursor, limit=limit)


@router.get("/favorites", response_model=Page[FavoriteOut], summary="Your favorite films, last added first")
async def favorites(
    viewer: CurrentViewer, db: DbSession, cursor: Cursor = None, limit: Limit = 20
) -> Page[FavoriteOut]:
    return await service.favorites(db, viewer=viewer, cursor=cursor, limit=limit)


@router.put(
    "/favorites/{film_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={404: {"description": "no such published film"}},
    summary="Add a film to your favorites (idempotent)",
)
async def add_favorite(film_id: uuid.UUID, viewer: CurrentViewer, db: DbSession) -> Response:
    await service.add_favorite(db, viewer=viewer, film_id=film_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "/favorites/{film_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a film from your favorites (idempotent)",
)
async def remove_favorite(film_id: uuid.UUID, viewer: CurrentViewer, db: DbSession) -> Response:
    await service.remove_favorite(db, viewer=viewer, film_id=film_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/films/{film_id}",
    response_model=MyFilmOut,
    summary="Your state of one film in one call: favorite, rating, entitlement, resume position",
    description="Assembled from each owner: favorites and progress (account), your rating (reviews), "
    "`can_watch` (payments' entitlements). Staff also get drafts, as on GET /films/{id}.",
    responses={
        401: {"description": "missing or invalid access token"},
        403: {"description": "the account is disabled, or the film is above the profile's age limit"},
        404: {"description": "no such film, or not published; or no such profile"},
        422: {"description": "a malformed film id"},
    },
)
async def my_film(film_id: uuid.UUID, viewer: CurrentViewer, db: DbSession) -> MyFilmOut:
    film = await catalog.visible_film(db, film_id, staff=viewer.role in STAFF)
    viewer.check_age(film.age_rating)
    resume = await service.resume_point(db, viewer=viewer, film_id=film.id)
    return MyFilmOut(
        film_id=film.id,
        favorite=await service.is_favorite(db, viewer=viewer, film_id=film.id),
        my_rating=await ratings.score(db, profile_id=viewer.profile_id, film_id=film.id),
        can_watch=await entitlements.can_watch(db, viewer.user, film),
        position_seconds=resume[0] if resume else None,
        completed=resume[1] if resume else False,
    )
