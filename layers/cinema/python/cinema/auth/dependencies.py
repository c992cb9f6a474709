"""Who is calling: `CurrentUser` and role-gated aliases for routers of every domain."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from cinema.auth import repository as repo
from cinema.auth.errors import AccountDisabled, InsufficientRole, InvalidToken
from cinema.auth.models import User
from cinema.auth.roles import STAFF, Role
from cinema.core.db import DbSession, transaction
from cinema.core.errors import Unauthorized
from cinema.core.openapi import answers
from cinema.core.security import decode_access_token

bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


@answers(401, 403)  # every route that needs a signed-in user documents both
async def current_user(db: DbSession, token: Annotated[str | None, Depends(bearer)]) -> User:
    if not token:
        raise Unauthorized()
    claims = decode_access_token(token)
    if claims is None:
        raise InvalidToken()
    # The role and the active flag come from the database, so a demotion or a ban takes
    # effect on the next request rather than when the token expires.
    user = await repo.get_user(db, claims.user_id)
    if user is None:
        raise InvalidToken()
    if not user.is_active:
        raise AccountDisabled()
    # Logout, a new password, a revoked refresh family or a deactivation end every access
    # token issued before it at once (`iat` has microseconds: a token issued just after, in
    # the same second, is not caught).
    if user.tokens_valid_after is not None and claims.issued_at < user.tokens_valid_after:
        raise InvalidToken()
    return user


def bearer_token(request: Request) -> str | None:
    """The bearer token of an optional-auth request, read without the dependency machinery
    (the hot public reads call this on every request)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" and token else None


async def is_staff(token: str | None) -> bool:
    """For public reads that show staff more (drafts): False without a token, no database
    work then; a token that is sent must be valid."""
    if not token:
        return False
    async with transaction() as db:
        user = await current_user(db, token)
    return user.role in STAFF


def require_role(role: Role) -> Callable[..., Awaitable[User]]:
    async def dependency(user: Annotated[User, Depends(current_user)]) -> User:
        if not user.role.at_least(role):
            raise InsufficientRole()
        return user

    return dependency


def client_ip(request: Request) -> str:
    """The caller's address: API Gateway's sourceIp in Lambda (Mangum puts it in scope), the
    socket peer locally. X-Forwarded-For is not trusted: anyone can write it."""
    return request.client.host if request.client else "unknown"


CurrentUser = Annotated[User, Depends(current_user)]
ModeratorUser = Annotated[User, Depends(require_role(Role.moderator))]
AdminUser = Annotated[User, Depends(require_role(Role.admin))]
ClientIp = Annotated[str, Depends(client_ip)]
