"""Sign-ups per day: the dashboard's read of the users table (catalog.stats_router), apart from
the account management in `accounts`, so that the admin function does not load sign-in and
registration to count new accounts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from cinema.auth import repository as repo


async def signups_per_day(db: AsyncSession, days: Sequence[date]) -> list[tuple[date, int]]:
    """Accounts created on each of `days` (consecutive UTC dates, oldest first), 0 when none."""
    if not days:
        return []
    since = datetime.combine(days[0], time.min, UTC)
    until = datetime.combine(days[-1] + timedelta(days=1), time.min, UTC)
    found = await repo.signups_by_day(db, since, until)
    return [(day, found.get(day, 0)) for day in days]
