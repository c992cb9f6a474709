"""Stripe objects shaped exactly like Stripe's published examples, for the local Stripe fake
and for tests that build webhook events.

Each builder deep-copies the example of its resource from `fixtures.json` (taken
unchanged from stripe/openapi's fixtures3.json, MIT licence, Copyright (c) 2011- Stripe, Inc.)
and fills in the fields that carry meaning here; the example's placeholder values that would
mislead (a discount, shipping costs, a transfer destination ...) are set to what Stripe sends
when they do not apply. Every key of the example stays, and no key is added but one that
Stripe's API documents and the example leaves out (an invoice line's pricing.price_details).
"""

from __future__ import annotations

import copy
import json
import secrets
import string
from functools import lru_cache
from pathlib import Path
from typing import Any

Obj = dict[str, Any]

API_VERSION = "2025-09-30.clover"

# The products and prices of the local Stripe account: the plans migration 0005 seeds sell these.
LOCAL_PRICES: dict[str, Obj] = {
    "price_cinema_monthly": {
        "product": "prod_cinema_subscription",
        "product_name": "Cinema subscription",
        "unit_amount": 29900,
        "currency": "rub",
        "interval": "month",
    },
    "price_cinema_yearly": {
        "product": "prod_cinema_subscription",
        "product_name": "Cinema subscription",
        "unit_amount": 299000,
        "currency": "rub",
        "interval": "year",
    },
}

_ALPHABET = string.ascii_letters + string.digits


@lru_cache
def _fixtures() -> dict[str, Obj]:
    path = Path(__file__).with_name("fixtures.json")
    return json.loads(path.read_text(encoding="utf-8"))["resources"]


def template(resource: str) -> Obj:
    """A fresh copy of Stripe's example `resource` (e.g. "checkout.session")."""
    return copy.deepcopy(_fixtures()[resource])


def new_id(prefix: str, length: int = 24) -> str:
    return f"{prefix}_{''.join(secrets.choice(_ALPHABET) for _ in range(length))}"


def price(
    price_id: str, *, unit_amount: int, currency: str, interval: str | None, product: str, created: int
) -> Obj:
    obj = template("price")
    obj.update(
        id=price_id,
        created=created,
        currency=currency,
        product=product,
        unit_amount=unit_amount,
        unit_amount_decimal=str(unit_amount),
        type="recurring" if interval else "one_time",
        transform_quantity=None,
    )
    if interval:
        obj["recurring"].update(interval=interval, interval_count=1)
    else:
        obj["recurring"] = None
    return obj


def customer(
    customer_id: str, *, email: str | None, name: str | None, metadata: dict[str, str], created: int
) -> Obj:
    obj = template("customer")
    obj.update(
        id=customer_id,
        email=email,
        name=name,
        metadata=metadata,
        created=created,
        currency=None,
        discount=None,
        invoice_prefix=customer_id[-8:].upper(),
    )
    return obj


def checkout_session(
    session_id: str,
    *,
    mode: str,
    customer: str | None,
    client_reference_id: str | None,
    metadata: dict[str, str],
    amount_total: int,
    currency: str,
    success_url: str,
    cancel_url: str,
    url: str,
    created: int,
    expires_at: int,
) -> Obj:
    obj = template("checkout.session")
    obj.update(
        id=session_id,
        mode=mode,
        customer=customer,
        client_reference_id=client_reference_id,
        metadata=metadata,
        amount_subtotal=amount_total,
        amount_total=amount_total,
        currency=currency,
        success_url=success_url,
        cancel_url=cancel_url,
        url=url,
        created=created,
        expires_at=expires_at,
        status="open",
        payment_status="unpaid",
        payment_intent=None,
        subscription=None,
        invoice=None,
        shipping_address_collection=None,
        shipping_cost=None,
        currency_conversion=None,
        after_expiration=None,
        collected_information=None,
        customer_details=None,
        invoice_creation=None if mode == "subscription" else obj["invoice_creation"],
    )
    obj["total_details"] = {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0}
    if obj["invoice_creation"] is not None:
        obj["invoice_creation"]["enabled"] = False
    return obj


def subscription(
    subscription_id: str,
    *,
    customer: str,
    price_obj: Obj,
    status: str,
    period_start: int,
    period_end: int,
    cancel_at_period_end: bool,
    metadata: dict[str, str],
    created: int,
    latest_invoice: str | None,
    canceled_at: int | None = None,
) -> Obj:
    obj = template("subscription")
    item = obj["items"]["data"][0]
    item.update(
        id=new_id("si", 14),
        created=created,
        price=copy.deepcopy(price_obj),
        subscription=subscription_id,
        current_period_start=period_start,
        current_period_end=period_end,
        plan=_legacy_plan(price_obj),
    )
    obj["items"]["url"] = f"/v1/subscription_items?subscription={subscription_id}"
    obj.update(
        id=subscription_id,
        customer=customer,
        status=status,
        metadata=metadata,
        created=created,
        start_date=created,
        billing_cycle_anchor=period_start,
        billing_cycle_anchor_config=None,
        currency=price_obj["currency"],
        cancel_at_period_end=cancel_at_period_end,
        cancel_at=period_end if cancel_at_period_end else None,
        canceled_at=canceled_at,
        ended_at=canceled_at if status == "canceled" else None,
        latest_invoice=latest_invoice,
        trial_start=None,
        trial_end=None,
        next_pending_invoice_item_invoice=None,
        pending_invoice_item_interval=None,
        pending_update=None,
        transfer_data=None,
        billing_schedules=[],
    )
    return obj


def _legacy_plan(price_obj: Obj) -> Obj:
    plan = copy.deepcopy(template("subscription")["items"]["data"][0]["plan"])
    recurring = price_obj.get("recurring") or {}
    plan.update(
        id=price_obj["id"],
        amount=price_obj["unit_amount"],
        amount_decimal=str(price_obj["unit_amount"]),
        billing_scheme="per_unit",
        created=price_obj["created"],
        currency=price_obj["currency"],
        interval=recurring.get("interval", "month"),
        interval_count=1,
        livemode=False,
        metadata={},
        product=price_obj["product"],
        transform_usage=None,
    )
    return plan


def invoice(
    invoice_id: str,
    *,
    customer: str,
    subscription_id: str,
    price_obj: Obj,
    paid: bool,
    attempt_count: int,
    period_start: int,
    period_end: int,
    created: int,
    billing_reason: str,
    subscription_metadata: dict[str, str],
) -> Obj:
    amount = price_obj["unit_amount"]
    currency = price_obj["currency"]
    obj = template("invoice")
    line = obj["lines"]["data"][0]
    line.update(
        id=new_id("il", 24),
        invoice=invoice_id,
        amount=amount,
        currency=currency,
        description=f"1 × {price_obj['product']} (at {amount / 100:.2f} / {price_obj['recurring']['interval']})",
        period={"start": period_start, "end": period_end},
        subtotal=amount,
        discount_amounts=[],
        discounts=[],
    )
    line["parent"] = {
        "invoice_item_details": None,
        "subscription_item_details": {
            "invoice_item": None,
            "proration": False,
            "proration_details": {"credited_items": None},
            "subscription": subscription_id,
            "subscription_item": new_id("si", 14),
        },
        "type": "subscription_item_details",
    }
    # price_details is in Stripe's API (present when type is price_details) but not in the example
    line["pricing"].update(
        price_details={"price": price_obj["id"], "product": price_obj["product"]},
        unit_amount_decimal=str(amount),
    )
    obj["lines"]["url"] = f"/v1/invoices/{invoice_id}/lines"
    obj.update(
        id=invoice_id,
        customer=customer,
        currency=currency,
        amount_due=amount,
        amount_paid=amount if paid else 0,
        amount_remaining=0 if paid else amount,
        amount_overpaid=0,
        subtotal=amount,
        subtotal_excluding_tax=amount,
        total=amount,
        total_excluding_tax=amount,
        attempt_count=attempt_count,
        attempted=attempt_count > 0,
        billing_reason=billing_reason,
        status="paid" if paid else "open",
        created=created,
        effective_at=created,
        due_date=None,
        period_start=period_start,
        period_end=period_start,
        next_payment_attempt=None if paid else created + 3 * 86400,
        webhooks_delivered_at=created,
        last_finalization_error=None,
        from_invoice=None,
        shipping_cost=None,
        number=f"{customer[-6:].upper()}-{invoice_id[-4:].upper()}",
    )
    obj["status_transitions"].update(finalized_at=created, paid_at=created if paid else None)
    obj["parent"] = {
        "quote_details": None,
        "subscription_details": {"metadata": subscription_metadata, "subscription": subscription_id},
        "type": "subscription_details",
    }
    return obj


def portal_session(session_id: str, *, customer: str, return_url: str | None, url: str, created: int) -> Obj:
    obj = template("billing_portal.session")
    obj.update(
        id=session_id,
        customer=customer,
        return_url=return_url,
        url=url,
        created=created,
        livemode=False,
        flow=None,
        configuration="bpc_local_default",
    )
    return obj


def event(event_type: str, data_object: Obj, *, created: int, event_id: str | None = None) -> Obj:
    obj = template("event")
    obj.update(
        id=event_id or new_id("evt", 24),
        type=event_type,
        created=created,
        api_version=API_VERSION,
        pending_webhooks=1,
    )
    obj["data"] = {"object": data_object}
    obj["request"] = {"id": None, "idempotency_key": None}
    return obj
