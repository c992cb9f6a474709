"""Every payments query. Webhook writes are upserts whose conflict rules make the result
independent of the order events arrive in (see webhooks.py for the rules themselves)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, and_, case, cast, exists, func, or_, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from cinema.auth.models import User
from cinema.catalog.models import Film, FilmStatus
from cinema.payments import grants
from cinema.payments.models import (
    Payment,
    PaymentStatus,
    Plan,
    Purchase,
    PurchaseStatus,
    StripeCustomer,
    Subscription,
    WebhookEvent,
)

ENTITLING = ("active", "trialing")

# ---- plans, customers, users, films ---------------------------------------------------


async def active_plans(db: AsyncSession) -> list[Plan]:
    query = select(Plan).where(Plan.active).order_by(Plan.price_amount, Plan.name)
    return list((await db.execute(query)).scalars())


async def get_plan(db: AsyncSession, plan_id: uuid.UUID) -> Plan | None:
    return await db.get(Plan, plan_id)


async def plan_by_price(db: AsyncSession, stripe_price_id: str) -> Plan | None:
    query = select(Plan).where(Plan.stripe_price_id == stripe_price_id)
    return (await db.execute(query)).scalar_one_or_none()


async def customer_id(db: AsyncSession, user_id: uuid.UUID) -> str | None:
    query = select(StripeCustomer.stripe_customer_id).where(StripeCustomer.user_id == user_id)
    return (await db.execute(query)).scalar_one_or_none()


async def insert_customer(db: AsyncSession, user_id: uuid.UUID, stripe_customer_id: str) -> None:
    statement = insert(StripeCustomer).values(user_id=user_id, stripe_customer_id=stripe_customer_id)
    await db.execute(statement.on_conflict_do_nothing())


async def user_for_customer(db: AsyncSession, stripe_customer_id: str) -> uuid.UUID | None:
    query = select(StripeCustomer.user_id).where(StripeCustomer.stripe_customer_id == stripe_customer_id)
    return (await db.execute(query)).scalar_one_or_none()


async def user_exists(db: AsyncSession, user_id: uuid.UUID) -> bool:
    return bool((await db.execute(select(exists().where(User.id == user_id)))).scalar())


async def published_film(db: AsyncSession, film_id: uuid.UUID) -> Film | None:
    query = select(Film).where(Film.id == film_id, Film.status == FilmStatus.published)
    return (await db.execute(query)).scalar_one_or_none()


async def user_and_film(
    db: AsyncSession, user_id: uuid.UUID, film_id: uuid.UUID | None
) -> tuple[bool, str | None]:
    """Whether the user exists, and the film's title (None when there is no such film)."""
    query = select(
        exists().where(User.id == user_id),
        select(Film.title).where(Film.id == film_id).scalar_subquery(),
    )
    found, title = (await db.execute(query)).one()
    return bool(found), title


async def film_price(db: AsyncSession, film_id: uuid.UUID) -> tuple[int, str] | None:
    """The film's price (minor units, currency) when it is sold one by one."""
    query = select(Film.price_amount, Film.price_currency).where(Film.id == film_id)
    found = (await db.execute(query)).first()
    return (found[0], found[1]) if found is not None and found[0] is not None and found[1] else None


async def film_title(db: AsyncSession, film_id: uuid.UUID) -> str | None:
    return (await db.execute(select(Film.title).where(Film.id == film_id))).scalar_one_or_none()


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
        Purchase.user_id == user_id, Purchase.film_id == film_id, Purchase.status == PurchaseStatus.paid
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


# ---- webhook events ----------------------------------------------------------------------


async def record_event(db: AsyncSession, event_id: str, event_type: str, object_id: str | None) -> bool:
    """True the first time; False when the event was already applied. A concurrent delivery of
    the same event waits here on the unique key until the first one commits or rolls back."""
    statement = (
        insert(WebhookEvent)
        .values(id=event_id, type=event_type, object_id=object_id)
        .on_conflict_do_nothing()
        .returning(WebhookEvent.id)
    )
    return (await db.execute(statement)).scalar_one_or_none() is not None


# ---- subscriptions -----------------------------------------------------------------------


async def upsert_snapshot(
    db: AsyncSession, values: dict[str, Any], *, status_rank: dict[str, int], terminal: frozenset[str]
) -> None:
    """Insert the subscription, or overwrite it with this snapshot if the snapshot is greater
    in the order (terminal, version, status rank, period end, cancel_at_period_end). One
    statement: ON CONFLICT locks the row and compares against its latest committed state, so
    concurrent deliveries of one subscription's events serialise here."""
    statement = insert(Subscription).values(**values)
    new, old = statement.excluded, Subscription.__table__.c

    def key(row: Any) -> Any:
        return tuple_(
            case((row.status.in_(terminal), 1), else_=0),
            row.version,
            case(status_rank, value=row.status, else_=0),
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
    )
    statement = statement.on_conflict_do_update(
        index_elements=[Subscription.stripe_subscription_id],
        set_={
            **{name: getattr(new, name) for name in columns},
            "cancel_at_period_end": new.cancel_at_period_end,
            "version": new.version,
            "updated_at": func.now(),
        },
        where=key(new) > key(old),
    )
    await db.execute(statement)
    grants.forget_after_commit(db, values.get("user_id"))


async def merge_provisional_subscription(db: AsyncSession, values: dict[str, Any]) -> None:
    """A row for a subscription no snapshot has described yet (version 0). Merging two of them
    keeps the later period and the known plan, whatever their order; a row that a snapshot
    wrote (version > 0) is left alone."""
    statement = insert(Subscription).values(**values, version=0)
    current = Subscription.__table__.c
    statement = statement.on_conflict_do_update(
        index_elements=[Subscription.stripe_subscription_id],
        set_={
            "current_period_start": func.greatest(
                current.current_period_start, statement.excluded.current_period_start
            ),
            "current_period_end": func.greatest(
                current.current_period_end, statement.excluded.current_period_end
            ),
            "plan_id": func.coalesce(current.plan_id, statement.excluded.plan_id),
            "updated_at": func.now(),
        },
        where=current.version == 0,
    )
    await db.execute(statement)
    grants.forget_after_commit(db, values.get("user_id"))


async def plan_of_subscription(db: AsyncSession, stripe_subscription_id: str) -> Plan | None:
    query = (
        select(Plan)
        .join(Subscription, Subscription.plan_id == Plan.id)
        .where(Subscription.stripe_subscription_id == stripe_subscription_id)
    )
    return (await db.execute(query)).scalar_one_or_none()


async def subscriptions_of(db: AsyncSession, user_id: uuid.UUID) -> list[Subscription]:
    query = (
        select(Subscription)
        .options(joinedload(Subscription.plan))
        .where(Subscription.user_id == user_id)
        .order_by(Subscription.version.desc(), Subscription.created_at.desc())
    )
    return list((await db.execute(query)).scalars())


# ---- payments and purchases ------------------------------------------------------------

_PAYMENT_RANK = {status.value: rank for rank, status in enumerate(PaymentStatus)}


def _rank(column: Any) -> Any:
    return case(_PAYMENT_RANK, value=column)


async def upsert_payment(db: AsyncSession, values: dict[str, Any], *, key: str) -> None:
    """One history line per invoice (key="stripe_invoice_id") or payment intent
    (key="stripe_payment_intent_id"). Its status only moves up pending < failed < paid <
    refunded, so events in any order leave the same line; created_at keeps the earliest time
    Stripe gave, and ids learnt from any event are kept."""
    statement = insert(Payment).values(**values)
    new, old = statement.excluded, Payment.__table__.c
    moves_up = _rank(new.status) > _rank(old.status)
    statement = statement.on_conflict_do_update(
        index_elements=[getattr(Payment, key)],
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
    await db.execute(statement)


async def upsert_purchase(db: AsyncSession, values: dict[str, Any]) -> None:
    """A purchase per payment intent: paid, or refunded for good (a refund that arrives before
    the payment's own event leaves a refunded row, which that event then cannot re-grant)."""
    statement = insert(Purchase).values(**values)
    new, old = statement.excluded, Purchase.__table__.c
    refunded = PurchaseStatus.refunded.value
    statement = statement.on_conflict_do_update(
        index_elements=[Purchase.stripe_payment_intent_id],
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
    await db.execute(statement)
    grants.forget_after_commit(db, values.get("user_id"))


async def attribution_of_intent(
    db: AsyncSession, payment_intent_id: str
) -> tuple[uuid.UUID, uuid.UUID | None] | None:
    """(user, film) of a film payment already known by its payment intent."""
    query = select(Payment.user_id, Payment.film_id).where(
        Payment.stripe_payment_intent_id == payment_intent_id
    )
    row = (await db.execute(query)).first()
    if row is not None:
        return row.user_id, row.film_id
    query = select(Purchase.user_id, Purchase.film_id).where(
        Purchase.stripe_payment_intent_id == payment_intent_id
    )
    row = (await db.execute(query)).first()
    return (row.user_id, row.film_id) if row is not None else None


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


async def plans_currency(db: AsyncSession) -> str | None:
    """The currency of the cheapest active plan (what the platform charges in), if any."""
    query = select(Plan.price_currency).where(Plan.active).order_by(Plan.price_amount).limit(1)
    return (await db.execute(query)).scalar_one_or_none()


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
