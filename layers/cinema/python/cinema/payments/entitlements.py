"""Who may watch what: the one `can_watch` every playback path asks.

Free films: any signed-in, active user; staff: everything. Subscriptions and purchases
grant the rest (the payments issue adds those rows and their checks here).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from cinema.auth.models import User
from cinema.auth.roles import STAFF
from cinema.catalog.models import Access, Film


async def can_watch(db: AsyncSession, user: User, film: Film) -> bool:
    if user.role in STAFF:
        return True
    return film.access is Access.free
