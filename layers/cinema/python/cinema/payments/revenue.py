"""Revenue figures for staff statistics: what paid payments brought in, per day and currency.

A payment counts on the day Stripe created it (UTC), for its amount less what was refunded of
it; fully refunded, pending and failed payments count nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from cinema.payments import ledger_repository
from cinema.payments import repository as repo

DEFAULT_CURRENCY = "RUB"  # the catalog's default price currency


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


async def per_day(db: AsyncSession, days: Sequence[date]) -> list[tuple[date, str, int]]:
    """(day, currency, amount in minor units) for each of `days` (consecutive, oldest first) and
    each currency paid in over them, 0 on days without payments; with no payment at all, one
    line per day in the active plans' currency."""
    if not days:
        return []
    found = await ledger_repository.revenue_by_day(
        db, _midnight(days[0]), _midnight(days[-1] + timedelta(days=1))
    )
    currencies = sorted({currency for _, currency in found})
    if not currencies:
        currencies = [await repo.plans_currency(db) or DEFAULT_CURRENCY]
    return [(day, currency, found.get((day, currency), 0)) for day in days for currency in currencies]
