"""POST /payments/webhook: Stripe's events, verified, accepted durably, applied once, in any order.

1. The signature is checked over the raw body (Stripe's `WebhookSignature.verify_header`: HMAC
   with the endpoint's secret, timestamp at most 5 minutes old) before anything is read or
   stored: a bad, missing or stale signature is a 400 and touches nothing. The verified body
   is then parsed as plain JSON: the handlers read plain dicts, and building the SDK's
   StripeObjects (`construct_event`) cost more than everything else the route does. A handled
   event whose times cannot be dates is a 400 too (stripe_fields.check_times).
2. The verified event is accepted into the inbox (inbox.py: one INSERT of its id, type and
   signed body, in autocommit) and answered 200 `accepted`: it is durable before Stripe hears
   back, and a redelivery of an event waiting or applied is answered `duplicate` and changes
   nothing. The route opens no request session: it would only add BEGIN and COMMIT.
3. The applier (applier.py), woken at once, applies accepted events in batches off the request
   path: the event id is inserted into webhook_events in the same transaction as its effect
   (event_store.py), the inbox row goes in that transaction too, and the playback grants are
   forgotten once it commits. Access follows within milliseconds when the server is idle; the
   checkout success page polls for it.
4. The effects (billing.py, purchases.py) are order-independent: see their docstrings.
5. Nothing is granted for less than the platform's price (price_check.py): such an event is
   stored, grants nothing and is logged for a person to refund.
Types not handled are answered 200 `ignored` and not stored.
"""

from __future__ import annotations

import json
from typing import Any

import stripe

from cinema.core import metrics
from cinema.core.settings import get_settings
from cinema.payments import applier, inbox
from cinema.payments import stripe_fields as f
from cinema.payments.errors import InvalidEvent, InvalidSignature, PaymentsNotConfigured
from cinema.payments.schemas import WebhookOut

TOLERANCE_S = 300

Obj = dict[str, Any]


def verify(payload: bytes, signature: str | None) -> Obj:
    """The event, as a plain dict, if Stripe signed exactly these bytes within TOLERANCE_S."""
    secret = get_settings().stripe_webhook_secret.get_secret_value()
    if not secret:
        raise PaymentsNotConfigured("the webhook secret is not configured")
    try:
        stripe.WebhookSignature.verify_header(payload, signature, secret, tolerance=TOLERANCE_S)
    except stripe.SignatureVerificationError as exc:
        metrics.count("Webhooks", type="unknown", outcome="refused")
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


# The three answers, serialized once.
ACCEPTED, DUPLICATE, IGNORED = (
    WebhookOut(result=result).model_dump_json().encode() for result in ("accepted", "duplicate", "ignored")
)


async def receive(payload: bytes, signature: str | None) -> bytes:
    """The answer (a WebhookOut's JSON) to a delivery; raises the 400s and 503."""
    event = verify(payload, signature)
    if event["type"] not in applier.HANDLERS:
        metrics.count("Webhooks", type="other", outcome="ignored")  # any type: keep the dimension small
        return IGNORED
    f.check_times(event["data"]["object"])
    if not await inbox.accept(event["id"], event["type"], payload):
        metrics.count("Webhooks", type=event["type"], outcome="duplicate")
        return DUPLICATE
    await applier.wake()
    metrics.count("Webhooks", type=event["type"], outcome="accepted")
    return ACCEPTED
