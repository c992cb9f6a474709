"""Who may watch what: the one `can_watch` every playback path asks.

- staff: everything;
- free films: any signed-in, active user;
- subscription films: an active or trialing subscription, or a past_due one for
  `subscription_grace_days` after its unpaid period began (Stripe retries the card meanwhile);
- purchase films: a paid, unrefunded purchase of that film (which also keeps a bought film
  watchable if it later moves to the subscription catalog).

Every answer is read fresh from the database (rows that only webhooks write): playback may
remember a film's access for a moment; a user's entitlement only as the grant /play checked
here, which any change of their subscriptions or purchases forgets (grants.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from cinema.auth.models import User
from cinema.auth.principals import Caller
from cinema.auth.roles import STAFF
from cinema.catalog.models import Access, Film
from cinema.core.settings import get_settings
from cinema.payments import repository as repo
from cinema.payments.models import Subscription


def grace_from(now: datetime | None = None) -> datetime:
    """A past_due subscription whose current period began after this still entitles."""
    return (now or datetime.now(UTC)) - timedelta(days=get_settings().subscription_grace_days)


def entitles(subscription: Subscription, since: datetime) -> bool:
    """The same rule as the database query below, for a subscription row already loaded."""
    if subscription.status in repo.ENTITLING:
        return True
    start = subscription.current_period_start
    return subscription.status == "past_due" and start is not None and start > since


async def has_subscription(db: AsyncSession, user: User) -> bool:
    return await repo.has_subscription(db, user.id, grace_from=grace_from())


async def can_watch(db: AsyncSession, user: Caller, film: Film) -> bool:
    if user.role in STAFF:
        return True
    if film.access is Access.free:
        return True
    if film.access is Access.subscription:
        return await repo.has_subscription_or_purchase(db, user.id, film.id, grace_from=grace_from())
    return await repo.has_purchase(db, user.id, film.id)
