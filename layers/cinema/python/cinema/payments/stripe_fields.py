"""Reading Stripe objects (plain dicts from a verified event) across API versions: a
subscription's period moved onto its items, an invoice's subscription into `parent`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from cinema.payments.errors import InvalidEvent

Obj = dict[str, Any]

# Stripe's times are whole seconds since the epoch; past this one no date exists (year 9999).
LAST_SECOND = 253_402_300_799


def is_epoch(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= LAST_SECOND


def stamp(value: Any) -> datetime | None:
    """A Stripe time as a datetime (None for none); anything else makes the event invalid (400)."""
    if value is None or value == 0:
        return None
    if not is_epoch(value):
        raise InvalidEvent("a time in the event is not a Unix time")
    return datetime.fromtimestamp(value, UTC)


def metadata(obj: Obj) -> dict[str, str]:
    return dict(obj.get("metadata") or {})


def as_uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def subscription_item(subscription: Obj) -> Obj:
    items = (subscription.get("items") or {}).get("data") or []
    return items[0] if items else {}


def subscription_period(subscription: Obj) -> tuple[datetime | None, datetime | None]:
    item = subscription_item(subscription)
    start = item.get("current_period_start") or subscription.get("current_period_start")
    end = item.get("current_period_end") or subscription.get("current_period_end")
    return stamp(start), stamp(end)


def subscription_price(subscription: Obj) -> str | None:
    return (subscription_item(subscription).get("price") or {}).get("id")


def invoice_line(invoice: Obj) -> Obj:
    lines = (invoice.get("lines") or {}).get("data") or []
    return lines[0] if lines else {}


def invoice_subscription(invoice: Obj) -> str | None:
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    line_details = (invoice_line(invoice).get("parent") or {}).get("subscription_item_details") or {}
    return details.get("subscription") or invoice.get("subscription") or line_details.get("subscription")


def invoice_metadata(invoice: Obj) -> dict[str, str]:
    """The subscription's metadata as Stripe copied it onto the invoice."""
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return dict(details.get("metadata") or invoice.get("subscription_details", {}).get("metadata") or {})


def invoice_price(invoice: Obj) -> str | None:
    line = invoice_line(invoice)
    details = (line.get("pricing") or {}).get("price_details") or {}
    return details.get("price") or (line.get("price") or {}).get("id") or (line.get("plan") or {}).get("id")


def invoice_period(invoice: Obj) -> tuple[datetime | None, datetime | None]:
    period = invoice_line(invoice).get("period") or {}
    return stamp(period.get("start")), stamp(period.get("end"))


def check_times(obj: Obj) -> None:
    """Read every time a rule may read in a handled event's object (billing.py, purchases.py),
    so that an impossible one is refused (400) when the event arrives, before it is accepted:
    the rules run later, off the request (applier.py)."""
    stamp(obj.get("created"))
    subscription_period(obj)
    invoice_period(obj)
    for refund in (obj.get("refunds") or {}).get("data") or []:
        stamp(refund.get("created"))


def currency(obj: Obj) -> str:
    return str(obj.get("currency") or "").upper()
