"""Subscriptions and their invoices, as webhook events report them.

Ordering. A subscription's state is the snapshot carried by its customer.subscription.*
events; of all snapshots delivered, the row keeps the greatest by
(terminal, event created, status rank, period end, cancel_at_period_end):
- a canceled (or incomplete_expired) subscription never comes back, whatever arrives late;
- otherwise the newer event wins, and within one second the later status in the lifecycle.
That is a total order, so any delivery order (and any duplicates) leaves the same row.
Before the first snapshot, checkout.session.completed and invoice.paid leave a provisional
row (version 0, active) so that a paying user is not kept waiting; any snapshot replaces it.

Invoices are the subscription's lines of the payment history: one per invoice, whose status
only moves up (failed -> paid; a late payment_failed never undoes paid).

Each handler asks the database once (`PendingEvent.look_up`) and chooses its upserts, which
`PendingEvent.record` writes with the event's id in one statement (event_store.py).

Only a plan's subscription at the plan's price counts (price_check.py): a snapshot whose
Stripe price is neither a plan's own price nor a plan's amount and currency, a subscription
checkout that paid less than its plan, and a paid invoice of no accepted subscription at a
plan's price are refused (nothing written, nothing granted).
"""

from __future__ import annotations

import logging
import uuid

from cinema.payments import price_check
from cinema.payments import stripe_fields as f
from cinema.payments.event_store import Facts, PendingEvent, PlanTerms
from cinema.payments.models import PaymentKind, PaymentStatus

log = logging.getLogger("cinema.payments.billing")


def user_of(facts: Facts) -> uuid.UUID | None:
    """Whose it is: the customer we made for the user, else the user id we put in metadata
    (looked up as `customer` and `user_id`)."""
    return facts.customer_user or facts.known_user


def plan_of(facts: Facts) -> PlanTerms | None:
    """The plan whose own price it is, else the plan named in the metadata (looked up as
    `price_id` and `plan_id`)."""
    return facts.plan_of_price or facts.plan


def sold_plan(facts: Facts, price: f.Obj) -> PlanTerms | None:
    """The plan a Stripe price sells: the plan whose own price it is, else the plan named in
    the metadata if the price charges that plan's amount and currency; else None."""
    if facts.plan_of_price is not None:
        return facts.plan_of_price
    plan = facts.plan
    if plan is not None and price_check.covers(
        price.get("unit_amount"), price.get("currency"), plan.price_amount, plan.price_currency
    ):
        return plan
    return None


async def subscription_changed(
    event: PendingEvent, subscription: f.Obj, created: int
) -> price_check.Refusal | None:
    """customer.subscription.created / updated / deleted: apply the snapshot if it is newer."""
    metadata = f.metadata(subscription)
    price = f.subscription_item(subscription).get("price") or {}
    facts = await event.look_up(
        customer=subscription.get("customer"),
        user_id=f.as_uuid(metadata.get("user_id")),
        price_id=price.get("id"),
        plan_id=f.as_uuid(metadata.get("plan_id")),
    )
    user_id = user_of(facts)
    if user_id is None:
        log.info("subscription %s belongs to no user of ours: ignored", subscription.get("id"))
        return None
    plan = sold_plan(facts, price)
    if plan is None:
        return price_check.refuse(
            "subscription",
            subscription.get("id"),
            paid=f"{price.get('unit_amount')} {price.get('currency')} (price {price.get('id')})",
            price="a plan's price",
        )
    start, end = f.subscription_period(subscription)
    event.upsert_snapshot(
        {
            "stripe_subscription_id": str(subscription["id"]),
            "user_id": user_id,
            "stripe_customer_id": str(subscription.get("customer") or ""),
            "plan_id": plan.id,
            "status": str(subscription["status"]),
            "current_period_start": start,
            "current_period_end": end,
            "cancel_at_period_end": bool(subscription.get("cancel_at_period_end")),
            "version": created,
        }
    )
    return None


async def subscription_checkout(event: PendingEvent, session: f.Obj) -> price_check.Refusal | None:
    """A subscription checkout was paid: a provisional row until the subscription's snapshot."""
    subscription_id = session.get("subscription")
    status = {"paid": "active", "no_payment_required": "trialing"}.get(str(session.get("payment_status")))
    if not subscription_id or status is None:
        return None
    metadata = f.metadata(session)
    facts = await event.look_up(
        customer=session.get("customer"),
        user_id=f.as_uuid(metadata.get("user_id")),
        plan_id=f.as_uuid(metadata.get("plan_id")),
    )
    user_id = user_of(facts)
    if user_id is None:
        return None
    plan = facts.plan
    paid = session.get("amount_total"), session.get("currency")
    if plan is None or (
        status == "active" and not price_check.covers(*paid, plan.price_amount, plan.price_currency)
    ):
        return price_check.refuse(
            "subscription checkout",
            session.get("id"),
            paid=f"{paid[0]} {paid[1]}",
            price=f"{plan.price_amount} {plan.price_currency}" if plan else "no plan",
        )
    event.merge_provisional_subscription(
        {
            "stripe_subscription_id": str(subscription_id),
            "stripe_customer_id": str(session.get("customer") or ""),
            "user_id": user_id,
            "plan_id": plan.id,
            "status": status,
        }
    )
    return None


async def invoice_paid(event: PendingEvent, invoice: f.Obj, created: int) -> price_check.Refusal | None:
    return await _invoice(event, invoice, PaymentStatus.paid)


async def invoice_payment_failed(
    event: PendingEvent, invoice: f.Obj, created: int
) -> price_check.Refusal | None:
    return await _invoice(event, invoice, PaymentStatus.failed)


def _at_plan_price(facts: Facts, invoice: f.Obj, plan: PlanTerms | None) -> bool:
    """A paid invoice of a plan's price, of a subscription already accepted at one (renewals may
    prorate), or of the plan's amount and currency."""
    if plan is None:
        return False
    if plan.stripe_price_id == f.invoice_price(invoice):
        return True
    if facts.plan_of_subscription is not None:
        return True
    return price_check.covers(
        invoice.get("amount_paid"), invoice.get("currency"), plan.price_amount, plan.price_currency
    )


async def _invoice(event: PendingEvent, invoice: f.Obj, status: PaymentStatus) -> price_check.Refusal | None:
    subscription_id = f.invoice_subscription(invoice)
    if not subscription_id:
        return None  # not a subscription's invoice: nothing of ours
    metadata = f.invoice_metadata(invoice)
    facts = await event.look_up(
        customer=invoice.get("customer"),
        user_id=f.as_uuid(metadata.get("user_id")),
        price_id=f.invoice_price(invoice),
        plan_id=f.as_uuid(metadata.get("plan_id")),
        subscription_id=subscription_id,
    )
    user_id = user_of(facts)
    if user_id is None:
        log.info("invoice %s belongs to no user of ours: ignored", invoice.get("id"))
        return None
    plan = plan_of(facts) or facts.plan_of_subscription
    paid = status is PaymentStatus.paid
    if paid and not _at_plan_price(facts, invoice, plan):
        return price_check.refuse(
            "invoice",
            invoice.get("id"),
            paid=f"{invoice.get('amount_paid')} {invoice.get('currency')}",
            price=f"{plan.price_amount} {plan.price_currency}" if plan else "no plan",
        )
    event.upsert_payment(
        {
            "user_id": user_id,
            "kind": PaymentKind.subscription,
            "status": status,
            "amount": int(invoice.get("amount_paid" if paid else "amount_due") or 0),
            "currency": f.currency(invoice),
            "description": plan.name if plan else "Subscription",
            "plan_id": plan.id if plan else None,
            "stripe_invoice_id": str(invoice["id"]),
            "stripe_subscription_id": subscription_id,
            "created_at": f.stamp(invoice.get("created")),
        },
        key="stripe_invoice_id",
    )
    if paid:
        start, end = f.invoice_period(invoice)
        event.merge_provisional_subscription(
            {
                "stripe_subscription_id": subscription_id,
                "stripe_customer_id": str(invoice.get("customer") or ""),
                "user_id": user_id,
                "plan_id": plan.id if plan else None,
                "status": "active",
                "current_period_start": start,
                "current_period_end": end,
            }
        )
    return None
