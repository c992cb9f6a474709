"""POST /payments/webhook: Stripe's events, verified, applied once, in any order.

1. The signature is checked over the raw body (Stripe's `WebhookSignature.verify_header`: HMAC
   with the endpoint's secret, timestamp at most 5 minutes old) before anything is read or
   stored: a bad, missing or stale signature is a 400 and touches nothing. The verified body
   is then parsed as plain JSON: the handlers read plain dicts, and building the SDK's
   StripeObjects (`construct_event`) cost more than everything else the route does.
2. The event id is inserted into webhook_events in the same statement as the event's effect
   (event_store.py: one read, then one write, in autocommit): a redelivery finds it and
   changes nothing (200), and an effect that fails takes the id with it, so Stripe's retry
   applies it then. The route opens no request session: it would only add BEGIN and COMMIT.
3. The effects (billing.py, purchases.py) are order-independent: see their docstrings.
4. Nothing is granted for less than the platform's price (price_check.py): such an event is
   stored and answered 200 `refused`, so that Stripe does not retry it for days.
Types not handled are answered 200 and not stored.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import stripe

from cinema.core.settings import get_settings
from cinema.payments import billing, event_store, grants, price_check, purchases
from cinema.payments import stripe_fields as f
from cinema.payments.errors import InvalidEvent, InvalidSignature, PaymentsNotConfigured
from cinema.payments.event_store import PendingEvent
from cinema.payments.models import PaymentStatus
from cinema.payments.schemas import WebhookOut

log = logging.getLogger("cinema.payments.webhooks")

TOLERANCE_S = 300

Obj = dict[str, Any]
# A handler chooses the event's upserts on the pending event; it answers None when it applied
# the event (or it was none of ours), or why it refused it.
Handler = Callable[[PendingEvent, Obj, int], Awaitable[price_check.Refusal | None]]


def verify(payload: bytes, signature: str | None) -> Obj:
    """The event, as a plain dict, if Stripe signed exactly these bytes within TOLERANCE_S."""
    secret = get_settings().stripe_webhook_secret.get_secret_value()
    if not secret:
        raise PaymentsNotConfigured("the webhook secret is not configured")
    try:
        stripe.WebhookSignature.verify_header(payload, signature, secret, tolerance=TOLERANCE_S)
    except stripe.SignatureVerificationError as exc:
        raise InvalidSignature() from exc
    except ValueError as exc:  # not UTF-8
        raise InvalidEvent() from exc
    try:
        body = json.loads(payload)
    except ValueError as exc:  # signed, but not JSON
        raise InvalidEvent() from exc
    data = body.get("data") if isinstance(body, dict) else None
    if (
        not isinstance(body, dict)
        or not isinstance(body.get("id"), str)
        or not isinstance(body.get("type"), str)
        or not f.is_epoch(body.get("created"))
        or body["created"] == 0
        or not isinstance(data, dict)
        or not isinstance(data.get("object"), dict)
    ):
        raise InvalidEvent()
    return body


async def _checkout_completed(event: PendingEvent, session: Obj, created: int) -> price_check.Refusal | None:
    if session.get("mode") == "subscription":
        return await billing.subscription_checkout(event, session)
    if session.get("mode") == "payment":
        paid = session.get("payment_status") == "paid"
        return await purchases.film_checkout(
            event, session, PaymentStatus.paid if paid else PaymentStatus.pending
        )
    return None


async def _async_payment_succeeded(
    event: PendingEvent, session: Obj, created: int
) -> price_check.Refusal | None:
    if session.get("mode") == "subscription":
        return await billing.subscription_checkout(event, session | {"payment_status": "paid"})
    if session.get("mode") == "payment":
        return await purchases.film_checkout(event, session, PaymentStatus.paid)
    return None


async def _async_payment_failed(
    event: PendingEvent, session: Obj, created: int
) -> price_check.Refusal | None:
    if session.get("mode") == "payment":
        return await purchases.film_checkout(event, session, PaymentStatus.failed)
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

IGNORED, DUPLICATE = WebhookOut(result="ignored"), WebhookOut(result="duplicate")
APPLIED, REFUSED = WebhookOut(result="applied"), WebhookOut(result="refused")


async def receive(payload: bytes, signature: str | None) -> WebhookOut:
    event = verify(payload, signature)
    handler = HANDLERS.get(event["type"])
    if handler is None:
        return IGNORED
    data_object = event["data"]["object"]
    object_id = data_object.get("id")
    async with event_store.autocommit() as conn:
        pending = PendingEvent(conn, event["id"], event["type"], str(object_id) if object_id else None)
        try:
            refusal = await handler(pending, data_object, event["created"])
        except event_store.AlreadyRecorded:
            return DUPLICATE
        if not await pending.record():
            return DUPLICATE
    for user_id in pending.entitlement_changes():  # committed: playback's grants must ask again
        await grants.forget(user_id)
    if refusal is not None:
        refusal.log()
        return REFUSED  # the event stays stored: a redelivery is a duplicate
    log.info("applied %s %s (%s)", event["type"], event["id"], object_id)
    return APPLIED
