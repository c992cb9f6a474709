"""HTTP routes of /users/me and /admin/users."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from cinema.auth import service, users
from cinema.auth.dependencies import AdminUser, CurrentAccount
from cinema.auth.roles import Role
from cinema.auth.schemas import AdminUserOut, AdminUserPatch, PasswordChangeIn, ProfilePatch, UserOut
from cinema.core.db import DbSession
from cinema.core.pagination import Cursor, Limit, Page
from cinema.core.text import LINE_PATTERN

router = APIRouter(tags=["users"])


@router.get("/users/me", response_model=UserOut)
async def me(user: CurrentAccount) -> object:
    return user


@router.patch("/users/me", response_model=UserOut)
async def update_me(body: ProfilePatch, user: CurrentAccount, db: DbSession) -> object:
    return await users.update_profile(db, user, body)


@router.post(
    "/users/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Change the password; every session, this one included, signs in again",
    responses={
        400: {"description": "the current password is not correct"},
        401: {"description": "missing or invalid access token"},
        403: {"description": "a disabled account"},
        429: {"description": "too many wrong current passwords (see Retry-After)"},
    },
)
async def change_password(body: PasswordChangeIn, user: CurrentAccount, db: DbSession) -> Response:
    await service.change_password(db, user=user, current=body.current_password, new=body.new_password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/admin/users", response_model=Page[AdminUserOut])
async def list_users(
    _: AdminUser,
    db: DbSession,
    role: Role | None = None,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=320, pattern=LINE_PATTERN, description="start of email or name"),
    ] = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[AdminUserOut]:
    return await users.list_users(db, role=role, q=q, cursor=cursor, limit=limit)


@router.patch(
    "/admin/users/{user_id}",
    response_model=AdminUserOut,
    summary="Change a user's role or active flag (deactivation ends their sessions at once)",
    responses={
        401: {"description": "missing or invalid access token"},
        403: {"description": "not an admin (or no longer: demoted while the request waited)"},
        404: {"description": "no such user"},
        409: {"description": "this would leave the platform without an active admin"},
    },
)
async def update_user(user_id: uuid.UUID, body: AdminUserPatch, admin: AdminUser, db: DbSession) -> object:
    return await users.admin_update(db, actor=admin, user_id=user_id, data=body)
