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

Only a plan's subscription at the plan's price counts (price_check.py): a snapshot whose
Stripe price is neither a plan's own price nor a plan's amount and currency, a subscription
checkout that paid less than its plan, and a paid invoice of no accepted subscription at a
plan's price are refused (nothing written, nothing granted).
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from cinema.payments import price_check
from cinema.payments import repository as repo
from cinema.payments import stripe_fields as f
from cinema.payments.models import PaymentKind, PaymentStatus, Plan

log = logging.getLogger("cinema.payments.billing")

STATUS_RANK = {
    "incomplete": 0,
    "trialing": 1,
    "active": 2,
    "paused": 3,
    "past_due": 4,
    "unpaid": 5,
    "incomplete_expired": 6,
    "canceled": 7,
}
TERMINAL = frozenset({"canceled", "incomplete_expired"})


async def user_of(db: AsyncSession, customer: str | None, metadata: dict[str, str]) -> uuid.UUID | None:
    """Whose it is: the customer we made for the user, else the user id we put in metadata."""
    if customer:
        found = await repo.user_for_customer(db, customer)
        if found is not None:
            return found
    candidate = f.as_uuid(metadata.get("user_id"))
    if candidate is not None and await repo.user_exists(db, candidate):
        return candidate
    return None


async def plan_of(db: AsyncSession, price_id: str | None, metadata: dict[str, str]) -> Plan | None:
    if price_id:
        plan = await repo.plan_by_price(db, price_id)
        if plan is not None:
            return plan
    plan_id = f.as_uuid(metadata.get("plan_id"))
    return await repo.get_plan(db, plan_id) if plan_id else None


async def sold_plan(db: AsyncSession, price: f.Obj, metadata: dict[str, str]) -> Plan | None:
    """The plan a Stripe price sells: the plan whose own price it is, else the plan named in
    the metadata if the price charges that plan's amount and currency; else None."""
    price_id = price.get("id")
    plan = await repo.plan_by_price(db, str(price_id)) if price_id else None
    if plan is not None:
        return plan
    plan_id = f.as_uuid(metadata.get("plan_id"))
    plan = await repo.get_plan(db, plan_id) if plan_id else None
    if plan is not None and price_check.covers(
        price.get("unit_amount"), price.get("currency"), plan.price_amount, plan.price_currency
    ):
        return plan
    return None


async def subscription_changed(db: AsyncSession, subscription: f.Obj, created: int) -> str | None:
    """customer.subscription.created / updated / deleted: apply the snapshot if it is newer."""
    metadata = f.metadata(subscription)
    user_id = await user_of(db, subscription.get("customer"), metadata)
    if user_id is None:
        log.info("subscription %s belongs to no user of ours: ignored", subscription.get("id"))
        return None
    price = f.subscription_item(subscription).get("price") or {}
    plan = await sold_plan(db, price, metadata)
    if plan is None:
        return price_check.refuse(
            "subscription",
            subscription.get("id"),
            paid=f"{price.get('unit_amount')} {price.get('currency')} (price {price.get('id')})",
            price="a plan's price",
        )
    start, end = f.subscription_period(subscription)
    values = {
        "user_id": user_id,
        "stripe_customer_id": str(subscription.get("customer") or ""),
        "plan_id": plan.id if plan else None,
        "status": str(subscription["status"]),
        "current_period_start": start,
        "current_period_end": end,
        "cancel_at_period_end": bool(subscription.get("cancel_at_period_end")),
        "version": created,
    }
    await repo.upsert_snapshot(
        db,
        {"stripe_subscription_id": str(subscription["id"]), **values},
        status_rank=STATUS_RANK,
        terminal=TERMINAL,
    )
    return None


async def subscription_checkout(db: AsyncSession, session: f.Obj) -> str | None:
    """A subscription checkout was paid: a provisional row until the subscription's snapshot."""
    subscription_id = session.get("subscription")
    status = {"paid": "active", "no_payment_required": "trialing"}.get(str(session.get("payment_status")))
    if not subscription_id or status is None:
        return None
    metadata = f.metadata(session)
    user_id = await user_of(db, session.get("customer"), metadata)
    if user_id is None:
        return None
    plan = await plan_of(db, None, metadata)
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
    await repo.merge_provisional_subscription(
        db,
        {
            "stripe_subscription_id": str(subscription_id),
            "stripe_customer_id": str(session.get("customer") or ""),
            "user_id": user_id,
            "plan_id": plan.id,
            "status": status,
        },
    )
    return None


async def invoice_paid(db: AsyncSession, invoice: f.Obj, created: int) -> str | None:
    return await _invoice(db, invoice, PaymentStatus.paid)


async def invoice_payment_failed(db: AsyncSession, invoice: f.Obj, created: int) -> str | None:
    return await _invoice(db, invoice, PaymentStatus.failed)


async def _at_plan_price(db: AsyncSession, invoice: f.Obj, subscription_id: str, plan: Plan | None) -> bool:
    """A paid invoice of a plan's price, of a subscription already accepted at one (renewals may
    prorate), or of the plan's amount and currency."""
    if plan is None:
        return False
    if plan.stripe_price_id == f.invoice_price(invoice):
        return True
    if await repo.plan_of_subscription(db, subscription_id) is not None:
        return True
    return price_check.covers(
        invoice.get("amount_paid"), invoice.get("currency"), plan.price_amount, plan.price_currency
    )


async def _invoice(db: AsyncSession, invoice: f.Obj, status: PaymentStatus) -> str | None:
    subscription_id = f.invoice_subscription(invoice)
    if not subscription_id:
        return None  # not a subscription's invoice: nothing of ours
    metadata = f.invoice_metadata(invoice)
    user_id = await user_of(db, invoice.get("customer"), metadata)
    if user_id is None:
        log.info("invoice %s belongs to no user of ours: ignored", invoice.get("id"))
        return None
    plan = await plan_of(db, f.invoice_price(invoice), metadata) or await repo.plan_of_subscription(
        db, subscription_id
    )
    paid = status is PaymentStatus.paid
    if paid and not await _at_plan_price(db, invoice, subscription_id, plan):
        return price_check.refuse(
            "invoice",
            invoice.get("id"),
            paid=f"{invoice.get('amount_paid')} {invoice.get('currency')}",
            price=f"{plan.price_amount} {plan.price_currency}" if plan else "no plan",
        )
    await repo.upsert_payment(
        db,
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
        await repo.merge_provisional_subscription(
            db,
            {
                "stripe_subscription_id": subscription_id,
                "stripe_customer_id": str(invoice.get("customer") or ""),
                "user_id": user_id,
                "plan_id": plan.id if plan else None,
                "status": "active",
                "current_period_start": start,
                "current_period_end": end,
            },
        )
    return None
