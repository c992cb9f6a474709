"""Every query on profiles."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cinema.auth.models import User
from cinema.profiles.models import Profile


async def list_profiles(db: AsyncSession, user_id: uuid.UUID) -> list[Profile]:
    """The account's profiles, its default (the first made) first."""
    query = select(Profile).where(Profile.user_id == user_id).order_by(Profile.created_at, Profile.id)
    return list((await db.execute(query)).scalars())


async def lock_account(db: AsyncSession, user_id: uuid.UUID) -> None:
    """Serialises changes of one account's set of profiles (the cap, the last one), without
    waiting for rows that merely reference the account (FOR NO KEY UPDATE)."""
    await db.execute(select(User.id).where(User.id == user_id).with_for_update(key_share=True))


async def count(db: AsyncSession, user_id: uuid.UUID) -> int:
    query = select(func.count()).select_from(Profile).where(Profile.user_id == user_id)
    return (await db.execute(query)).scalar_one()


async def get_for_update(db: AsyncSession, user_id: uuid.UUID, profile_id: uuid.UUID) -> Profile | None:
    """The account's profile, locked; None for another account's or an unknown one."""
    query = select(Profile).where(Profile.id == profile_id, Profile.user_id == user_id).with_for_update()
    return (await db.execute(query)).scalar_one_or_none()


async def add(db: AsyncSession, profile: Profile) -> Profile:
    db.add(profile)
    await db.flush()
    return profile


async def remove(db: AsyncSession, profile_id: uuid.UUID) -> None:
    """Its history, favorites, progress and ratings go with it (ON DELETE CASCADE)."""
    await db.execute(delete(Profile).where(Profile.id == profile_id))
