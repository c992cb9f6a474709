"""The queries of the auth domain on refresh and password reset tokens (token_models.py), apart
from repository.py for the same reason as their tables."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from cinema.auth.token_models import PasswordResetToken, RefreshToken


async def add_refresh_token(
    db: AsyncSession | AsyncConnection,
    *,
    user_id: uuid.UUID,
    family_id: uuid.UUID,
    token_hash: str,
    expires_at: datetime,
) -> None:
    """One INSERT, outside any unit of work: nothing is read back from the new row. A sign-in
    runs it alone in autocommit (core.db.autocommit), a refresh in its transaction."""
    await db.execute(
        insert(RefreshToken).values(
            user_id=user_id, family_id=family_id, token_hash=token_hash, expires_at=expires_at
        )
    )


async def get_refresh_token(db: AsyncSession, token_hash: str) -> RefreshToken | None:
    query = select(RefreshToken).where(RefreshToken.token_hash == token_hash)
    return (await db.execute(query)).scalar_one_or_none()


async def spend_refresh_token(db: AsyncSession, token_id: uuid.UUID, now: datetime) -> bool:
    """Marks the token used if nobody did first; False when a concurrent refresh won."""
    result = await db.execute(
        update(RefreshToken)
        .where(RefreshToken.id == token_id, RefreshToken.used_at.is_(None), RefreshToken.revoked_at.is_(None))
        .values(used_at=now)
        .returning(RefreshToken.id)
    )
    return result.first() is not None


async def get_refresh_token_for_update(db: AsyncSession, token_hash: str) -> RefreshToken | None:
    query = select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
    return (await db.execute(query)).scalar_one_or_none()


async def revoke_family(db: AsyncSession, family_id: uuid.UUID, now: datetime) -> None:
    await db.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def revoke_user_tokens(db: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
    await db.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def get_reset_token_for_update(db: AsyncSession, token_hash: str) -> PasswordResetToken | None:
    query = select(PasswordResetToken).where(PasswordResetToken.token_hash == token_hash).with_for_update()
    return (await db.execute(query)).scalar_one_or_none()


async def spend_open_reset_tokens(db: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
    await db.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user_id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )
