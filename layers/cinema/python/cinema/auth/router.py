"""HTTP routes of /auth: register, tokens, logout, password reset."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from cinema.auth import service
from cinema.auth.dependencies import ClientIp, CurrentUser
from cinema.auth.schemas import (
    Accepted,
    PasswordResetConfirmIn,
    PasswordResetIn,
    RefreshIn,
    RegisterIn,
    TokenOut,
    UserOut,
)
from cinema.core.db import DbSession
from cinema.mail.mailer import get_mailer

router = APIRouter(prefix="/auth", tags=["auth"])

RESET_ACCEPTED = "if an account exists for this email, a reset link is on its way"


@router.post("/register", status_code=status.HTTP_201_CREATED, response_model=UserOut)
async def register(body: RegisterIn, db: DbSession) -> object:
    return await service.register(db, body)


@router.post(
    "/token",
    response_model=TokenOut,
    summary="Sign in (OAuth2 password flow: username is the email)",
    responses={
        401: {"description": "incorrect email or password"},
        429: {"description": "too many attempts"},
    },
)
async def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], db: DbSession, ip: ClientIp
) -> TokenOut:
    return await service.login(db, email=form.username.strip(), password=form.password, client_ip=ip)


@router.post("/refresh", response_model=TokenOut, summary="Trade a refresh token for a new pair")
async def refresh(body: RefreshIn, db: DbSession) -> TokenOut:
    return await service.refresh(db, body.refresh_token)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(body: RefreshIn, user: CurrentUser, db: DbSession) -> Response:
    await service.logout(db, user=user, token=body.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/password-reset", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted)
async def password_reset(
    body: PasswordResetIn, db: DbSession, ip: ClientIp, background: BackgroundTasks
) -> Accepted:
    request = await service.request_password_reset(db, email=str(body.email), client_ip=ip)
    if request.mail is not None:
        # Sent after the response: the answer takes the same time whether or not the
        # account exists, and the token is committed before the mail can be read.
        background.add_task(get_mailer().send, request.mail)
    return Accepted(detail=RESET_ACCEPTED)


@router.post("/password-reset/confirm", status_code=status.HTTP_204_NO_CONTENT)
async def password_reset_confirm(body: PasswordResetConfirmIn, db: DbSession) -> Response:
    await service.confirm_password_reset(db, token=body.token, new_password=body.new_password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
