"""Stripe webhook events for tests: objects from Stripe's published examples
(cinema.local.stripe_emulator.objects), wrapped in an event and signed as Stripe signs them."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
from sqlalchemy import text

from cinema.core import db
from cinema.local.stripe_emulator import objects, payment_objects
from cinema.local.stripe_emulator.delivery import sign
from cinema.payments import applier

API = "/api/v1"
WEBHOOK_SECRET = "whsec_test_0123456789abcdefghijklmnopqrstuvwxyz"
DAY = 86400
MONTHLY = "price_cinema_monthly"

Obj = dict[str, Any]


def signed(
    event: Obj, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
    header = sign(body, secret, int(time.time()) if timestamp is None else timestamp)
    return body.encode(), {"Stripe-Signature": header, "Content-Type": "application/json"}


async def post(client: httpx.AsyncClient, event: Obj, **signing: Any) -> httpx.Response:
    """Deliver the event, then wait until the applier (woken by the delivery, in this process)
    has applied what it accepted: the tests read the effect right after."""
    body, headers = signed(event, **signing)
    response = await client.post(f"{API}/payments/webhook", content=body, headers=headers)
    await applier.settled()
    return response


async def link_customer(user_id: uuid.UUID | str, customer_id: str | None = None) -> str:
    """The Stripe customer the platform would have made for this user at checkout."""
    customer_id = customer_id or objects.new_id("cus", 14)
    async with db.engine().begin() as conn:
        await conn.execute(
            text("INSERT INTO stripe_customers (user_id, stripe_customer_id) VALUES (:u, :c)"),
            {"u": str(user_id), "c": customer_id},
        )
    return customer_id


def price(price_id: str = MONTHLY) -> Obj:
    spec = objects.LOCAL_PRICES[price_id]
    return objects.price(
        price_id,
        unit_amount=spec["unit_amount"],
        currency=spec["currency"],
        interval=spec["interval"],
        product=spec["product"],
        created=1_700_000_000,
    )


def subscription(
    sub_id: str,
    customer: str,
    *,
    status: str = "active",
    start: int,
    end: int | None = None,
    cancel_at_period_end: bool = False,
    price_id: str = MONTHLY,
    user_id: str | None = None,
) -> Obj:
    return objects.subscription(
        sub_id,
        customer=customer,
        price_obj=price(price_id),
        status=status,
        period_start=start,
        period_end=end or start + 30 * DAY,
        cancel_at_period_end=cancel_at_period_end,
        metadata={"user_id": user_id} if user_id else {},
        created=start,
        latest_invoice=None,
        canceled_at=start if status == "canceled" else None,
    )


def invoice(
    invoice_id: str, customer: str, sub_id: str, *, paid: bool, start: int, price_id: str = MONTHLY
) -> Obj:
    spec = objects.LOCAL_PRICES[price_id]
    length = 30 * DAY if spec["interval"] == "month" else 365 * DAY
    return objects.invoice(
        invoice_id,
        customer=customer,
        subscription_id=sub_id,
        price_obj=price(price_id),
        paid=paid,
        attempt_count=1,
        period_start=start,
        period_end=start + length,
        created=start,
        billing_reason="subscription_cycle",
        subscription_metadata={},
    )


def film_session(
    session_id: str,
    *,
    user_id: str,
    film_id: str,
    amount: int,
    intent: str,
    customer: str | None = None,
    paid: bool = True,
    created: int | None = None,
) -> Obj:
    created = created or int(time.time())
    metadata = {"user_id": user_id, "kind": "film", "film_id": film_id}
    session = objects.checkout_session(
        session_id,
        mode="payment",
        customer=customer,
        client_reference_id=user_id,
        metadata=metadata,
        amount_total=amount,
        currency="rub",
        success_url="https://web.test/ok",
        cancel_url="https://web.test/cancel",
        url=f"https://checkout.test/{session_id}",
        created=created,
        expires_at=created + DAY,
    )
    session.update(status="complete", payment_status="paid" if paid else "unpaid", payment_intent=intent)
    return session


def subscription_session(session_id: str, *, user_id: str, plan_id: str, customer: str, sub_id: str) -> Obj:
    now = int(time.time())
    metadata = {"user_id": user_id, "kind": "subscription", "plan_id": plan_id}
    session = objects.checkout_session(
        session_id,
        mode="subscription",
        customer=customer,
        client_reference_id=user_id,
        metadata=metadata,
        amount_total=29900,
        currency="rub",
        success_url="https://web.test/ok",
        cancel_url="https://web.test/cancel",
        url=f"https://checkout.test/{session_id}",
        created=now,
        expires_at=now + DAY,
    )
    session.update(status="complete", payment_status="paid", subscription=sub_id)
    return session


def charge(
    charge_id: str,
    *,
    intent: str,
    amount: int,
    refunded: int = 0,
    metadata: dict[str, str] | None = None,
    created: int | None = None,
) -> Obj:
    created = created or int(time.time())
    refunds = (
        [
            payment_objects.refund(
                objects.new_id("re"),
                charge_id=charge_id,
                payment_intent=intent,
                amount=refunded,
                currency="rub",
                created=created + 60,
            )
        ]
        if refunded
        else []
    )
    return payment_objects.charge(
        charge_id,
        payment_intent=intent,
        customer=None,
        amount=amount,
        currency="rub",
        description=None,
        metadata=metadata or {},
        created=created,
        refunds=refunds,
    )


def event(event_type: str, obj: Obj, *, created: int | None = None, event_id: str | None = None) -> Obj:
    return objects.event(event_type, obj, created=created or int(time.time()), event_id=event_id)


# ---- what the webhooks left in the database ------------------------------------------

PAYMENT_TABLES = ("webhook_events", "subscriptions", "purchases", "payments")


async def counts() -> dict[str, int]:
    async with db.engine().connect() as conn:
        return {
            t: (await conn.execute(text(f"SELECT count(*) FROM {t}"))).scalar_one()  # noqa: S608 - constant names
            for t in PAYMENT_TABLES
        }


async def rows(query: str, **params: Any) -> list[dict[str, Any]]:
    async with db.engine().connect() as conn:
        return [dict(r) for r in (await conn.execute(text(query), params)).mappings()]


async def subscription_row(sub_id: str) -> dict[str, Any] | None:
    found = await rows(
        "SELECT status, version, cancel_at_period_end, current_period_start, current_period_end, plan_id::text"
        " FROM subscriptions WHERE stripe_subscription_id = :s",
        s=sub_id,
    )
    return found[0] if found else None


async def purchase_status(intent: str) -> str | None:
    found = await rows("SELECT status FROM purchases WHERE stripe_payment_intent_id = :i", i=intent)
    return found[0]["status"] if found else None
