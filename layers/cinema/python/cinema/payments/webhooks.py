"""POST /payments/webhook: Stripe's events, verified, applied once, in any order.

1. The signature is checked over the raw body with `stripe.Webhook.construct_event` (HMAC with
   the endpoint's secret, timestamp at most 5 minutes old) before anything is read or stored:
   a bad, missing or stale signature is a 400 and touches nothing.
2. The event id is inserted into webhook_events in the same transaction as the event's
   effect: a redelivery finds it and changes nothing (200), and an effect that fails rolls
   the id back with it, so Stripe's retry applies it then.
3. The effects (billing.py, purchases.py) are order-independent: see their docstrings.
4. Nothing is granted for less than the platform's price (price_check.py): such an event is
   stored and answered 200 `refused`, so that Stripe does not retry it for days.
Types not handled are answered 200 and not stored.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import stripe
from sqlalchemy.ext.asyncio import AsyncSession

from cinema.core.settings import get_settings
from cinema.payments import billing, price_check, purchases
from cinema.payments import repository as repo
from cinema.payments import stripe_fields as f
from cinema.payments.errors import InvalidEvent, InvalidSignature, PaymentsNotConfigured
from cinema.payments.models import PaymentStatus
from cinema.payments.schemas import WebhookOut

log = logging.getLogger("cinema.payments.webhooks")

TOLERANCE_S = 300

Obj = dict[str, Any]
# A handler answers None when it applied the event, or why it did not ("refused").
Handler = Callable[[AsyncSession, Obj, int], Awaitable[str | None]]


def verify(payload: bytes, signature: str | None) -> Obj:
    """The event, as a plain dict, if Stripe signed exactly these bytes within TOLERANCE_S."""
    secret = get_settings().stripe_webhook_secret.get_secret_value()
    if not secret:
        raise PaymentsNotConfigured("the webhook secret is not configured")
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret, tolerance=TOLERANCE_S)
    except stripe.SignatureVerificationError as exc:
        raise InvalidSignature() from exc
    except (ValueError, TypeError, AttributeError) as exc:  # signed, but not a JSON object
        raise InvalidEvent() from exc
    body = event.to_dict()
    data = body.get("data")
    if (
        not isinstance(body.get("id"), str)
        or not isinstance(body.get("type"), str)
        or not f.is_epoch(body.get("created"))
        or body["created"] == 0
        or not isinstance(data, dict)
        or not isinstance(data.get("object"), dict)
    ):
        raise InvalidEvent()
    return body


async def _checkout_completed(db: AsyncSession, session: Obj, created: int) -> str | None:
    if session.get("mode") == "subscription":
        return await billing.subscription_checkout(db, session)
    if session.get("mode") == "payment":
        paid = session.get("payment_status") == "paid"
        return await purchases.film_checkout(
            db, session, PaymentStatus.paid if paid else PaymentStatus.pending
        )
    return None


async def _async_payment_succeeded(db: AsyncSession, session: Obj, created: int) -> str | None:
    if session.get("mode") == "subscription":
        return await billing.subscription_checkout(db, session | {"payment_status": "paid"})
    if session.get("mode") == "payment":
        return await purchases.film_checkout(db, session, PaymentStatus.paid)
    return None


async def _async_payment_failed(db: AsyncSession, session: Obj, created: int) -> str | None:
    if session.get("mode") == "payment":
        return await purchases.film_checkout(db, session, PaymentStatus.failed)
    return None


HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": _checkout_completed,
    "checkout.session.async_payment_succeeded": _async_payment_succeeded,
    "checkout.session.async_payment_failed": _async_payment_failed,
    "invoice.paid": billing.invoice_paid,
    "invoice.payment_failed": billing.invoice_payment_failed,
    "customer.subscription.created": billing.subscription_changed,
    "customer.subscription.updated": billing.subscription_changed,
    "customer.subscription.deleted": billing.subscription_changed,
    "charge.refunded": purchases.charge_refunded,
}


async def receive(db: AsyncSession, payload: bytes, signature: str | None) -> WebhookOut:
    event = verify(payload, signature)
    handler = HANDLERS.get(event["type"])
    if handler is None:
        return WebhookOut(result="ignored")
    data_object = event["data"]["object"]
    object_id = data_object.get("id")
    if not await repo.record_event(db, event["id"], event["type"], str(object_id) if object_id else None):
        return WebhookOut(result="duplicate")
    if await handler(db, data_object, event["created"]) == price_check.REFUSED:
        return WebhookOut(result="refused")  # the event stays stored: a redelivery is a duplicate
    log.info("applied %s %s (%s)", event["type"], event["id"], object_id)
    return WebhookOut(result="applied")
