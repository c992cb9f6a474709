"""A payment grants only at the platform's price: the webhook's applier compares what was paid
(amount and currency) with the film's or the plan's price. A mismatch grants nothing, is
recorded (the event is stored, so Stripe's redeliveries change nothing) and logged as REFUSED
for a person to refund; the delivery was answered 200, so Stripe does not retry it for days."""

from __future__ import annotations

import logging
import time

import pytest
from tests.payments.stripe_events import (
    DAY,
    counts,
    event,
    film_session,
    link_customer,
    post,
    purchase_status,
    subscription_row,
    subscription_session,
)

from cinema.local.stripe_emulator import objects


def new(prefix: str) -> str:
    return objects.new_id(prefix)


@pytest.fixture
async def film(catalog):
    return await catalog.film(title="Солярис", access="purchase", price={"amount": 19900, "currency": "RUB"})


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "cinema.payments.price_check"]


@pytest.mark.parametrize(
    ("amount", "currency"),
    [(1, "rub"), (19899, "rub"), (19900, "usd"), (0, "rub")],
)
async def test_a_film_paid_below_its_price_or_in_another_currency_is_not_granted(
    client, viewer, film, amount, currency, *, caplog
):
    caplog.set_level(logging.ERROR, "cinema.payments.price_check")
    intent = new("pi")
    session = film_session(
        new("cs_test"), user_id=str(viewer.id), film_id=film["id"], amount=amount, intent=intent
    )
    session["currency"] = currency
    delivered = event("checkout.session.completed", session)
    answer = await post(client, delivered)
    assert answer.status_code == 200
    assert answer.json()["result"] == "accepted"
    [refused] = refusals(caplog)
    assert refused.startswith(f"REFUSED checkout of film {film['id']}")
    assert await purchase_status(intent) is None
    assert (await counts())["purchases"] == 0
    assert (await counts())["webhook_events"] == 1  # recorded: a redelivery is a duplicate
    assert (await post(client, delivered)).json()["result"] == "duplicate"
    # and a delayed payment's success is held to the same rule
    succeeded = event("checkout.session.async_payment_succeeded", session)
    assert (await post(client, succeeded)).json()["result"] == "accepted"
    assert len(refusals(caplog)) == 2
    assert await purchase_status(intent) is None


async def test_a_film_paid_at_or_above_its_price_is_granted(client, viewer, film):
    intent = new("pi")
    session = film_session(
        new("cs_test"), user_id=str(viewer.id), film_id=film["id"], amount=19900, intent=intent
    )
    assert (await post(client, event("checkout.session.completed", session))).json()["result"] == "accepted"
    assert await purchase_status(intent) == "paid"


def _cheap_subscription(sub_id: str, customer: str, *, user_id: str, plan_id: str, amount: int = 1) -> dict:
    now = int(time.time())
    cheap = objects.price(
        "price_someone_elses",
        unit_amount=amount,
        currency="rub",
        interval="month",
        product="prod_x",
        created=now,
    )
    return objects.subscription(
        sub_id,
        customer=customer,
        price_obj=cheap,
        status="active",
        period_start=now,
        period_end=now + 30 * DAY,
        cancel_at_period_end=False,
        metadata={"user_id": user_id, "plan_id": plan_id},
        created=now,
        latest_invoice=None,
    )


async def test_a_subscription_at_a_price_that_is_not_the_plans_is_not_granted(client, viewer, plans, caplog):
    caplog.set_level(logging.ERROR, "cinema.payments.price_check")
    customer = await link_customer(viewer.id)
    sub_id = new("sub")
    sub = _cheap_subscription(sub_id, customer, user_id=str(viewer.id), plan_id=plans["month"]["id"])
    answer = await post(client, event("customer.subscription.created", sub))
    assert answer.json()["result"] == "accepted"
    assert refusals(caplog)[0].startswith(f"REFUSED subscription {sub_id}")
    assert await subscription_row(sub_id) is None
    # the checkout that sold it at that price grants nothing either
    session = subscription_session(
        new("cs_test"), user_id=str(viewer.id), plan_id=plans["month"]["id"], customer=customer, sub_id=sub_id
    )
    session["amount_total"] = 1
    assert (await post(client, event("checkout.session.completed", session))).json()["result"] == "accepted"
    assert refusals(caplog)[1].startswith(f"REFUSED subscription checkout {session['id']}")
    assert await subscription_row(sub_id) is None


async def test_the_plans_own_price_or_its_amount_is_granted(client, viewer, plans):
    customer = await link_customer(viewer.id)
    sub_id = new("sub")
    # Another Stripe price (e.g. the plan's price was replaced in Stripe) at the plan's amount
    sub = _cheap_subscription(
        sub_id,
        customer,
        user_id=str(viewer.id),
        plan_id=plans["month"]["id"],
        amount=plans["month"]["unit_amount"],
    )
    assert (await post(client, event("customer.subscription.created", sub))).json()["result"] == "accepted"
    assert (await subscription_row(sub_id))["status"] == "active"
