"""The applier's SQL: one event costs one read and one write, each a single statement.

- The read (`PendingEvent.look_up`) is one SELECT of everything the event's rules may ask:
  whether the event is already recorded, whose Stripe customer it is, whether a user exists,
  the plan of a price, of an id and of a subscription, a film's title and price, and who paid
  a payment intent. Lookups the event does not need are given NULL and find nothing.
- The write (`PendingEvent.record`) is one statement: the event id inserted under its unique
  key and, gated on that insert (data-modifying CTEs), the upserts the rules chose. A
  redelivery inserts no id, so it changes nothing; a failing upsert fails the whole statement,
  id included.
Both run in the applier's transaction of a batch of events (applier.py), which also deletes
their inbox rows: the ids, their effects and the end of their rows commit together, and a
failure rolls all back so that the events are applied again, one by one. A concurrent
application of the same event (another process, racing a redelivery) waits in its write on
the id's unique key until the first commits, then writes nothing.

The statements are built with SQLAlchemy Core and compiled once per shape (the set of
upserts), their constants written in, and run with their parameters on the pooled
connection's psycopg connection: building them per event, keying SQLAlchemy's compiled cache,
adapting constant parameters and SQLAlchemy's execution layer each cost more per event than
the database's own work (measured: bench/README.md, payments_webhooks).

The upserts' conflict rules (repository.py, ledger_repository.py) make the result
independent of the order events arrive in; billing.py and purchases.py say why each rule is
what it is.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any, NamedTuple

import psycopg
from sqlalchemy import Select, bindparam, literal, select
from sqlalchemy.dialects.postgresql import Insert, insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.selectable import CTE

from cinema.auth.models import User
from cinema.catalog.models import Film
from cinema.core import db
from cinema.payments import ledger_repository
from cinema.payments import repository as repo
from cinema.payments.ledger_models import Payment, stripe_customers, webhook_events
from cinema.payments.models import Plan, Subscription, purchases


class AlreadyRecorded(Exception):
    """The event is already recorded (a redelivery): nothing more to read or write."""


class PlanTerms(NamedTuple):
    id: uuid.UUID
    name: str
    price_amount: int
    price_currency: str
    stripe_price_id: str


class FilmTerms(NamedTuple):
    title: str
    price_amount: int | None
    price_currency: str | None


class Facts(NamedTuple):
    """What the database knows that an event's rules ask about (None: not found, or not asked)."""

    customer_user: uuid.UUID | None  # the user whose Stripe customer it is
    known_user: uuid.UUID | None  # the user id asked about, if that user exists
    plan_of_price: PlanTerms | None  # the plan whose own Stripe price it is
    plan: PlanTerms | None  # the plan of the id asked about
    plan_of_subscription: PlanTerms | None  # the plan of the subscription's row
    film: FilmTerms | None
    intent_owner: tuple[uuid.UUID, uuid.UUID | None] | None  # (user, film) of a known payment intent


# ---- the read ------------------------------------------------------------------------------

_PLAN_COLUMNS = ("id", "name", "price_amount", "price_currency", "stripe_price_id")


def _facts_query() -> Select[Any]:
    plans, subscriptions = Plan.__table__, Subscription.__table__
    by_price, by_id, of_subscription = (
        plans.alias("plan_of_price"),
        plans.alias("plan_by_id"),
        plans.alias("plan_of_subscription"),
    )
    subscription = subscriptions.alias("subscription")
    films = Film.__table__
    payment, purchase = Payment.__table__.alias("payment"), purchases.alias("purchase")
    intent = bindparam("intent", type_=Payment.__table__.c.stripe_payment_intent_id.type)
    one = select(literal(1).label("one")).subquery("one")
    source = (
        one.outerjoin(by_price, by_price.c.stripe_price_id == bindparam("price_id"))
        .outerjoin(by_id, by_id.c.id == bindparam("plan_id"))
        .outerjoin(subscription, subscription.c.stripe_subscription_id == bindparam("subscription_id"))
        .outerjoin(of_subscription, of_subscription.c.id == subscription.c.plan_id)
        .outerjoin(films, films.c.id == bindparam("film_id"))
        .outerjoin(payment, payment.c.stripe_payment_intent_id == intent)
        .outerjoin(purchase, purchase.c.stripe_payment_intent_id == intent)
    )
    return select(
        select(webhook_events.c.id).where(webhook_events.c.id == bindparam("event_id")).exists(),
        select(stripe_customers.c.user_id)
        .where(stripe_customers.c.stripe_customer_id == bindparam("customer"))
        .scalar_subquery(),
        select(User.id).where(User.id == bindparam("user_id")).scalar_subquery(),
        *(alias.c[name] for alias in (by_price, by_id, of_subscription) for name in _PLAN_COLUMNS),
        films.c.title,
        films.c.price_amount,
        films.c.price_currency,
        payment.c.id,
        payment.c.user_id,
        payment.c.film_id,
        purchase.c.id,
        purchase.c.user_id,
        purchase.c.film_id,
    ).select_from(source)


def _plan(values: Any) -> PlanTerms | None:
    return PlanTerms(*values) if values[0] is not None else None


def _text(value: Any) -> str | None:
    return str(value) if value else None


# ---- the write: the event's id and its upserts (their conflict rules: repository.py) -------


_PAYMENT_DEFAULTS = {
    "amount_refunded": 0,
    "film_id": None,
    "plan_id": None,
    "stripe_invoice_id": None,
    "stripe_payment_intent_id": None,
    "stripe_checkout_session_id": None,
    "stripe_subscription_id": None,
}
_PAYMENT_COLUMNS = ("user_id", "kind", "status", "amount", "currency", "description", "created_at")


class _Shape(NamedTuple):
    table: Any
    columns: tuple[str, ...]
    defaults: dict[str, Any]  # what a caller may leave out
    on_conflict: Callable[[Insert], Insert]


_SHAPES = {
    "payment_of_invoice": _Shape(
        Payment.__table__,
        _PAYMENT_COLUMNS + tuple(_PAYMENT_DEFAULTS),
        _PAYMENT_DEFAULTS,
        lambda s: ledger_repository.payment_conflict(s, "stripe_invoice_id"),
    ),
    "payment_of_intent": _Shape(
        Payment.__table__,
        _PAYMENT_COLUMNS + tuple(_PAYMENT_DEFAULTS),
        _PAYMENT_DEFAULTS,
        lambda s: ledger_repository.payment_conflict(s, "stripe_payment_intent_id"),
    ),
    "purchase": _Shape(
        purchases,
        (
            "user_id",
            "film_id",
            "status",
            "stripe_payment_intent_id",
            "stripe_checkout_session_id",
            "created_at",
            "refunded_at",
        ),
        {"stripe_checkout_session_id": None, "refunded_at": None},
        repo.purchase_conflict,
    ),
    "snapshot": _Shape(
        Subscription.__table__,
        (
            "stripe_subscription_id",
            "stripe_customer_id",
            "user_id",
            "plan_id",
            "status",
            "current_period_start",
            "current_period_end",
            "cancel_at_period_end",
            "version",
        ),
        {},
        repo.snapshot_conflict,
    ),
    "provisional": _Shape(
        Subscription.__table__,
        (
            "stripe_subscription_id",
            "stripe_customer_id",
            "user_id",
            "plan_id",
            "status",
            "current_period_start",
            "current_period_end",
            "version",
        ),
        {"current_period_start": None, "current_period_end": None, "version": 0},
        repo.provisional_conflict,
    ),
}


def _gated(kind: str, event: CTE) -> CTE:
    """INSERT ... SELECT the upsert's values WHERE the event's id was inserted, ON CONFLICT its rule."""
    shape = _SHAPES[kind]
    values = select(*(bindparam(f"{kind}__{name}", type_=shape.table.c[name].type) for name in shape.columns))
    statement = insert(shape.table).from_select(
        list(shape.columns),
        values.where(select(event.c.id).exists()),
        include_defaults=False,  # ids and timestamps come from the server's defaults
    )
    return shape.on_conflict(statement).cte(kind)


def _record_statement(kinds: tuple[str, ...]) -> Select[Any]:
    event = (
        insert(webhook_events)
        .values(id=bindparam("event_id"), type=bindparam("event_type"), object_id=bindparam("object_id"))
        .on_conflict_do_nothing()
        .returning(webhook_events.c.id)
        .cte("event")
    )
    return select(event.c.id).add_cte(*(_gated(kind, event) for kind in kinds))


_compiled: dict[Any, str] = {}


def _plain_sql(statement: Any, dialect: Any, params: Iterable[str]) -> str:
    """The statement's SQL with every value bound while building it (rank tables, 'epoch', ...)
    written in as a literal, leaving placeholders for `params` only: psycopg adapting some 60
    constants on every execution cost more than the rest of the statement."""
    compiled = statement.compile(dialect=dialect)
    if compiled.post_compile_params:  # IN (...) lists expand per execution: not as plain SQL
        raise ValueError("a statement run as plain SQL cannot expand parameters")
    sql = str(compiled)
    for name in compiled.params.keys() - set(params):
        value = compiled.render_literal_value(compiled.params[name], compiled.binds[name].type)
        sql = sql.replace(f"%({name})s", value.replace("%", "%%"))
    return sql


async def _first_row(
    conn: AsyncConnection, key: Any, build: Callable[[], Any], params: dict[str, Any]
) -> tuple[Any, ...] | None:
    """Run a statement built by `build`, compiled once for `key` (the same `params` each time),
    on the pooled connection's psycopg connection: SQLAlchemy's execution layer (result
    metadata of 27 columns, parameter handling) cost more than psycopg and the database. Its
    parameters are plain values psycopg adapts itself (str, int, bool, UUID, aware datetime)."""
    sql = _compiled.get(key)
    if sql is None:
        sql = _compiled[key] = _plain_sql(build(), conn.dialect, params)
    driver = (await conn.get_raw_connection()).driver_connection
    try:
        cursor = await driver.execute(sql, params)
        return await cursor.fetchone()
    except psycopg.OperationalError:
        await conn.invalidate()  # the connection is gone: it does not go back to the pool
        raise


# ---- one event ------------------------------------------------------------------------------


@asynccontextmanager
async def autocommit() -> AsyncIterator[AsyncConnection]:
    """A pooled connection in autocommit: each statement is its own transaction (the inbox's
    accepts and retries)."""
    async with db.engine().connect() as conn:
        yield await conn.execution_options(isolation_level="AUTOCOMMIT")


class PendingEvent:
    """One event being applied: its rules `look_up` what they need (one SELECT), choose their
    upserts, and `record` writes them with the event's id (one statement). Error lines that ask
    a person to act are logged only once the event is recorded, so a redelivery racing the
    first delivery does not log them twice (a batch that fails after recording may log them
    again when its events are applied one by one)."""

    def __init__(self, conn: AsyncConnection, event_id: str, event_type: str, object_id: str | None) -> None:
        self._conn = conn
        self._event = {"event_id": event_id, "event_type": event_type, "object_id": object_id}
        self._upserts: dict[str, dict[str, Any]] = {}
        self._alerts: list[tuple[logging.Logger, str, tuple[Any, ...]]] = []

    async def look_up(
        self,
        *,
        customer: Any = None,
        user_id: uuid.UUID | None = None,
        price_id: Any = None,
        plan_id: uuid.UUID | None = None,
        subscription_id: Any = None,
        film_id: uuid.UUID | None = None,
        intent: Any = None,
    ) -> Facts:
        """Raises AlreadyRecorded when the event is already recorded."""
        params = {
            "event_id": self._event["event_id"],
            "customer": _text(customer),
            "user_id": user_id,
            "price_id": _text(price_id),
            "plan_id": plan_id,
            "subscription_id": _text(subscription_id),
            "film_id": film_id,
            "intent": _text(intent),
        }
        row = await _first_row(self._conn, "facts", _facts_query, params)
        assert row is not None  # one row, whatever is found
        if row[0]:
            raise AlreadyRecorded()
        title, film_amount, film_currency = row[18:21]
        payment_id, payment_user, payment_film, purchase_id, purchase_user, purchase_film = row[21:27]
        if payment_id is not None:
            owner = (payment_user, payment_film)
        elif purchase_id is not None:
            owner = (purchase_user, purchase_film)
        else:
            owner = None
        return Facts(
            customer_user=row[1],
            known_user=row[2],
            plan_of_price=_plan(row[3:8]),
            plan=_plan(row[8:13]),
            plan_of_subscription=_plan(row[13:18]),
            film=FilmTerms(title, film_amount, film_currency) if title is not None else None,
            intent_owner=owner,
        )

    def upsert_payment(self, values: dict[str, Any], *, key: str) -> None:
        """The history line of an invoice (key="stripe_invoice_id") or a payment intent."""
        self._add("payment_of_invoice" if key == "stripe_invoice_id" else "payment_of_intent", values)

    def upsert_purchase(self, values: dict[str, Any]) -> None:
        self._add("purchase", values)

    def upsert_snapshot(self, values: dict[str, Any]) -> None:
        self._add("snapshot", values)

    def merge_provisional_subscription(self, values: dict[str, Any]) -> None:
        self._add("provisional", values)

    def alert(self, logger: logging.Logger, message: str, *args: Any) -> None:
        """An error line for a person, logged once the event is recorded."""
        self._alerts.append((logger, message, args))

    def _add(self, kind: str, values: dict[str, Any]) -> None:
        if kind in self._upserts:
            raise ValueError(f"one {kind} per event")
        shape = _SHAPES[kind]
        unknown = set(values) - set(shape.columns)
        if unknown:
            raise ValueError(f"{kind} has no columns {sorted(unknown)}")
        self._upserts[kind] = {**shape.defaults, **values}

    def entitlement_changes(self) -> set[uuid.UUID]:
        """The users whose subscriptions or purchases the upserts may change."""
        kinds = ("snapshot", "provisional", "purchase")
        return {self._upserts[k]["user_id"] for k in kinds if k in self._upserts}

    async def record(self) -> bool:
        """Write the event's id and its upserts; False (nothing written) if it was already there."""
        kinds = tuple(self._upserts)
        params = dict(self._event)
        for kind, values in self._upserts.items():
            params.update({f"{kind}__{name}": values[name] for name in _SHAPES[kind].columns})
        recorded = await _first_row(self._conn, kinds, lambda: _record_statement(kinds), params) is not None
        if recorded:
            for logger, message, args in self._alerts:
                logger.error(message, *args)
        return recorded
