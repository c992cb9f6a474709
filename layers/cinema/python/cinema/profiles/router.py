"""Routes of the account function for the account's profiles (who is watching)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Response, status

from cinema.auth.dependencies import CurrentUser
from cinema.core.db import DbSession
from cinema.core.openapi import errors
from cinema.profiles import service
from cinema.profiles.schemas import Pin, ProfileChange, ProfileIn, ProfileOut, ProfilesOut

router = APIRouter(prefix="/me/profiles", tags=["profiles"])


@router.get("", response_model=ProfilesOut, summary="Your account's profiles, its default first")
async def list_profiles(user: CurrentUser, db: DbSession) -> ProfilesOut:
    return ProfilesOut(items=await service.profiles(db, user.id))


@router.post(
    "",
    response_model=ProfileOut,
    status_code=status.HTTP_201_CREATED,
    responses=errors(409, e409="the account has 5 profiles already"),
    summary="Add a profile (at most 5 per account)",
)
async def create_profile(body: ProfileIn, user: CurrentUser, db: DbSession) -> ProfileOut:
    return await service.create(db, user.id, body)


@router.patch(
    "/{profile_id}",
    response_model=ProfileOut,
    responses=errors(403, 429, e403="the profile has a PIN and `pin` is missing or wrong"),
    summary="Change a profile (its PIN, when it has one, is required)",
    description="A body with only `pin` changes nothing and answers the profile when the PIN is "
    "right: the way to check a PIN before switching to a protected profile.",
)
async def update_profile(
    profile_id: uuid.UUID, body: ProfileChange, user: CurrentUser, db: DbSession
) -> ProfileOut:
    return await service.update(db, user.id, profile_id, body)


@router.delete(
    "/{profile_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(403, 409, 429, e409="the last profile of an account cannot be deleted"),
    summary="Delete a profile with its history, favorites and ratings",
)
async def delete_profile(
    profile_id: uuid.UUID,
    user: CurrentUser,
    db: DbSession,
    # four digits or absent (a header is never null: the document says just that)
    x_profile_pin: Annotated[
        Pin,
        Header(alias="X-Profile-Pin", description="the profile's PIN"),
    ] = None,  # type: ignore[assignment]
) -> Response:
    await service.delete(db, user.id, profile_id, x_profile_pin)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
