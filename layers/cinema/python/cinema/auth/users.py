"""Profiles and staff management of accounts. Flushes, never commits."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from cinema.auth import emails, principals, service
from cinema.auth import repository as repo
from cinema.auth.errors import InsufficientRole, LastAdmin, UserNotFound
from cinema.auth.models import User
from cinema.auth.roles import Role
from cinema.auth.schemas import AdminUserOut, AdminUserPatch, ProfilePatch
from cinema.core.pagination import Page, decode_time_cursor, encode_time_cursor, page_of


async def update_profile(db: AsyncSession, user: User, data: ProfilePatch) -> User:
    if data.display_name is not None:
        user.display_name = data.display_name.strip() or user.display_name
    await db.flush()
    return user


async def list_users(
    db: AsyncSession, *, role: Role | None, q: str | None, cursor: str | None, limit: int
) -> Page[AdminUserOut]:
    after = decode_time_cursor(cursor)
    rows, total = await repo.list_users(db, role=role, q=q, after=after, limit=limit)
    users, next_cursor = page_of(rows, limit, lambda u: encode_time_cursor(u.created_at, u.id))
    return Page[AdminUserOut](
        items=[AdminUserOut.model_validate(u) for u in users], total=total, next_cursor=next_cursor
    )


async def admin_update(db: AsyncSession, *, actor: User, user_id: uuid.UUID, data: AdminUserPatch) -> User:
    # Every admin change locks the active admins' rows first, in id order, then its target:
    # two admins changing each other at once queue instead of deadlocking, and the second
    # one sees what the first one did.
    admins = await repo.lock_active_admins(db)
    if actor.id not in admins:
        raise InsufficientRole()  # demoted or disabled while this request waited
    user = await repo.get_user_for_update(db, user_id)
    if user is None:
        raise UserNotFound()
    was_active_admin = user.id in admins
    principals.changed(db, user.id)
    if data.role is not None:
        user.role = data.role
    if data.is_active is not None:
        user.is_active = data.is_active
    still_active_admin = user.role is Role.admin and user.is_active
    if was_active_admin and not still_active_admin and not admins - {user.id}:
        raise LastAdmin()
    if not user.is_active:
        await service.end_sessions(db, user.id)
    await db.flush()
    return user


async def create_admin(db: AsyncSession, *, email: str, password_hash: str, display_name: str) -> User:
    """Used by the CLI: makes the account an admin, creating it when missing."""
    email = emails.canonical(email)
    user = await repo.get_user_by_email(db, email)
    if user is None:
        user = User(
            email=email,
            email_key=emails.lookalike_key(email),
            password_hash=password_hash,
            display_name=display_name,
            role=Role.admin,
        )
        db.add(user)
    else:
        principals.changed(db, user.id)  # run by callers that commit through core.db.transaction
        user.role = Role.admin
        user.is_active = True
        user.password_hash = password_hash
    await db.flush()
    return user
