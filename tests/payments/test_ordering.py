"""Out-of-order deliveries never regress state: the objects' own timestamps and statuses decide."""

from __future__ import annotations

import itertools
import time

import pytest
from tests.payments.stripe_events import (
    API,
    DAY,
    charge,
    event,
    film_session,
    invoice,
    link_customer,
    post,
    purchase_status,
    rows,
    subscription,
    subscription_row,
    subscription_session,
)

from cinema.local.stripe_emulator import objects as stripe_objects


def new(prefix: str) -> str:
    return stripe_objects.new_id(prefix)


async def _reset_payments() -> None:
    from sqlalchemy import text  # noqa: PLC0415

    from cinema.core import db  # noqa: PLC0415

    async with db.engine().begin() as conn:
        await conn.execute(text("TRUNCATE webhook_events, subscriptions, purchases, payments"))


async def test_a_canceled_subscription_never_comes_back(client, viewer, plans):
    customer = await link_customer(viewer.id)
    sub_id, now = new("sub"), int(time.time())
    created = event(
        "customer.subscription.created", subscription(sub_id, customer, start=now - 100), created=now - 100
    )
    renewed = event(
        "customer.subscription.updated",
        subscription(sub_id, customer, start=now - 50, end=now + 60 * DAY),
        created=now - 50,
    )
    deleted = event(
        "customer.subscription.deleted",
        subscription(sub_id, customer, start=now - 50, status="canceled"),
        created=now,
    )
    # even an "active" event stamped later than the cancellation cannot revive it
    late_active = event(
        "customer.subscription.updated", subscription(sub_id, customer, start=now + 10), created=now + 10
    )
    events = [created, renewed, deleted, late_active]
    finals = set()
    for order in itertools.permutations(events):
        await _reset_payments()
        for e in order:
            assert (await post(client, e)).status_code == 200
        row = await subscription_row(sub_id)
        finals.add((row["status"], row["version"]))
    assert finals == {("canceled", now)}
    assert (await client.get(f"{API}/me/subscription", headers=viewer.auth)).json()["status"] == "canceled"


async def test_an_older_snapshot_does_not_overwrite_a_newer_one(client, viewer, plans):
    customer = await link_customer(viewer.id)
    sub_id, now = new("sub"), int(time.time())
    past_due = subscription(sub_id, customer, start=now - 20, status="past_due")
    active_before = subscription(sub_id, customer, start=now - 40 * DAY)
    await post(client, event("customer.subscription.updated", past_due, created=now - 20))
    await post(client, event("customer.subscription.updated", active_before, created=now - 40 * DAY))
    row = await subscription_row(sub_id)
    assert (row["status"], row["version"]) == ("past_due", now - 20)
    # and the newer snapshot in turn gives way to a still newer one
    recovered = subscription(sub_id, customer, start=now - 20)
    await post(client, event("customer.subscription.updated", recovered, created=now - 10))
    assert (await subscription_row(sub_id))["status"] == "active"


async def test_snapshots_of_the_same_second_settle_the_same_way_in_any_order(client, viewer, plans):
    customer = await link_customer(viewer.id)
    sub_id, now = new("sub"), int(time.time())
    same_second = [
        event(
            "customer.subscription.updated",
            subscription(sub_id, customer, start=now, status=status),
            created=now,
        )
        for status in ("active", "past_due", "incomplete")
    ]
    finals = set()
    for order in itertools.permutations(same_second):
        await _reset_payments()
        for e in order:
            await post(client, e)
        finals.add((await subscription_row(sub_id))["status"])
    assert finals == {"past_due"}  # the later status in the lifecycle


async def test_a_late_checkout_completion_does_not_undo_a_cancellation(client, viewer, plans):
    customer = await link_customer(viewer.id)
    sub_id, now = new("sub"), int(time.time())
    await post(
        client,
        event(
            "customer.subscription.deleted",
            subscription(sub_id, customer, start=now, status="canceled"),
            created=now,
        ),
    )
    session = subscription_session(
        new("cs_test"), user_id=str(viewer.id), plan_id=plans["month"]["id"], customer=customer, sub_id=sub_id
    )
    await post(client, event("checkout.session.completed", session, created=now - 5))
    await post(client, event("invoice.paid", invoice(new("in"), customer, sub_id, paid=True, start=now - 5)))
    assert (await subscription_row(sub_id))["status"] == "canceled"


async def test_a_failure_reported_late_never_undoes_a_payment(client, viewer, plans):
    customer = await link_customer(viewer.id)
    sub_id, invoice_id, now = new("sub"), new("in"), int(time.time())
    await post(client, event("invoice.paid", invoice(invoice_id, customer, sub_id, paid=True, start=now)))
    await post(
        client, event("invoice.payment_failed", invoice(invoice_id, customer, sub_id, paid=False, start=now))
    )
    [line] = (await client.get(f"{API}/me/payments", headers=viewer.auth)).json()["items"]
    assert line["status"] == "paid"


@pytest.mark.parametrize("refund_first", [False, True])
async def test_a_refund_revokes_whichever_arrives_first(client, viewer, catalog, refund_first):
    film = await catalog.film(title="Зеркало", access="purchase", price={"amount": 9900, "currency": "RUB"})
    intent = new("pi")
    metadata = {"user_id": str(viewer.id), "kind": "film", "film_id": film["id"]}
    completed = event(
        "checkout.session.completed",
        film_session(new("cs_test"), user_id=str(viewer.id), film_id=film["id"], amount=9900, intent=intent),
    )
    refunded = event(
        "charge.refunded", charge(new("ch"), intent=intent, amount=9900, refunded=9900, metadata=metadata)
    )
    for e in (refunded, completed) if refund_first else (completed, refunded):
        assert (await post(client, e)).status_code == 200
    assert await purchase_status(intent) == "refunded"
    [line] = (await client.get(f"{API}/me/payments", headers=viewer.auth)).json()["items"]
    assert (line["status"], line["film_id"], line["amount"]) == ("refunded", film["id"], 9900)
    # the film is not watchable, and can be bought again
    assert (await client.get(f"{API}/films/{film['id']}/play", headers=viewer.auth)).status_code == 402
    assert await rows("SELECT status FROM purchases") == [{"status": "refunded"}]


async def test_delayed_payment_events_in_any_order(client, viewer, catalog):
    film = await catalog.film(
        title="Иваново детство", access="purchase", price={"amount": 4900, "currency": "RUB"}
    )
    intent = new("pi")
    unpaid = film_session(
        new("cs_test"), user_id=str(viewer.id), film_id=film["id"], amount=4900, intent=intent, paid=False
    )
    completed = event("checkout.session.completed", unpaid)
    succeeded = event("checkout.session.async_payment_succeeded", unpaid | {"payment_status": "paid"})
    for order in itertools.permutations([completed, succeeded]):
        await _reset_payments()
        for e in order:
            await post(client, e)
        assert await purchase_status(intent) == "paid"
        assert [p["status"] for p in await rows("SELECT status FROM payments")] == ["paid"]
