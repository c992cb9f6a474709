"""Account rules: registration, login, token rotation, password reset. Flushes, never commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cinema.auth import passwords, ratelimit
from cinema.auth import repository as repo
from cinema.auth.errors import (
    AccountDisabled,
    BadCredentials,
    EmailTaken,
    InvalidRefreshToken,
    InvalidResetToken,
    RefreshTokenReplayed,
    WrongCurrentPassword,
)
from cinema.auth.limits import login_rules, reset_rules
from cinema.auth.models import PasswordResetToken, RefreshToken, User
from cinema.auth.schemas import RegisterIn, TokenOut
from cinema.core.errors import TooManyRequests
from cinema.core.security import (
    create_access_token,
    hash_password,
    new_opaque_token,
    token_digest,
    verify_password,
)
from cinema.core.settings import get_settings
from cinema.mail.mailer import Mail


def _now() -> datetime:
    return datetime.now(UTC)


async def register(db: AsyncSession, data: RegisterIn) -> User:
    passwords.check_policy(data.password, email=data.email)
    if await repo.email_taken(db, data.email):
        raise EmailTaken()
    user = User(
        email=data.email,
        password_hash=hash_password(data.password),
        display_name=data.display_name or data.email.split("@", 1)[0][:64],
    )
    db.add(user)
    try:
        await db.flush()
    except IntegrityError as exc:  # two registrations racing for one address
        raise EmailTaken() from exc
    return user


async def _issue_tokens(db: AsyncSession, user: User, family_id: uuid.UUID | None = None) -> TokenOut:
    refresh = new_opaque_token()
    db.add(
        RefreshToken(
            user_id=user.id,
            family_id=family_id or uuid.uuid4(),
            token_hash=token_digest(refresh),
            expires_at=_now() + timedelta(days=get_settings().refresh_token_days),
        )
    )
    await db.flush()
    access, expires_in = create_access_token(user.id, user.role.value)
    return TokenOut(access_token=access, refresh_token=refresh, expires_in=expires_in)


async def _refuse_if_limited(rules: list[tuple[ratelimit.Rule, str]]) -> None:
    waits = [w for rule, subject in rules if (w := await ratelimit.retry_after(rule, subject)) is not None]
    if waits:
        raise TooManyRequests(max(waits))


async def login(db: AsyncSession, *, email: str, password: str, client_ip: str) -> TokenOut:
    account_rule, ip_rule = login_rules()
    await _refuse_if_limited([(account_rule, email), (ip_rule, client_ip)])
    user = await repo.get_user_by_email(db, email)
    # Unknown email and wrong password take the same path and the same argon2 time.
    if not verify_password(password, user.password_hash if user else None) or user is None:
        await ratelimit.hit(account_rule, email)
        await ratelimit.hit(ip_rule, client_ip)
        raise BadCredentials()
    if not user.is_active:
        raise AccountDisabled()
    await ratelimit.clear(account_rule, email)
    return await _issue_tokens(db, user)


async def refresh(db: AsyncSession, token: str) -> TokenOut:
    stored = await repo.get_refresh_token(db, token_digest(token))
    if stored is None:
        raise InvalidRefreshToken()
    if stored.used_at is not None or stored.revoked_at is not None:
        await repo.revoke_family(db, stored.family_id, _now())
        raise RefreshTokenReplayed()
    if stored.expires_at <= _now():
        raise InvalidRefreshToken()
    user = await repo.get_user(db, stored.user_id)
    if user is None or not user.is_active:
        raise InvalidRefreshToken()
    if not await repo.spend_refresh_token(db, stored.id, _now()):
        # Two presentations of one token at once: one of them is not the owner. This
        # statement runs after the winner committed, so it also sees (and revokes) the
        # pair the winner was just given.
        await repo.revoke_family(db, stored.family_id, _now())
        raise RefreshTokenReplayed()
    return await _issue_tokens(db, user, family_id=stored.family_id)


async def logout(db: AsyncSession, *, user: User, token: str) -> None:
    """Ends the session the refresh token belongs to; someone else's token is left alone."""
    stored = await repo.get_refresh_token_for_update(db, token_digest(token))
    if stored is not None and stored.user_id == user.id:
        await repo.revoke_family(db, stored.family_id, _now())


@dataclass(frozen=True)
class ResetRequest:
    """What to send after the transaction commits (None when nothing is to be sent)."""

    mail: Mail | None


async def request_password_reset(db: AsyncSession, *, email: str, client_ip: str) -> ResetRequest:
    account_rule, ip_rule = reset_rules()
    await _refuse_if_limited([(account_rule, email), (ip_rule, client_ip)])
    await ratelimit.hit(account_rule, email)
    await ratelimit.hit(ip_rule, client_ip)
    user = await repo.get_user_by_email(db, email)
    if user is None or not user.is_active:
        return ResetRequest(mail=None)
    settings = get_settings()
    now = _now()
    await repo.spend_open_reset_tokens(db, user.id, now)  # only the newest link works
    token = new_opaque_token()
    db.add(
        PasswordResetToken(
            user_id=user.id,
            token_hash=token_digest(token),
            expires_at=now + timedelta(minutes=settings.password_reset_minutes),
        )
    )
    await db.flush()
    link = f"{settings.web_base_url}/reset-password?token={token}"
    text = (
        f"Hello {user.display_name},\n\n"
        f"Someone (hopefully you) asked to reset the password of your Cinema account.\n"
        f"Open this link within {settings.password_reset_minutes} minutes to choose a new one:\n\n"
        f"{link}\n\nOr use this code in the app: {token}\n\n"
        f"If it was not you, ignore this message: your password stays as it is.\n"
    )
    return ResetRequest(mail=Mail(to=user.email, subject="Reset your Cinema password", text=text))


async def confirm_password_reset(db: AsyncSession, *, token: str, new_password: str) -> None:
    stored = await repo.get_reset_token_for_update(db, token_digest(token))
    now = _now()
    if stored is None or stored.used_at is not None or stored.expires_at <= now:
        raise InvalidResetToken()
    user = await repo.get_user_for_update(db, stored.user_id)
    if user is None or not user.is_active:
        raise InvalidResetToken()
    passwords.check_policy(new_password, email=user.email)
    stored.used_at = now
    user.password_hash = hash_password(new_password)
    await repo.revoke_user_tokens(db, user.id, now)
    await db.flush()


async def change_password(db: AsyncSession, *, user: User, current: str, new: str) -> None:
    account_rule, _ = login_rules()
    await _refuse_if_limited([(account_rule, user.email)])
    if not verify_password(current, user.password_hash):
        await ratelimit.hit(account_rule, user.email)
        raise WrongCurrentPassword()
    passwords.check_policy(new, email=user.email)
    user.password_hash = hash_password(new)
    # Every other session signs in again with the new password.
    await repo.revoke_user_tokens(db, user.id, _now())
    await db.flush()
