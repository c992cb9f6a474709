"""The queries of plans, subscriptions and purchases: what entitlements ask, and the webhook's
upserts of them. Webhook writes are upserts whose conflict rules (below, and the payment
history's in ledger_repository.py) make the result independent of the order events arrive in
(billing.py and purchases.py say why); event_store.py runs them, with the event's id, in one
statement per event."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select, tuple_
from sqlalchemy.dialects.postgresql import Insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from cinema.catalog.models import Film, FilmStatus
from cinema.payments.models import (
    SUBSCRIPTION_STATUS_RANK,
    TERMINAL_STATUSES,
    Plan,
    PurchaseStatus,
    Subscription,
    purchases,
)

ENTITLING = ("active", "trialing")

# ---- plans, films ------------------------------------------------------------------


async def active_plans(db: AsyncSession) -> list[Plan]:
    query = select(Plan).where(Plan.active).order_by(Plan.price_amount, Plan.name)
    return list((await db.execute(query)).scalars())


async def get_plan(db: AsyncSession, plan_id: uuid.UUID) -> Plan | None:
    return await db.get(Plan, plan_id)


async def published_film(db: AsyncSession, film_id: uuid.UUID) -> Film | None:
    query = select(Film).where(Film.id == film_id, Film.status == FilmStatus.published)
    return (await db.execute(query)).scalar_one_or_none()


# ---- entitlements ------------------------------------------------------------------------


def _subscription_entitles(user_id: uuid.UUID, grace_from: datetime) -> Any:
    return exists().where(
        Subscription.user_id == user_id,
        or_(
            Subscription.status.in_(ENTITLING),
            and_(Subscription.status == "past_due", Subscription.current_period_start > grace_from),
        ),
    )


def _purchased(user_id: uuid.UUID, film_id: uuid.UUID) -> Any:
    return exists().where(
        purchases.c.user_id == user_id,
        purchases.c.film_id == film_id,
        purchases.c.status == PurchaseStatus.paid,
    )


async def has_subscription(db: AsyncSession, user_id: uuid.UUID, *, grace_from: datetime) -> bool:
    return bool((await db.execute(select(_subscription_entitles(user_id, grace_from)))).scalar())


async def has_purchase(db: AsyncSession, user_id: uuid.UUID, film_id: uuid.UUID) -> bool:
    return bool((await db.execute(select(_purchased(user_id, film_id)))).scalar())


async def has_subscription_or_purchase(
    db: AsyncSession, user_id: uuid.UUID, film_id: uuid.UUID, *, grace_from: datetime
) -> bool:
    """One round trip for a subscription film: a subscription, or this film bought anyway."""
    query = select(or_(_subscription_entitles(user_id, grace_from), _purchased(user_id, film_id)))
    return bool((await db.execute(query)).scalar())


# ---- the webhook's upserts: what a conflict on the row's Stripe key keeps ---------------


def purchase_conflict(statement: Insert) -> Insert:
    """A purchase per payment intent: paid, or refunded for good (a refund that arrives before
    the payment's own event leaves a refunded row, which that event then cannot re-grant)."""
    new, old = statement.excluded, purchases.c
    refunded = PurchaseStatus.refunded.value
    return statement.on_conflict_do_update(
        index_elements=[old.stripe_payment_intent_id],
        set_={
            "status": case(
                (or_(old.status == refunded, new.status == refunded), refunded),
                else_=PurchaseStatus.paid.value,
            ),
            "refunded_at": func.coalesce(old.refunded_at, new.refunded_at),
            "created_at": func.least(old.created_at, new.created_at),
            "stripe_checkout_session_id": func.coalesce(
                old.stripe_checkout_session_id, new.stripe_checkout_session_id
            ),
        },
    )


def snapshot_conflict(statement: Insert) -> Insert:
    """Insert the subscription, or overwrite it with this snapshot if the snapshot is greater
    in the order (terminal, version, status rank, period end, cancel_at_period_end).
    ON CONFLICT locks the row and compares against its latest committed state, so concurrent
    deliveries of one subscription's events serialise here."""
    new, old = statement.excluded, Subscription.__table__.c

    def key(row: Any) -> Any:
        return tuple_(
            case(dict.fromkeys(TERMINAL_STATUSES, 1), value=row.status, else_=0),
            row.version,
            case(SUBSCRIPTION_STATUS_RANK, value=row.status, else_=0),
            func.coalesce(func.date_part("epoch", row.current_period_end), 0),
            row.cancel_at_period_end,
        )

    columns = (
        "user_id",
        "stripe_customer_id",
        "plan_id",
        "status",
        "current_period_start",
        "current_period_end",
        "cancel_at_period_end",
        "version",
    )
    return statement.on_conflict_do_update(
        index_elements=[old.stripe_subscription_id],
        set_={**{name: new[name] for name in columns}, "updated_at": func.now()},
        where=key(new) > key(old),
    )


def provisional_conflict(statement: Insert) -> Insert:
    """A row for a subscription no snapshot has described yet (version 0). Merging two of them
    keeps the later period and the known plan, whatever their order; a row that a snapshot
    wrote (version > 0) is left alone."""
    new, old = statement.excluded, Subscription.__table__.c
    return statement.on_conflict_do_update(
        index_elements=[old.stripe_subscription_id],
        set_={
            "current_period_start": func.greatest(old.current_period_start, new.current_period_start),
            "current_period_end": func.greatest(old.current_period_end, new.current_period_end),
            "plan_id": func.coalesce(old.plan_id, new.plan_id),
            "updated_at": func.now(),
        },
        where=old.version == 0,
    )


# ---- subscriptions -----------------------------------------------------------------------


async def subscriptions_of(db: AsyncSession, user_id: uuid.UUID) -> list[Subscription]:
    query = (
        select(Subscription)
        .options(joinedload(Subscription.plan))
        .where(Subscription.user_id == user_id)
        .order_by(Subscription.version.desc(), Subscription.created_at.desc())
    )
    return list((await db.execute(query)).scalars())


# ---- the currency the platform charges in -----------------------------------------------


async def plans_currency(db: AsyncSession) -> str | None:
    """The currency of the cheapest active plan (what the platform charges in), if any."""
    query = select(Plan.price_currency).where(Plan.active).order_by(Plan.price_amount).limit(1)
    return (await db.execute(query)).scalar_one_or_none()
