"""Who is calling: `CurrentUser` and role-gated aliases for routers of every domain.

`CurrentUser` is the hot one (every viewer request): the auth state from Redis, no database
session. `CurrentAccount` reads the caller's row in the route's own session, for routes that
need the profile; the staff aliases read it too, so privileges come from the database.
"""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from cinema.auth import principals
from cinema.auth import repository as repo
from cinema.auth.errors import AccountDisabled, InsufficientRole, InvalidToken
from cinema.auth.models import User
from cinema.auth.principals import Principal
from cinema.auth.roles import Role
from cinema.core.db import DbSession
from cinema.core.errors import Unauthorized
from cinema.core.openapi import answers
from cinema.core.security import AccessClaims, decode_access_token
from cinema.core.settings import Settings, get_settings

bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def _check(state: Principal | User | None, issued_at: datetime) -> None:
    """The role and the active flag are the current ones, not the token's: a demotion or a ban
    takes effect on the next request rather than when the token expires. Logout, a new
    password, a revoked refresh family or a deactivation end every access token issued before
    it at once (`iat` has microseconds: a token issued just after, in the same second, is not
    caught)."""
    if state is None:
        raise InvalidToken()
    if not state.is_active:
        raise AccountDisabled()
    if state.tokens_valid_after is not None and issued_at < state.tokens_valid_after:
        raise InvalidToken()


_decoded: dict[str, tuple[Settings, AccessClaims]] = {}


def _claims(token: str | None) -> AccessClaims:
    """The token's claims. A token already verified with the same settings is not verified
    again (a viewer sends the same one every few seconds); its expiry is checked each time."""
    if not token:
        raise Unauthorized()
    settings = get_settings()
    hit = _decoded.get(token)
    if hit is not None and hit[0] is settings and hit[1].expires_at > datetime.now(UTC):
        return hit[1]
    claims = decode_access_token(token)
    if claims is None:
        raise InvalidToken()
    if len(_decoded) >= 50_000:
        _decoded.clear()
    _decoded[token] = (settings, claims)
    return claims


@answers(401, 403)  # every route that needs a signed-in user documents both
async def current_user(token: Annotated[str | None, Depends(bearer)]) -> Principal:
    """The caller's auth state from Redis (the database only on a miss): no session of its own."""
    claims = _claims(token)
    principal = await principals.lookup(claims.user_id)
    _check(principal, claims.issued_at)
    assert principal is not None
    return principal


@answers(401, 403)
async def current_account(db: DbSession, token: Annotated[str | None, Depends(bearer)]) -> User:
    """The caller's row, read in the request's session, for routes that need the profile (or,
    for staff routes, the role as the database has it right now)."""
    claims = _claims(token)
    user = await repo.get_user(db, claims.user_id)
    _check(user, claims.issued_at)
    assert user is not None
    return user


def bearer_token(request: Request) -> str | None:
    """The bearer token of an optional-auth request, read without the dependency machinery
    (the hot public reads call this on every request)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" and token else None


def require_role(role: Role) -> Callable[..., Awaitable[User]]:
    async def dependency(user: Annotated[User, Depends(current_account)]) -> User:
        if not user.role.at_least(role):
            raise InsufficientRole()
        return user

    return dependency


def client_ip(request: Request) -> str:
    """The caller's address: API Gateway's sourceIp in Lambda (Mangum puts it in scope), the
    socket peer locally. X-Forwarded-For is not trusted: anyone can write it."""
    return request.client.host if request.client else "unknown"


CurrentUser = Annotated[Principal, Depends(current_user)]
CurrentAccount = Annotated[User, Depends(current_account)]
ModeratorUser = Annotated[User, Depends(require_role(Role.moderator))]
AdminUser = Annotated[User, Depends(require_role(Role.admin))]
ClientIp = Annotated[str, Depends(client_ip)]
