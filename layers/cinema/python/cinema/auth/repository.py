"""Every query of the auth domain on users (those on their tokens: token_repository.py)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    UUID,
    ColumnElement,
    Date,
    DateTime,
    String,
    Text,
    and_,
    cast,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
    update,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from cinema.auth.models import User
from cinema.auth.roles import Role


async def get_user(db: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await db.get(User, user_id)


# The columns of `profiles` the auth state reads (cinema.profiles.models declares the table): a
# plain Core reference, so that authenticating a request maps no class (every function's cold
# start would pay for the mapper).
_profiles = table(
    "profiles",
    column("id", UUID),
    column("user_id", UUID),
    column("max_age_rating", String),
    column("created_at", DateTime),
)

AuthState = tuple[Role, bool, datetime | None, tuple[tuple[uuid.UUID, str], ...]]


async def get_auth_state(db: AsyncSession, user_id: uuid.UUID) -> AuthState | None:
    """(role, is_active, tokens_valid_after, profiles): what authenticating a request needs, no
    ORM object. The profiles are (id, max age rating), the account's default first."""
    profiles = _profiles.c
    entry = profiles.id.cast(Text).concat(":").concat(profiles.max_age_rating)
    listed = (
        select(
            func.string_agg(
                entry, aggregate_order_by(literal_column("','"), profiles.created_at, profiles.id)
            )
        )
        .where(profiles.user_id == User.id)
        .scalar_subquery()
    )
    query = select(User.role, User.is_active, User.tokens_valid_after, listed).where(User.id == user_id)
    row = (await db.execute(query)).first()
    if row is None:
        return None
    entries = row[3].split(",") if row[3] else []
    found = tuple((uuid.UUID(pid), age) for pid, _, age in (e.partition(":") for e in entries))
    return row[0], row[1], row[2], found


async def get_user_for_update(db: AsyncSession, user_id: uuid.UUID) -> User | None:
    """FOR NO KEY UPDATE: enough to serialise changes of the row, and no wait for inserts
    that merely reference it (a refresh token being issued for this user)."""
    return await db.get(User, user_id, with_for_update={"key_share": True}, populate_existing=True)


async def get_user_by_email(db: AsyncSession, email: str) -> User | None:
    """`email` in canonical form (auth.emails); both sides lowered by PostgreSQL, as the index is."""
    result = await db.execute(select(User).where(func.lower(User.email) == func.lower(email)))
    return result.scalar_one_or_none()


async def credentials_by_email(db: AsyncConnection, email: str) -> Row[Any] | None:
    """What a sign-in needs of the account with this address (as `get_user_by_email` finds it):
    id, password_hash, role, is_active. Columns, not a User: no identity map, no instance."""
    query = select(User.id, User.password_hash, User.role, User.is_active).where(
        func.lower(User.email) == func.lower(email)
    )
    return (await db.execute(query)).first()


async def email_taken(db: AsyncSession, email: str, key: str) -> bool:
    """True when the address, or one that reads like it (same lookalike key), has an account."""
    query = select(User.id).where(or_(func.lower(User.email) == func.lower(email), User.email_key == key))
    return (await db.execute(query.limit(1))).first() is not None


async def lock_active_admins(db: AsyncSession) -> set[uuid.UUID]:
    """Locks every active admin row, always in id order: two admin changes at once then queue
    one behind the other instead of each holding a row the other one needs (a deadlock)."""
    query = (
        select(User.id)
        .where(User.role == Role.admin, User.is_active.is_(True))
        .order_by(User.id)
        .with_for_update(key_share=True)
    )
    return set((await db.execute(query)).scalars())


async def revoke_access_tokens(db: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
    """Access tokens of the user issued before `now` stop working at once. Callers also call
    `principals.changed` (the cached auth state)."""
    await db.execute(update(User).where(User.id == user_id).values(tokens_valid_after=now))


def _like_prefix(value: str) -> str:
    escaped = value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


async def list_users(
    db: AsyncSession,
    *,
    role: Role | None,
    q: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> tuple[list[User], int]:
    """Newest first. `q` matches the start of the email or the display name, through the
    text_pattern_ops indexes (a prefix, never a `%q%` scan)."""
    filters: list[ColumnElement[bool]] = []
    if role is not None:
        filters.append(User.role == role)
    if q:
        pattern = _like_prefix(q)
        filters.append(
            or_(
                func.lower(User.email).like(pattern, escape="\\"),
                func.lower(User.display_name).like(pattern, escape="\\"),
            )
        )
    total = (await db.execute(select(func.count()).select_from(User).where(*filters))).scalar_one()
    query = select(User).where(*filters)
    if after is not None:
        created_at, last_id = after
        query = query.where(
            or_(User.created_at < created_at, and_(User.created_at == created_at, User.id < last_id))
        )
    query = query.order_by(User.created_at.desc(), User.id.desc()).limit(limit + 1)
    return list((await db.execute(query)).scalars()), total


async def signups_by_day(db: AsyncSession, since: datetime, until: datetime) -> dict[date, int]:
    """{UTC day: accounts created} for accounts created in [since, until)."""
    day = cast(func.timezone("UTC", User.created_at), Date).label("day")
    query = select(day, func.count()).where(User.created_at >= since, User.created_at < until).group_by(day)
    return {row[0]: int(row[1]) for row in (await db.execute(query)).all()}
