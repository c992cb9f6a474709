"""Stripe's one-off payment objects (a payment intent, its charge, a refund of it), built like
the other objects (objects.py): Stripe's published example with the fields that carry meaning
filled in."""

from __future__ import annotations

from cinema.local.stripe_emulator.objects import Obj, new_id, template


def payment_intent(
    intent_id: str,
    *,
    amount: int,
    currency: str,
    customer: str | None,
    description: str | None,
    metadata: dict[str, str],
    status: str,
    latest_charge: str | None,
    created: int,
) -> Obj:
    obj = template("payment_intent")
    obj.update(
        id=intent_id,
        amount=amount,
        amount_received=amount if status == "succeeded" else 0,
        currency=currency,
        customer=customer,
        description=description,
        metadata=metadata,
        status=status,
        latest_charge=latest_charge,
        created=created,
        canceled_at=None,
        client_secret=f"{intent_id}_secret_{new_id('s', 24)[2:]}",
        last_payment_error=None,
        next_action=None,
        processing=None,
        transfer_data=None,
    )
    return obj


def charge(
    charge_id: str,
    *,
    payment_intent: str,
    customer: str | None,
    amount: int,
    currency: str,
    description: str | None,
    metadata: dict[str, str],
    created: int,
    refunds: list[Obj],
) -> Obj:
    refunded_amount = sum(r["amount"] for r in refunds)
    obj = template("charge")
    obj.update(
        id=charge_id,
        payment_intent=payment_intent,
        customer=customer,
        amount=amount,
        amount_captured=amount,
        amount_refunded=refunded_amount,
        refunded=refunded_amount >= amount,
        captured=True,
        currency=currency,
        description=description,
        metadata=metadata,
        created=created,
        balance_transaction=new_id("txn", 24),
        source=None,
        transfer_data=None,
        receipt_url=None,
    )
    obj["refunds"] = {
        "data": refunds,
        "has_more": False,
        "object": "list",
        "url": f"/v1/charges/{charge_id}/refunds",
    }
    return obj


def refund(
    refund_id: str, *, charge_id: str, payment_intent: str, amount: int, currency: str, created: int
) -> Obj:
    obj = template("refund")
    obj.update(
        id=refund_id,
        charge=charge_id,
        payment_intent=payment_intent,
        amount=amount,
        currency=currency,
        created=created,
        status="succeeded",
        reason="requested_by_customer",
    )
    return obj
