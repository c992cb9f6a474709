"""The ledger a set of Stripe events must leave behind, and the one the platform did.

`expected()` is a reference model written from the rules, not from the code: the last
snapshot of each subscription (a cancellation is final), each invoice paid if it ever was,
each film payment at its furthest status (pending < failed < paid < refunded), a purchase per
paid or refunded film payment, entitlements from those. `actual()` reads the platform's tables
and asks its entitlement queries.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from tests.payments.stories import GRACE_DAYS, IGNORED_TYPES, Obj, World

from cinema.core import db

RANK = {"pending": 0, "failed": 1, "paid": 2, "refunded": 3}


@dataclass
class Ledger:
    subscriptions: dict[str, tuple]  # stripe id -> (user, status, plan, period end, cancel at period end)
    payments: dict[
        str, tuple
    ]  # invoice or payment intent -> (user, kind, status, amount, refunded, currency, what, created)
    purchases: dict[str, tuple]  # payment intent -> (user, film, status)
    entitled: set[tuple[str, str]]  # (user, film) pairs that may play, over the world's paid films

    def differences(self, other: Ledger) -> list[str]:
        out = []
        for name in ("subscriptions", "payments", "purchases"):
            mine, theirs = getattr(self, name), getattr(other, name)
            for key in sorted(mine.keys() | theirs.keys()):
                if mine.get(key) != theirs.get(key):
                    out.append(f"{name}[{key}]: expected {mine.get(key)} got {theirs.get(key)}")
        for pair in sorted(self.entitled ^ other.entitled):
            out.append(f"entitlement {pair}: expected {pair in self.entitled}")
        return out


# ---- the reference model -----------------------------------------------------------------


def _ts(value: int) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def expected(world: World, events: list[Obj], *, now: datetime) -> Ledger:
    titles = {film_id: title for film_id, title, _ in world.films}
    owner = {customer: user for user, customer in world.users}
    snapshots: dict[str, Obj] = {}
    subscriptions: dict[str, tuple] = {}
    payments: dict[str, tuple] = {}
    purchases: dict[str, tuple] = {}
    film_status: dict[str, str] = {}
    refunded_amount: dict[str, int] = {}
    first_seen: dict[str, int] = {}
    invoices: dict[str, tuple[Obj, bool]] = {}
    for event in events:
        kind, obj, created = event["type"], event["data"]["object"], event["created"]
        if kind.startswith("customer.subscription."):
            current = snapshots.get(obj["id"])
            terminal = obj["status"] == "canceled"
            if current is None or (terminal, created) > (
                current["status"] == "canceled",
                current["_created"],
            ):
                snapshots[obj["id"]] = obj | {"_created": created}
        elif kind in ("invoice.paid", "invoice.payment_failed"):
            paid_before = invoices.get(obj["id"], (obj, False))[1]
            invoices[obj["id"]] = (obj, paid_before or kind == "invoice.paid")
        elif kind.startswith("checkout.session.") and obj["mode"] == "payment":
            intent = obj["payment_intent"]
            status = {
                "checkout.session.completed": "paid" if obj["payment_status"] == "paid" else "pending",
                "checkout.session.async_payment_succeeded": "paid",
                "checkout.session.async_payment_failed": "failed",
            }[kind]
            _film_evidence(film_status, intent, status)
            first_seen[intent] = min(first_seen.get(intent, obj["created"]), obj["created"])
            payments.setdefault(
                intent, (obj["metadata"]["user_id"], obj["metadata"]["film_id"], obj["amount_total"])
            )
        elif kind == "charge.refunded":
            intent = obj["payment_intent"]
            _film_evidence(film_status, intent, "refunded" if obj["refunded"] else "paid")
            refunded_amount[intent] = max(refunded_amount.get(intent, 0), obj["amount_refunded"])
            first_seen[intent] = min(first_seen.get(intent, obj["created"]), obj["created"])
            payments.setdefault(
                intent, (obj["metadata"]["user_id"], obj["metadata"]["film_id"], obj["amount"])
            )
    ledger_payments: dict[str, tuple] = {}
    for intent, (user, film_id, amount) in payments.items():
        status = film_status[intent]
        ledger_payments[intent] = (
            user,
            "film",
            status,
            amount,
            refunded_amount.get(intent, 0),
            "RUB",
            titles[film_id],
            _ts(first_seen[intent]),
        )
        if status in ("paid", "refunded"):
            purchases[intent] = (user, film_id, status)
    for invoice_id, (obj, paid) in invoices.items():
        plan_id, name = world.plans[obj["lines"]["data"][0]["pricing"]["price_details"]["price"]]
        ledger_payments[invoice_id] = (
            owner[obj["customer"]],
            "subscription",
            "paid" if paid else "failed",
            obj["amount_due"],
            0,
            "RUB",
            name,
            _ts(obj["created"]),
        )
    grace_from = now - timedelta(days=GRACE_DAYS)
    subscribed: set[str] = set()
    for sub_id, obj in snapshots.items():
        item = obj["items"]["data"][0]
        user = owner[obj["customer"]]
        plan_id = world.plans[item["price"]["id"]][0]
        subscriptions[sub_id] = (
            user,
            obj["status"],
            plan_id,
            _ts(item["current_period_end"]),
            obj["cancel_at_period_end"],
        )
        if obj["status"] in ("active", "trialing") or (
            obj["status"] == "past_due" and _ts(item["current_period_start"]) > grace_from
        ):
            subscribed.add(user)
    entitled = {(user, world.subscription_film) for user in subscribed}
    entitled |= {(user, film) for user, film, status in purchases.values() if status == "paid"}
    return Ledger(subscriptions, ledger_payments, purchases, entitled)


def _film_evidence(statuses: dict[str, str], intent: str, status: str) -> None:
    """A film payment is at the furthest status any of its events showed."""
    statuses[intent] = max(statuses.get(intent, status), status, key=RANK.__getitem__)


def handled_ids(events: list[Obj]) -> set[str]:
    return {e["id"] for e in events if e["type"] not in IGNORED_TYPES}


# ---- what the platform did ---------------------------------------------------------------


async def actual(world: World) -> Ledger:
    from cinema.payments import repository as repo  # noqa: PLC0415
    from cinema.payments.entitlements import grace_from  # noqa: PLC0415

    async with db.engine().connect() as conn:
        subscriptions = {
            r.stripe_subscription_id: (
                str(r.user_id),
                r.status,
                str(r.plan_id),
                r.current_period_end,
                r.cancel_at_period_end,
            )
            for r in await conn.execute(text("SELECT * FROM subscriptions"))
        }
        payments = {
            (r.stripe_invoice_id or r.stripe_payment_intent_id): (
                str(r.user_id),
                r.kind,
                r.status,
                r.amount,
                r.amount_refunded,
                r.currency,
                r.description,
                r.created_at,
            )
            for r in await conn.execute(text("SELECT * FROM payments"))
        }
        purchases = {
            r.stripe_payment_intent_id: (str(r.user_id), str(r.film_id), r.status)
            for r in await conn.execute(text("SELECT * FROM purchases"))
        }
    entitled: set[tuple[str, str]] = set()
    since = grace_from()
    async with db.session_factory()() as session:
        for user, _ in world.users:
            uid = uuid.UUID(user)
            if await repo.has_subscription(session, uid, grace_from=since):
                entitled.add((user, world.subscription_film))
        for user, film in {(u, f) for u, f, _ in purchases.values()}:
            if await repo.has_purchase(session, uuid.UUID(user), uuid.UUID(film)):
                entitled.add((user, film))
    return Ledger(subscriptions, payments, purchases, entitled)


async def stored_event_ids() -> set[str]:
    async with db.engine().connect() as conn:
        return set((await conn.execute(text("SELECT id FROM webhook_events"))).scalars())
