"""Password reset: the request, the mail sent after the response, and the confirmation.

Whether an email has an account must not show, neither in the answer (always 202) nor in its
timing. So the request itself only counts the attempt (against the address asked for and the
client, whatever exists) and does no account work at all; the lookup, the token and the mail
happen in `deliver`, after the response, padded to a fixed length: where the response does
wait for it (Mangum runs background tasks before the Lambda returns) it still takes the same
time for a known and an unknown address.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from cinema.auth import brute_force, emails, passwords, ratelimit
from cinema.auth import repository as repo
from cinema.auth import token_repository as tokens
from cinema.auth.errors import InvalidResetToken
from cinema.auth.service import end_sessions
from cinema.auth.token_models import PasswordResetToken
from cinema.core.db import transaction
from cinema.core.errors import TooManyRequests
from cinema.core.security import hash_password_async, new_opaque_token, token_digest
from cinema.core.settings import get_settings
from cinema.mail.mailer import Mail, get_mailer

log = logging.getLogger("cinema.auth.resets")


async def request_password_reset(*, email: str, client_ip: str) -> str:
    """Counts the request; returns the canonical address for `deliver`. No account work here."""
    email = emails.canonical(email)
    wait = await ratelimit.take(brute_force.reset_checks(email, client_ip))
    if wait is not None:
        raise TooManyRequests(wait)
    return email


async def deliver(email: str) -> None:
    """After the response, in a unit of work of its own: a token and a mail for an active
    account, nothing otherwise; always `password_reset_job_s` long (unless the mail provider
    is slower than that). Failures are logged: the client was answered already."""
    started = time.monotonic()
    try:
        async with transaction() as db:
            mail = await _prepare(db, email)
        if mail is not None:
            await get_mailer().send(mail)
    except Exception:
        log.exception("password reset: delivery failed")
    await asyncio.sleep(max(0.0, get_settings().password_reset_job_s - (time.monotonic() - started)))


async def _prepare(db: AsyncSession, email: str) -> Mail | None:
    user = await repo.get_user_by_email(db, email)
    if user is None or not user.is_active:
        return None
    settings = get_settings()
    now = datetime.now(UTC)
    await tokens.spend_open_reset_tokens(db, user.id, now)  # only the newest link works
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
    return Mail(to=user.email, subject="Reset your Cinema password", text=text)


async def confirm_password_reset(db: AsyncSession, *, token: str, new_password: str) -> None:
    stored = await tokens.get_reset_token_for_update(db, token_digest(token))
    now = datetime.now(UTC)
    if stored is None or stored.used_at is not None or stored.expires_at <= now:
        raise InvalidResetToken()
    user = await repo.get_user_for_update(db, stored.user_id)
    if user is None or not user.is_active:
        raise InvalidResetToken()
    passwords.check_policy(new_password, email=user.email)
    stored.used_at = now
    user.password_hash = await hash_password_async(new_password)
    # Whoever knew the old password (or holds a session) is out, access tokens included.
    await end_sessions(db, user.id)
    await db.flush()
