"""Each handled event type, duplicates and unknown types, through POST /payments/webhook."""

from __future__ import annotations

import time

import pytest
from tests.payments.stripe_events import (
    API,
    DAY,
    charge,
    counts,
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


@pytest.fixture
async def film(catalog):
    return await catalog.film(title="Сталкер", access="purchase", price={"amount": 19900, "currency": "RUB"})


async def _history(client, account) -> list[dict]:
    return (await client.get(f"{API}/me/payments", headers=account.auth)).json()["items"]


async def test_film_paid_at_checkout(client, viewer, film):
    intent = new("pi")
    session = film_session(
        new("cs_test"), user_id=str(viewer.id), film_id=film["id"], amount=19900, intent=intent
    )
    assert (await post(client, event("checkout.session.completed", session))).json()["result"] == "accepted"
    assert await purchase_status(intent) == "paid"
    [line] = await _history(client, viewer)
    assert (line["kind"], line["status"], line["amount"], line["currency"]) == ("film", "paid", 19900, "RUB")
    assert (line["film_id"], line["description"], line["plan_id"]) == (film["id"], "Сталкер", None)


async def test_delayed_payment_that_succeeds(client, viewer, film):
    intent = new("pi")
    unpaid = film_session(
        new("cs_test"), user_id=str(viewer.id), film_id=film["id"], amount=19900, intent=intent, paid=False
    )
    await post(client, event("checkout.session.completed", unpaid))
    assert await purchase_status(intent) is None
    assert [line["status"] for line in await _history(client, viewer)] == ["pending"]
    await post(client, event("checkout.session.async_payment_succeeded", unpaid | {"payment_status": "paid"}))
    assert await purchase_status(intent) == "paid"
    assert [line["status"] for line in await _history(client, viewer)] == ["paid"]


async def test_delayed_payment_that_fails(client, viewer, film):
    intent = new("pi")
    unpaid = film_session(
        new("cs_test"), user_id=str(viewer.id), film_id=film["id"], amount=19900, intent=intent, paid=False
    )
    await post(client, event("checkout.session.completed", unpaid))
    await post(client, event("checkout.session.async_payment_failed", unpaid))
    assert await purchase_status(intent) is None
    assert [line["status"] for line in await _history(client, viewer)] == ["failed"]


async def test_refund_revokes_the_purchase(client, viewer, film):
    intent = new("pi")
    session = film_session(
        new("cs_test"), user_id=str(viewer.id), film_id=film["id"], amount=19900, intent=intent
    )
    await post(client, event("checkout.session.completed", session))
    refunded = charge(new("ch"), intent=intent, amount=19900, refunded=19900)
    await post(client, event("charge.refunded", refunded))
    assert await purchase_status(intent) == "refunded"
    [line] = await _history(client, viewer)
    assert (line["status"], line["amount_refunded"]) == ("refunded", 19900)


async def test_a_partial_refund_keeps_the_film(client, viewer, film):
    intent = new("pi")
    session = film_session(
        new("cs_test"), user_id=str(viewer.id), film_id=film["id"], amount=19900, intent=intent
    )
    await post(client, event("checkout.session.completed", session))
    await post(
        client, event("charge.refunded", charge(new("ch"), intent=intent, amount=19900, refunded=5000))
    )
    assert await purchase_status(intent) == "paid"
    [line] = await _history(client, viewer)
    assert (line["status"], line["amount_refunded"]) == ("paid", 5000)


async def test_a_refund_of_something_not_ours_is_ignored(client):
    response = await post(
        client, event("charge.refunded", charge(new("ch"), intent=new("pi"), amount=100, refunded=100))
    )
    assert response.status_code == 200
    assert (await counts())["payments"] == 0


async def test_subscription_lifecycle(client, viewer, plans):
    customer = await link_customer(viewer.id)
    sub_id, now = new("sub"), int(time.time())
    created = subscription(sub_id, customer, start=now - 10)
    await post(client, event("customer.subscription.created", created, created=now - 10))
    assert (await subscription_row(sub_id))["status"] == "active"
    me = (await client.get(f"{API}/me/subscription", headers=viewer.auth)).json()
    assert (me["status"], me["plan"]["id"], me["plan"]["name"]) == ("active", plans["month"]["id"], "Monthly")
    assert me["current_period_end"] is not None
    assert me["entitled"] is True

    await post(client, event("invoice.paid", invoice(new("in"), customer, sub_id, paid=True, start=now - 10)))
    updated = subscription(sub_id, customer, start=now - 10, cancel_at_period_end=True)
    await post(client, event("customer.subscription.updated", updated, created=now - 5))
    assert (await subscription_row(sub_id))["cancel_at_period_end"] is True

    deleted = subscription(sub_id, customer, start=now - 10, status="canceled")
    await post(client, event("customer.subscription.deleted", deleted, created=now))
    assert (await subscription_row(sub_id))["status"] == "canceled"
    me = (await client.get(f"{API}/me/subscription", headers=viewer.auth)).json()
    assert (me["status"], me["entitled"]) == ("canceled", False)
    [line] = await _history(client, viewer)
    assert (line["kind"], line["status"], line["amount"], line["plan_id"], line["description"]) == (
        "subscription",
        "paid",
        29900,
        plans["month"]["id"],
        "Monthly",
    )


async def test_invoice_payment_failed_then_paid(client, viewer, plans):
    customer = await link_customer(viewer.id)
    sub_id, invoice_id, now = new("sub"), new("in"), int(time.time())
    await post(
        client, event("invoice.payment_failed", invoice(invoice_id, customer, sub_id, paid=False, start=now))
    )
    assert [line["status"] for line in await _history(client, viewer)] == ["failed"]
    assert await subscription_row(sub_id) is None  # a failed first invoice grants nothing
    await post(client, event("invoice.paid", invoice(invoice_id, customer, sub_id, paid=True, start=now)))
    assert [line["status"] for line in await _history(client, viewer)] == ["paid"]
    # paid before any snapshot: a provisional, active subscription through the invoice's period
    row = await subscription_row(sub_id)
    assert (row["status"], row["version"], row["plan_id"]) == ("active", 0, plans["month"]["id"])
    assert row["current_period_end"].timestamp() == now + 30 * DAY


async def test_subscription_checkout_grants_until_the_subscription_itself_arrives(client, viewer, plans):
    customer = await link_customer(viewer.id)
    sub_id = new("sub")
    session = subscription_session(
        new("cs_test"), user_id=str(viewer.id), plan_id=plans["month"]["id"], customer=customer, sub_id=sub_id
    )
    await post(client, event("checkout.session.completed", session))
    row = await subscription_row(sub_id)
    assert (row["status"], row["version"], row["plan_id"]) == ("active", 0, plans["month"]["id"])
    now = int(time.time())
    await post(
        client, event("customer.subscription.created", subscription(sub_id, customer, start=now), created=now)
    )
    row = await subscription_row(sub_id)
    assert (row["status"], row["version"]) == ("active", now)


async def test_a_duplicate_changes_nothing(client, viewer, film):
    intent = new("pi")
    session = film_session(
        new("cs_test"), user_id=str(viewer.id), film_id=film["id"], amount=19900, intent=intent
    )
    completed = event("checkout.session.completed", session)
    refund = event("charge.refunded", charge(new("ch"), intent=intent, amount=19900, refunded=19900))
    results = [(await post(client, e)).json()["result"] for e in (completed, refund, completed, refund)]
    assert results == ["accepted", "accepted", "duplicate", "duplicate"]
    assert await purchase_status(intent) == "refunded"
    assert await counts() == {"webhook_events": 2, "subscriptions": 0, "purchases": 1, "payments": 1}


async def test_unknown_types_are_acknowledged_and_ignored(client, viewer, film):
    session = film_session(
        new("cs_test"), user_id=str(viewer.id), film_id=film["id"], amount=19900, intent=new("pi")
    )
    for event_type in (
        "payment_intent.succeeded",
        "invoice.finalized",
        "checkout.session.expired",
        "plan.created",
    ):
        response = await post(client, event(event_type, session))
        assert (response.status_code, response.json()["result"]) == (200, "ignored")
    assert await counts() == {"webhook_events": 0, "subscriptions": 0, "purchases": 0, "payments": 0}


async def test_events_land_on_their_own_user_only(client, accounts, film, plans):
    alice, bob = await accounts.create(), await accounts.create()
    alice_customer = await link_customer(alice.id)
    await link_customer(bob.id)
    now = int(time.time())
    await post(
        client, event("customer.subscription.created", subscription(new("sub"), alice_customer, start=now))
    )
    intent = new("pi")
    await post(
        client,
        event(
            "checkout.session.completed",
            film_session(
                new("cs_test"), user_id=str(alice.id), film_id=film["id"], amount=19900, intent=intent
            ),
        ),
    )
    assert len(await _history(client, alice)) == 1
    assert await _history(client, bob) == []
    assert (await client.get(f"{API}/me/subscription", headers=bob.auth)).json() == {"status": "none"}
    assert (await client.get(f"{API}/me/subscription", headers=alice.auth)).json()["status"] == "active"
    owners = await rows(
        "SELECT DISTINCT user_id::text AS u FROM purchases UNION SELECT user_id::text FROM subscriptions"
    )
    assert {r["u"] for r in owners} == {str(alice.id)}


async def test_events_for_customers_and_users_we_do_not_know_are_ignored(client, film):
    now = int(time.time())
    stranger = subscription(new("sub"), new("cus"), start=now, user_id="00000000-0000-4000-8000-000000000000")
    assert (await post(client, event("customer.subscription.created", stranger))).status_code == 200
    session = film_session(
        new("cs_test"),
        user_id="00000000-0000-4000-8000-000000000000",
        film_id=film["id"],
        amount=1,
        intent=new("pi"),
    )
    assert (await post(client, event("checkout.session.completed", session))).status_code == 200
    counted = await counts()
    assert (counted["subscriptions"], counted["purchases"], counted["payments"]) == (0, 0, 0)
