"""Request and response bodies of the auth and users routes."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Form
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BeforeValidator, ConfigDict, EmailStr, Field

from cinema.auth import emails
from cinema.auth.roles import Role
from cinema.core.schemas import ApiModel
from cinema.core.text import LINE_PATTERN, plain_text

PASSWORD_MIN = 10
PASSWORD_MAX = 256  # argon2 takes any length; a cap keeps hashing cost bounded

Password = Annotated[str, Field(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)]
DisplayName = Annotated[str, plain_text(min_length=1, max_length=64)]
# Opaque tokens (refresh, password reset): never a control character.
TokenText = Annotated[str, plain_text(min_length=1, max_length=256)]


def _canonical_email(value: object) -> object:
    return emails.canonical(value) if isinstance(value, str) else value


# NFKC-normalised before it is validated: the address checked is the one stored.
Email = Annotated[EmailStr, BeforeValidator(_canonical_email), Field(max_length=320)]


class Strict(ApiModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class RegisterIn(Strict):
    email: Email
    password: Password
    display_name: DisplayName | None = None


class UserOut(ApiModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    display_name: str
    role: Role
    created_at: datetime


class AdminUserOut(UserOut):
    is_active: bool


class TokenOut(ApiModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    refresh_token: str
    expires_in: int = Field(description="seconds until the access token expires")


class RefreshIn(Strict):
    refresh_token: TokenText | None = Field(
        default=None, description="omitted or null: the refresh cookie is used"
    )


class PasswordResetIn(Strict):
    email: Email


class PasswordResetConfirmIn(Strict):
    token: TokenText
    new_password: Password


class ProfilePatch(Strict):
    display_name: DisplayName | None = None


class PasswordChangeIn(Strict):
    current_password: str = Field(min_length=1, max_length=PASSWORD_MAX)
    new_password: Password


class AdminUserPatch(Strict):
    role: Role | None = None
    is_active: bool | None = None


async def _login_form(
    *,
    username: Annotated[str, Form(min_length=1, max_length=320, pattern=LINE_PATTERN)],
    password: Annotated[str, Form(max_length=PASSWORD_MAX, json_schema_extra={"format": "password"})],
    grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
    scope: Annotated[str, Form(max_length=1000, pattern=LINE_PATTERN)] = "",
) -> OAuth2PasswordRequestForm:
    return OAuth2PasswordRequestForm(username=username, password=password, grant_type=grant_type, scope=scope)


# OAuth2's password form, with the username (the email) checked like every text input:
# bounded, no control characters, so that a NUL never reaches the account lookup. Built by an
# async function: a class as the dependency would run its __init__ in the thread pool, a hand
# over to another thread and back on every sign-in.
LoginForm = Annotated[OAuth2PasswordRequestForm, Depends(_login_form)]


class Accepted(ApiModel):
    detail: str
