"""Account rules: registration, login, token rotation, sessions. Flushes, never commits.

Password hashes are computed and checked in the hashing pool (core.security), never on the
event loop, and while no database connection is held where that can be arranged, so a storm
of sign-ins waits in the pool's queue without stalling other requests or draining the pool.
Locks are taken in one order everywhere: the users row, then refresh tokens.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from cinema.auth import brute_force, emails, passwords, principals, ratelimit
from cinema.auth import repository as repo
from cinema.auth import token_repository as tokens
from cinema.auth.errors import (
    AccountDisabled,
    BadCredentials,
    EmailTaken,
    InvalidRefreshToken,
    RefreshTokenReplayed,
    WrongCurrentPassword,
)
from cinema.auth.models import User
from cinema.auth.roles import Role
from cinema.auth.schemas import RegisterIn, TokenOut
from cinema.core import metrics
from cinema.core.db import autocommit
from cinema.core.errors import TooManyRequests
from cinema.core.security import (
    create_access_token,
    hash_password_async,
    new_opaque_token,
    password_turn,
    token_digest,
    verify_password_async,
)
from cinema.core.settings import get_settings


def _now() -> datetime:
    return datetime.now(UTC)


async def _take(checks: ratelimit.Checks, refused: str = "") -> None:
    wait = await ratelimit.take(checks)
    if wait is not None:
        if refused:
            metrics.count(refused, reason="throttled")
        raise TooManyRequests(wait)


async def end_sessions(db: AsyncSession, user_id: uuid.UUID, *, family_id: uuid.UUID | None = None) -> None:
    """Revokes the user's access tokens at once and the refresh tokens of one family (or all).
    The users row first, then refresh tokens: the one lock order of the domain."""
    now = _now()
    principals.changed(db, user_id)
    await repo.revoke_access_tokens(db, user_id, now)
    if family_id is None:
        await tokens.revoke_user_tokens(db, user_id, now)
    else:
        await tokens.revoke_family(db, family_id, now)


async def register(db: AsyncSession, data: RegisterIn, *, client_ip: str) -> User:
    await _take(brute_force.register_checks(client_ip))
    email = emails.canonical(data.email)
    passwords.check_policy(data.password, email=email)
    # Hashed before any database work: a queue of registrations holds no connection. A taken
    # address costs the same hash, so the answer's timing does not depend on it either.
    password_hash = await hash_password_async(data.password)
    key = emails.lookalike_key(email)
    if await repo.email_taken(db, email, key):
        raise EmailTaken()
    user = User(
        email=email,
        email_key=key,
        password_hash=password_hash,
        display_name=data.display_name or email.split("@", 1)[0][:64],
    )
    db.add(user)
    try:
        await db.flush()
    except IntegrityError as exc:  # two registrations racing for one address
        raise EmailTaken() from exc
    metrics.count("Signups")
    return user


async def _issue_tokens(
    db: AsyncSession | AsyncConnection, user_id: uuid.UUID, role: Role, family_id: uuid.UUID | None = None
) -> TokenOut:
    refresh = new_opaque_token()
    await tokens.add_refresh_token(
        db,
        user_id=user_id,
        family_id=family_id or uuid.uuid4(),
        token_hash=token_digest(refresh),
        expires_at=_now() + timedelta(days=get_settings().refresh_token_days),
    )
    access, expires_in = create_access_token(user_id, role.value)
    return TokenOut(access_token=access, refresh_token=refresh, expires_in=expires_in)


async def login(*, email: str, password: str, client_ip: str) -> TokenOut:
    """No session and no transaction: two lone statements in autocommit (the account, read
    before the hash with no connection held while it waits; the refresh token, after it)."""
    typed, email = email, emails.canonical(email)
    # Counted before the hash, in the same step that checks the limit: parallel guesses
    # cannot all slip in between a check and a count.
    async with password_turn():
        checks = await brute_force.login_checks(email, client_ip)
        await _take(checks, refused="LoginsRefused")
        async with autocommit() as db:
            # An account from before normalisation whose address collides with another one's
            # normal form kept its address as it was (migration 0009): typed exactly, it is found.
            user = await repo.credentials_by_email(db, typed) if typed != email else None
            user = user or await repo.credentials_by_email(db, email)
        # Unknown email and wrong password take the same path and the same argon2 time.
        right = await verify_password_async(password, user.password_hash if user else None)
    if not right or user is None:
        metrics.count("LoginsRefused", reason="bad_credentials")
        raise BadCredentials()
    if not user.is_active:
        # Said only to whoever knows the password, and nothing more.
        await ratelimit.give_back(checks)
        metrics.count("LoginsRefused", reason="disabled")
        raise AccountDisabled()
    await brute_force.login_succeeded(checks, email, client_ip)
    async with autocommit() as db:
        return await _issue_tokens(db, user.id, user.role)


async def refresh(db: AsyncSession, token: str) -> TokenOut:
    stored = await tokens.get_refresh_token(db, token_digest(token))
    if stored is None:
        raise InvalidRefreshToken()
    if stored.used_at is not None or stored.revoked_at is not None:
        await end_sessions(db, stored.user_id, family_id=stored.family_id)
        raise RefreshTokenReplayed()
    if stored.expires_at <= _now():
        raise InvalidRefreshToken()
    user = await repo.get_user(db, stored.user_id)
    if user is None or not user.is_active:
        raise InvalidRefreshToken()
    if not await tokens.spend_refresh_token(db, stored.id, _now()):
        # Two presentations of one token at once: one of them is not the owner. This
        # statement runs after the winner committed, so it also sees (and revokes) the
        # pair the winner was just given.
        await end_sessions(db, stored.user_id, family_id=stored.family_id)
        raise RefreshTokenReplayed()
    return await _issue_tokens(db, user.id, user.role, family_id=stored.family_id)


async def logout(db: AsyncSession, *, user: principals.Caller, token: str | None) -> None:
    """Ends the caller's access tokens and the session the refresh token belongs to; someone
    else's refresh token is left alone."""
    principals.changed(db, user.id)
    await repo.revoke_access_tokens(db, user.id, _now())
    if token is None:
        return
    stored = await tokens.get_refresh_token_for_update(db, token_digest(token))
    if stored is not None and stored.user_id == user.id:
        await tokens.revoke_family(db, stored.family_id, _now())


async def change_password(db: AsyncSession, *, user: User, current: str, new: str) -> None:
    checks = brute_force.password_change_checks(user.email)
    await _take(checks)
    if not await verify_password_async(current, user.password_hash):
        raise WrongCurrentPassword()
    await ratelimit.give_back(checks)
    passwords.check_policy(new, email=user.email)
    user.password_hash = await hash_password_async(new)
    # Every session, this one included, signs in again with the new password.
    await end_sessions(db, user.id)
    await db.flush()
