"""Profiles of an account: at most five, never none, each with an age limit and an optional
PIN. Flushes, never commits.

Every change an authorisation depends on (a profile made or deleted, its age limit) replaces
the account's cached auth state once committed (cinema.auth.principals), so the next request
on every process sees it. A PIN is hashed like a password (argon2, off the event loop); wrong
PINs are limited per profile (`PIN_ATTEMPTS` per `PIN_WINDOW_S`), four digits being few.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from cinema.auth import principals, ratelimit
from cinema.auth.ratelimit import Rule
from cinema.core.security import hash_password_async, verify_password_async
from cinema.profiles import errors
from cinema.profiles import repository as repo
from cinema.profiles.age import allows
from cinema.profiles.models import MAX_PROFILES, Profile
from cinema.profiles.schemas import ProfileChange, ProfileIn, ProfileOut
from cinema.reviews import ratings

PIN_ATTEMPTS = 5
PIN_WINDOW_S = 900
KIDS_MAX = "12+"  # the highest age limit a kids profile may have
KIDS_DEFAULT = "6+"


def out(profile: Profile) -> ProfileOut:
    return ProfileOut(
        id=profile.id,
        name=profile.name,
        max_age_rating=profile.max_age_rating,  # type: ignore[arg-type]
        is_kids=profile.is_kids,
        has_pin=profile.pin_hash is not None,
    )


def _check_kids(profile: Profile) -> None:
    if profile.is_kids and not allows(KIDS_MAX, profile.max_age_rating):
        raise errors.KidsAgeLimit()


async def _check_pin(profile: Profile, pin: str | None) -> None:
    """Passes when the profile has no PIN or `pin` is it; wrong ones are counted."""
    if profile.pin_hash is None:
        return
    if pin is None:
        raise errors.PinRequired()
    checks = [(Rule("profile-pin", PIN_ATTEMPTS, PIN_WINDOW_S), str(profile.id))]
    wait = await ratelimit.take(checks)
    if wait is not None:
        raise errors.PinAttemptsUsedUp(wait)
    if not await verify_password_async(pin, profile.pin_hash):
        raise errors.WrongPin()
    await ratelimit.give_back(checks)  # only failures count


async def profiles(db: AsyncSession, user_id: uuid.UUID) -> list[ProfileOut]:
    return [out(p) for p in await repo.list_profiles(db, user_id)]


async def create(db: AsyncSession, user_id: uuid.UUID, data: ProfileIn) -> ProfileOut:
    await repo.lock_account(db, user_id)
    if await repo.count(db, user_id) >= MAX_PROFILES:
        raise errors.TooManyProfiles()
    profile = Profile(
        user_id=user_id,
        name=data.name,
        max_age_rating=data.max_age_rating or (KIDS_DEFAULT if data.is_kids else "18+"),
        is_kids=data.is_kids,
        pin_hash=await hash_password_async(data.pin) if data.pin else None,
    )
    _check_kids(profile)
    await repo.add(db, profile)
    principals.changed(db, user_id)
    return out(profile)


async def update(
    db: AsyncSession, user_id: uuid.UUID, profile_id: uuid.UUID, data: ProfileChange
) -> ProfileOut:
    """Changes what `data` names. A PATCH with only the right `pin` changes nothing and
    answers the profile: the web app's PIN prompt checks a PIN that way."""
    profile = await repo.get_for_update(db, user_id, profile_id)
    if profile is None:
        raise errors.ProfileNotFound()
    await _check_pin(profile, data.pin)
    limit_before = profile.max_age_rating
    if data.name is not None:
        profile.name = data.name
    if data.is_kids is not None:
        profile.is_kids = data.is_kids
    if data.max_age_rating is not None:
        profile.max_age_rating = data.max_age_rating
    elif data.is_kids and not allows(KIDS_MAX, profile.max_age_rating):
        profile.max_age_rating = KIDS_DEFAULT  # made a kids profile without naming a limit
    _check_kids(profile)
    if "new_pin" in data.model_fields_set:
        profile.pin_hash = await hash_password_async(data.new_pin) if data.new_pin else None
    await db.flush()
    if profile.max_age_rating != limit_before:
        principals.changed(db, user_id)
    return out(profile)


async def delete(db: AsyncSession, user_id: uuid.UUID, profile_id: uuid.UUID, pin: str | None) -> None:
    await repo.lock_account(db, user_id)
    profile = await repo.get_for_update(db, user_id, profile_id)
    if profile is None:
        raise errors.ProfileNotFound()
    await _check_pin(profile, pin)
    if await repo.count(db, user_id) <= 1:
        raise errors.LastProfile()
    await ratings.forget_profile(db, profile.id)  # before the cascade: the films' averages
    await repo.remove(db, profile.id)
    principals.changed(db, user_id)
