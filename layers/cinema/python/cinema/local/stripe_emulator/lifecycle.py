"""What happens to a subscription after checkout, played from the local Stripe's pages: the
next billing cycle is paid or fails (past_due), Stripe gives up (unpaid), the customer cancels
at period end, resumes, or cancels now. Each sends the events Stripe would."""

from __future__ import annotations

from cinema.local.stripe_emulator import objects
from cinema.local.stripe_emulator.fake import INTERVAL_SECONDS, Obj, StripeError, StripeFake


async def renew(fake: StripeFake, subscription_id: str) -> Obj:
    """The next billing cycle is paid (or, when past due, its open invoice finally is)."""
    sub = _live_subscription(fake, subscription_id)
    open_invoice = fake.state["invoices"].get(sub["latest_invoice"] or "")
    now = fake.tick()
    if open_invoice is not None and open_invoice["status"] == "open":
        invoice = open_invoice
        invoice.update(status="paid", amount_paid=invoice["amount_due"], amount_remaining=0)
        invoice["attempt_count"] += 1
        invoice["status_transitions"]["paid_at"] = now
    else:
        invoice = _cycle_invoice(fake, sub, paid=True, now=now)
    sub["status"] = "active"
    await fake.save()
    await fake.send([("invoice.paid", invoice), ("customer.subscription.updated", sub)])
    return sub


async def fail_renewal(fake: StripeFake, subscription_id: str) -> Obj:
    """The next billing cycle's payment fails: the subscription goes past_due."""
    sub = _live_subscription(fake, subscription_id)
    now = fake.tick()
    invoice = _cycle_invoice(fake, sub, paid=False, now=now)
    sub["status"] = "past_due"
    await fake.save()
    await fake.send([("invoice.payment_failed", invoice), ("customer.subscription.updated", sub)])
    return sub


def _cycle_invoice(fake: StripeFake, sub: Obj, *, paid: bool, now: int) -> Obj:
    item = sub["items"]["data"][0]
    start = max(item["current_period_end"], now) if paid else now
    end = start + INTERVAL_SECONDS[item["price"]["recurring"]["interval"]]
    item.update(current_period_start=start, current_period_end=end)
    if sub["cancel_at_period_end"]:
        sub["cancel_at"] = end
    invoice_id = objects.new_id("in", 24)
    invoice = objects.invoice(
        invoice_id,
        customer=sub["customer"],
        subscription_id=sub["id"],
        price_obj=item["price"],
        paid=paid,
        attempt_count=1,
        period_start=start,
        period_end=end,
        created=now,
        billing_reason="subscription_cycle",
        subscription_metadata=dict(sub["metadata"]),
    )
    fake.state["invoices"][invoice_id] = invoice
    sub["latest_invoice"] = invoice_id
    return invoice


async def cancel(fake: StripeFake, subscription_id: str, *, at_period_end: bool) -> Obj:
    sub = _live_subscription(fake, subscription_id)
    now = fake.tick()
    if at_period_end:
        sub.update(cancel_at_period_end=True, cancel_at=sub["items"]["data"][0]["current_period_end"])
        events = [("customer.subscription.updated", sub)]
    else:
        sub.update(status="canceled", canceled_at=now, ended_at=now, cancel_at=None)
        events = [("customer.subscription.deleted", sub)]
    await fake.save()
    await fake.send(events)
    return sub


async def resume(fake: StripeFake, subscription_id: str) -> Obj:
    sub = _live_subscription(fake, subscription_id)
    fake.tick()
    sub.update(cancel_at_period_end=False, cancel_at=None)
    await fake.save()
    await fake.send([("customer.subscription.updated", sub)])
    return sub


async def give_up(fake: StripeFake, subscription_id: str) -> Obj:
    """Retries are exhausted: the subscription becomes unpaid (no access, still exists)."""
    sub = _live_subscription(fake, subscription_id)
    fake.tick()
    sub["status"] = "unpaid"
    await fake.save()
    await fake.send([("customer.subscription.updated", sub)])
    return sub


def _live_subscription(fake: StripeFake, subscription_id: str) -> Obj:
    sub = fake.get("subscriptions", subscription_id, "subscription")
    if sub["status"] in ("canceled", "incomplete_expired"):
        raise StripeError(400, f"The subscription {subscription_id} is {sub['status']}.")
    return sub
