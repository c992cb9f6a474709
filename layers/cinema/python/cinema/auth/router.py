"""HTTP routes of /auth: register, tokens, logout, password reset."""

from fastapi import APIRouter, BackgroundTasks, Request, Response, status

from cinema.auth import cookies, resets, service
from cinema.auth.dependencies import ClientIp, CurrentUser
from cinema.auth.errors import InvalidRefreshToken
from cinema.auth.schemas import (
    Accepted,
    LoginForm,
    PasswordResetConfirmIn,
    PasswordResetIn,
    RefreshIn,
    RegisterIn,
    TokenOut,
    UserOut,
)
from cinema.core.db import DbSession

router = APIRouter(prefix="/auth", tags=["auth"])

RESET_ACCEPTED = "if an account exists for this email, a reset link is on its way"


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserOut,
    summary="Create an account (the email is stored NFKC-normalised)",
    responses={
        409: {"description": "an account with this email, or one that reads like it, already exists"},
        429: {"description": "too many registrations from this address (see Retry-After)"},
    },
)
async def register(body: RegisterIn, db: DbSession, ip: ClientIp) -> object:
    return await service.register(db, body, client_ip=ip)


@router.post(
    "/token",
    response_model=TokenOut,
    summary="Sign in (OAuth2 password flow: username is the email)",
    description="Besides the body, the refresh token is set as the httpOnly cookie "
    f"`{cookies.REFRESH_COOKIE}` (path `{cookies.COOKIE_PATH}`, SameSite=Strict, Secure except on a "
    "loopback host; not set for a request from another site), for POST /auth/refresh and /auth/logout.",
    responses={
        401: {"description": "incorrect email or password"},
        429: {"description": "too many attempts"},
    },
)
async def token(
    form: LoginForm,
    ip: ClientIp,
    request: Request,
    response: Response,
) -> TokenOut:
    tokens = await service.login(email=form.username.strip(), password=form.password, client_ip=ip)
    cookies.set_refresh_cookie(response, request, tokens.refresh_token)
    return tokens


@router.post(
    "/refresh",
    response_model=TokenOut,
    summary="Trade a refresh token (body or cookie) for a new pair",
    description="The old refresh token is spent; presenting a spent one revokes its whole family. "
    + cookies.CSRF_NOTE
    + " A 401 for the cookie's token also clears the cookie.",
    responses={
        401: {"description": "no refresh token, or an invalid, expired or already used one"},
        403: {"description": "the refresh cookie sent by a page of another site"},
    },
)
async def refresh(
    request: Request, response: Response, db: DbSession, body: RefreshIn | None = None
) -> TokenOut:
    given = body.refresh_token if body is not None else None
    token = given or cookies.token_from_cookie(request)
    if token is None:
        raise InvalidRefreshToken("no refresh token: send it in the body or the refresh cookie")
    try:
        tokens = await service.refresh(db, token)
    except InvalidRefreshToken as exc:
        if given is None:  # the browser holds a dead cookie: drop it
            exc.headers = {**(exc.headers or {}), "set-cookie": cookies.clearing_header(request)}
        raise
    cookies.set_refresh_cookie(response, request, tokens.refresh_token)
    return tokens


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End the session of a refresh token (body or cookie) and clear the cookie",
    description="Revokes the token's family (every token rotated from the same sign-in). Without a "
    "token (none in the body, no cookie) nothing is revoked and the answer is still 204. "
    + cookies.CSRF_NOTE,
    responses={
        401: {"description": "missing or invalid access token"},
        403: {"description": "the refresh cookie sent by a page of another site, or a disabled account"},
    },
)
async def logout(
    request: Request, user: CurrentUser, db: DbSession, body: RefreshIn | None = None
) -> Response:
    token = (body.refresh_token if body is not None else None) or cookies.token_from_cookie(request)
    if token is not None:
        await service.logout(db, user=user, token=token)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    cookies.clear_refresh_cookie(response, request)
    return response


@router.post(
    "/password-reset",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    summary="Mail a single-use reset link (the same answer, in the same time, for any address)",
    responses={429: {"description": "too many requests for this address or from this client"}},
)
async def password_reset(body: PasswordResetIn, ip: ClientIp, background: BackgroundTasks) -> Accepted:
    email = await resets.request_password_reset(email=str(body.email), client_ip=ip)
    # The account lookup, the token and the mail happen after the response (see resets).
    background.add_task(resets.deliver, email)
    return Accepted(detail=RESET_ACCEPTED)


@router.post(
    "/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Set a new password with a reset token; every session of the account ends",
    responses={400: {"description": "the reset token is invalid, expired or already used"}},
)
async def password_reset_confirm(body: PasswordResetConfirmIn, db: DbSession) -> Response:
    await resets.confirm_password_reset(db, token=body.token, new_password=body.new_password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
