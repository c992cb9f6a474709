"""Many users' Stripe histories as webhook events, for tests/payments/test_reliability.py and
bench/payments_webhooks.py (the reference ledger they must leave behind is ledger.py).

- `create_world()`: users with the Stripe customers checkout would have made, films, plans.
- `scenario()`: stories (subscriptions that renew, fail, recover, get canceled; films bought,
  refunded in full or in part, paid by delayed methods that settle or fail; events of types
  the platform ignores) as events built from Stripe's published examples.
- `deliveries()`: each event signed, delivered 1-3 times, plus 10 % forged requests (wrong
  secret, tampered body, stale or missing signature, invented events), shuffled.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from cinema.core import db
from cinema.core.security import create_access_token
from cinema.local.stripe_emulator import objects, payment_objects
from cinema.local.stripe_emulator.delivery import sign

Obj = dict[str, Any]
DAY = 86400
LENGTH = {"month": 30 * DAY, "year": 365 * DAY}
GRACE_DAYS = 3
IGNORED_TYPES = ("payment_intent.succeeded", "invoice.finalized", "charge.succeeded", "customer.updated")


@dataclass
class World:
    users: list[tuple[str, str]]  # (user id, Stripe customer id)
    films: list[tuple[str, str, int]]  # films sold one by one: (id, title, price)
    subscription_film: str
    plans: dict[str, tuple[str, str]]  # Stripe price id -> (plan id, name)
    tokens: dict[str, str] = field(default_factory=dict)


# ---- the world: users with their Stripe customers, films, plans -------------------------


async def create_world(n_users: int, n_films: int, *, seed: int = 7) -> World:
    """Users (inserted directly: registering thousands through argon2 would be the whole
    benchmark), the Stripe customers checkout would have made for them, published films."""
    rng = random.Random(seed)
    users = [(str(uuid.uuid4()), objects.new_id("cus", 14)) for _ in range(n_users)]
    films = [
        (str(uuid.uuid4()), f"Фильм {i}", rng.choice([9900, 14900, 19900, 39900])) for i in range(n_films)
    ]
    subscription_film = str(uuid.uuid4())
    async with db.engine().begin() as conn:
        await conn.execute(
            text("INSERT INTO users (id, email, password_hash) VALUES (:id, :email, 'not-a-login')"),
            [{"id": u, "email": f"ledger-{u}@kino.io"} for u, _ in users],
        )
        await conn.execute(
            text("INSERT INTO stripe_customers (user_id, stripe_customer_id) VALUES (:u, :c)"),
            [{"u": u, "c": c} for u, c in users],
        )
        film_rows = [
            {"id": f, "title": t, "access": "purchase", "amount": p, "currency": "RUB"} for f, t, p in films
        ] + [
            {
                "id": subscription_film,
                "title": "По подписке",
                "access": "subscription",
                "amount": None,
                "currency": None,
            }
        ]
        await conn.execute(
            text(
                "INSERT INTO films (id, title, year, duration_seconds, access, price_amount, price_currency, status)"
                " VALUES (:id, :title, 2000, 5400, :access, :amount, :currency, 'published')"
            ),
            film_rows,
        )
        plans = {
            r.stripe_price_id: (str(r.id), r.name)
            for r in await conn.execute(text("SELECT id, name, stripe_price_id FROM plans WHERE active"))
        }
    tokens = {u: create_access_token(uuid.UUID(u), "user")[0] for u, _ in users}
    return World(users, films, subscription_film, plans, tokens)


# ---- stories -----------------------------------------------------------------------------


class _Writer:
    def __init__(self, world: World, rng: random.Random, now: int) -> None:
        self.world, self.rng, self.now = world, rng, now
        self.events: list[Obj] = []

    def emit(self, event_type: str, obj: Obj, created: int) -> None:
        self.events.append(objects.event(event_type, json.loads(json.dumps(obj)), created=created))

    def _price(self, price_id: str) -> Obj:
        spec = objects.LOCAL_PRICES[price_id]
        return objects.price(
            price_id,
            unit_amount=spec["unit_amount"],
            currency=spec["currency"],
            interval=spec["interval"],
            product=spec["product"],
            created=1_700_000_000,
        )

    def _start(self, at: int) -> int:
        """Keep a period start away from the grace boundary, so the expected entitlement
        cannot flip between writing the events and checking the result."""
        boundary = self.now - GRACE_DAYS * DAY
        return at + 4 * 3600 if abs(at - boundary) < 3 * 3600 else at

    def subscription(self) -> None:
        user, customer = self.rng.choice(self.world.users)
        price_id = self.rng.choice(sorted(self.world.plans))
        plan_id = self.world.plans[price_id][0]
        price = self._price(price_id)
        length = LENGTH[price["recurring"]["interval"]]
        renewals = self.rng.randint(0, 3) if length == LENGTH["month"] else self.rng.randint(0, 1)
        start = self._start(self.now - renewals * length - self.rng.randint(DAY, length - DAY))
        sub_id, clock = objects.new_id("sub"), start
        metadata = {"user_id": user, "kind": "subscription", "plan_id": plan_id}
        cancel_flag = False

        def snapshot(
            status: str, period_start: int, event_type: str = "customer.subscription.updated"
        ) -> None:
            nonlocal clock
            clock += self.rng.randint(1, 600)
            obj = objects.subscription(
                sub_id,
                customer=customer,
                price_obj=price,
                status=status,
                period_start=period_start,
                period_end=period_start + length,
                cancel_at_period_end=cancel_flag,
                metadata=metadata,
                created=start,
                latest_invoice=None,
                canceled_at=clock if status == "canceled" else None,
            )
            self.emit(event_type, obj, clock)

        def invoice(invoice_id: str, period_start: int, *, paid: bool, attempt: int) -> None:
            obj = objects.invoice(
                invoice_id,
                customer=customer,
                subscription_id=sub_id,
                price_obj=price,
                paid=paid,
                attempt_count=attempt,
                period_start=period_start,
                period_end=period_start + length,
                created=period_start,
                billing_reason="subscription_cycle" if attempt else "subscription_create",
                subscription_metadata=metadata,
            )
            self.emit("invoice.paid" if paid else "invoice.payment_failed", obj, max(clock, period_start))

        session = objects.checkout_session(
            objects.new_id("cs_test"),
            mode="subscription",
            customer=customer,
            client_reference_id=user,
            metadata=metadata,
            amount_total=price["unit_amount"],
            currency=price["currency"],
            success_url="https://web.test/ok",
            cancel_url="https://web.test/no",
            url="https://checkout.test/x",
            created=start,
            expires_at=start + DAY,
        )
        session.update(status="complete", payment_status="paid", subscription=sub_id)
        snapshot("active", start, "customer.subscription.created")
        invoice(objects.new_id("in"), start, paid=True, attempt=1)
        self.emit("checkout.session.completed", session, clock)
        period, status = start, "active"
        for _ in range(renewals):
            period = self._start(period + length)
            clock = max(clock, period)
            invoice_id = objects.new_id("in")
            outcome = self.rng.choice(["paid", "paid", "recovered", "failed"])
            if outcome == "paid":
                invoice(invoice_id, period, paid=True, attempt=1)
                snapshot("active", period)
            else:
                invoice(invoice_id, period, paid=False, attempt=1)
                snapshot("past_due", period)
                status = "past_due"
                if outcome == "recovered":
                    clock += self.rng.randint(3600, DAY)
                    invoice(invoice_id, period, paid=True, attempt=2)
                    snapshot("active", period)
                    status = "active"
                else:
                    break
        ending = self.rng.random()
        if status == "past_due" and ending < 0.3:
            snapshot("unpaid", period)
        elif ending < 0.25:
            cancel_flag = True
            snapshot(status, period)
        elif ending < 0.45:
            snapshot("canceled", period, "customer.subscription.deleted")

    def film(self) -> None:
        user, customer = self.rng.choice(self.world.users)
        film_id, _, amount = self.rng.choice(self.world.films)
        created = self.now - self.rng.randint(60, 90 * DAY)
        intent, session_id = objects.new_id("pi"), objects.new_id("cs_test")
        metadata = {"user_id": user, "kind": "film", "film_id": film_id}
        session = objects.checkout_session(
            session_id,
            mode="payment",
            customer=customer,
            client_reference_id=user,
            metadata=metadata,
            amount_total=amount,
            currency="rub",
            success_url="https://web.test/ok",
            cancel_url="https://web.test/no",
            url="https://checkout.test/x",
            created=created,
            expires_at=created + DAY,
        )
        session.update(status="complete", payment_intent=intent)
        story = self.rng.choice(["paid", "paid", "refunded", "partial", "async_paid", "async_failed"])
        if story.startswith("async"):
            self.emit("checkout.session.completed", session | {"payment_status": "unpaid"}, created + 5)
            settled = (
                "checkout.session.async_payment_succeeded"
                if story == "async_paid"
                else "checkout.session.async_payment_failed"
            )
            self.emit(
                settled,
                session | {"payment_status": "paid" if story == "async_paid" else "unpaid"},
                created + 3 * 3600,
            )
            return
        self.emit("checkout.session.completed", session | {"payment_status": "paid"}, created + 5)
        if story in ("refunded", "partial"):
            charge_id = objects.new_id("ch")
            refunded = amount if story == "refunded" else amount // 3
            refund = payment_objects.refund(
                objects.new_id("re"),
                charge_id=charge_id,
                payment_intent=intent,
                amount=refunded,
                currency="rub",
                created=created + DAY,
            )
            charge = payment_objects.charge(
                charge_id,
                payment_intent=intent,
                customer=customer,
                amount=amount,
                currency="rub",
                description=None,
                metadata=metadata,
                created=created + 6,
                refunds=[refund],
            )
            self.emit("charge.refunded", charge, created + DAY)

    def noise(self) -> None:
        user, customer = self.rng.choice(self.world.users)
        obj = objects.customer(customer, email=None, name=None, metadata={"user_id": user}, created=self.now)
        self.emit(self.rng.choice(IGNORED_TYPES), obj, self.now)


def scenario(world: World, n_events: int, *, seed: int, now: int | None = None) -> list[Obj]:
    """Exactly n_events events of whole stories (topped up with ignored types)."""
    rng = random.Random(seed)
    writer = _Writer(world, rng, now or int(time.time()))
    while True:
        before = len(writer.events)
        story = rng.random()
        if story < 0.45:
            writer.subscription()
        elif story < 0.92:
            writer.film()
        else:
            writer.noise()
        if len(writer.events) > n_events:
            del writer.events[before:]
            break
    while len(writer.events) < n_events:
        writer.noise()
    return writer.events


# ---- deliveries --------------------------------------------------------------------------


@dataclass
class Delivery:
    body: bytes
    headers: dict[str, str]
    forged: str | None  # how, for a forged one
    event_id: str


def deliveries(events: list[Obj], secret: str, *, seed: int, forged_share: float = 0.1) -> list[Delivery]:
    rng = random.Random(seed)
    now = int(time.time())
    out: list[Delivery] = []
    for event in events:
        body = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
        header = sign(body, secret, now)
        out += [Delivery(body.encode(), {"Stripe-Signature": header}, None, event["id"])] * rng.randint(1, 3)
    forged_count = round(len(out) * forged_share / (1 - forged_share))
    ways = [
        "wrong secret",
        "tampered body",
        "stale signature",
        "no signature",
        "garbage signature",
        "invented event",
    ]
    for n in range(forged_count):
        way = ways[n % len(ways)]
        event = rng.choice(events)
        body = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
        if way == "wrong secret":
            out.append(
                Delivery(
                    body.encode(),
                    {"Stripe-Signature": sign(body, "whsec_not_the_secret", now)},
                    way,
                    event["id"],
                )
            )
        elif way == "tampered body":
            tampered = body.replace('"status":"canceled"', '"status":"active"').replace(
                '"refunded":true', '"refunded":false'
            )
            tampered = tampered if tampered != body else body.replace('"livemode":false', '"livemode":true')
            out.append(
                Delivery(tampered.encode(), {"Stripe-Signature": sign(body, secret, now)}, way, event["id"])
            )
        elif way == "stale signature":
            out.append(
                Delivery(
                    body.encode(),
                    {"Stripe-Signature": sign(body, secret, now - rng.randint(301, 7200))},
                    way,
                    event["id"],
                )
            )
        elif way == "no signature":
            out.append(Delivery(body.encode(), {}, way, event["id"]))
        elif way == "garbage signature":
            out.append(
                Delivery(body.encode(), {"Stripe-Signature": f"t={now},v1={'0' * 64}"}, way, event["id"])
            )
        else:  # an event nobody sent: a film for free, signed with a guessed secret
            invented = json.loads(body) | {"id": objects.new_id("evt")}
            text_ = json.dumps(invented, separators=(",", ":"), ensure_ascii=False)
            out.append(
                Delivery(
                    text_.encode(), {"Stripe-Signature": sign(text_, "whsec_guess", now)}, way, invented["id"]
                )
            )
    rng.shuffle(out)
    return out
