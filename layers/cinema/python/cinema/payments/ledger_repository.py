"""The queries of Stripe's records (ledger_models.py): the user's Stripe customer, the payment
history and its webhook upsert, revenue per day. Apart from repository.py so that the functions
that only ask what a user may watch do not declare those tables."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, case, cast, func, select, tuple_
from sqlalchemy.dialects.postgresql import Insert, insert
from sqlalchemy.ext.asyncio import AsyncSession

from cinema.payments.ledger_models import Payment, stripe_customers
from cinema.payments.models import PAYMENT_RANK, PaymentStatus

# ---- customers ---------------------------------------------------------------------------


async def customer_id(db: AsyncSession, user_id: uuid.UUID) -> str | None:
    query = select(stripe_customers.c.stripe_customer_id).where(stripe_customers.c.user_id == user_id)
    return (await db.execute(query)).scalar_one_or_none()


async def insert_customer(db: AsyncSession, user_id: uuid.UUID, stripe_customer_id: str) -> None:
    statement = insert(stripe_customers).values(user_id=user_id, stripe_customer_id=stripe_customer_id)
    await db.execute(statement.on_conflict_do_nothing())


# ---- the payment history: the webhook's upsert, revenue, the user's pages -----------------


def _payment_rank(column: Any) -> Any:
    return case({status.value: rank for status, rank in PAYMENT_RANK.items()}, value=column)


def payment_conflict(statement: Insert, key: str) -> Insert:
    """One history line per invoice (key="stripe_invoice_id") or payment intent
    (key="stripe_payment_intent_id"). Its status only moves up pending < failed < paid <
    refunded, so events in any order leave the same line; created_at keeps the earliest time
    Stripe gave, and ids learnt from any event are kept."""
    new, old = statement.excluded, Payment.__table__.c
    moves_up = _payment_rank(new.status) > _payment_rank(old.status)
    return statement.on_conflict_do_update(
        index_elements=[old[key]],
        set_={
            "status": case((moves_up, new.status), else_=old.status),
            "amount": case((moves_up, new.amount), else_=old.amount),
            "amount_refunded": func.greatest(old.amount_refunded, new.amount_refunded),
            "created_at": func.least(old.created_at, new.created_at),
            "film_id": func.coalesce(old.film_id, new.film_id),
            "plan_id": func.coalesce(old.plan_id, new.plan_id),
            "description": case((old.description == "", new.description), else_=old.description),
            "stripe_checkout_session_id": func.coalesce(
                old.stripe_checkout_session_id, new.stripe_checkout_session_id
            ),
            "stripe_subscription_id": func.coalesce(old.stripe_subscription_id, new.stripe_subscription_id),
            "updated_at": func.now(),
        },
    )


def _utc_day(column: Any) -> Any:
    return cast(func.timezone("UTC", column), Date)


async def revenue_by_day(db: AsyncSession, since: datetime, until: datetime) -> dict[tuple[date, str], int]:
    """{(UTC day, currency): paid minus refunded} of paid payments created in [since, until)."""
    day = _utc_day(Payment.created_at).label("day")
    query = (
        select(day, Payment.currency, func.sum(Payment.amount - Payment.amount_refunded))
        .where(
            Payment.status == PaymentStatus.paid,
            Payment.created_at >= since,
            Payment.created_at < until,
        )
        .group_by(day, Payment.currency)
    )
    return {(row[0], row[1]): int(row[2]) for row in (await db.execute(query)).all()}


async def payments_page(
    db: AsyncSession, user_id: uuid.UUID, *, limit: int, after: tuple[datetime, uuid.UUID] | None
) -> tuple[list[Payment], int]:
    """Newest first, keyset-paginated on (created_at, id)."""
    query = select(Payment).where(Payment.user_id == user_id)
    if after is not None:
        query = query.where(tuple_(Payment.created_at, Payment.id) < tuple_(*after))
    query = query.order_by(Payment.created_at.desc(), Payment.id.desc()).limit(limit + 1)
    rows = list((await db.execute(query)).scalars())
    total = (await db.execute(select(func.count()).where(Payment.user_id == user_id))).scalar_one()
    return rows, int(total)
