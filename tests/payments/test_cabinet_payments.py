"""GET /me/payments and GET /me/subscription."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from tests.payments.stripe_events import (
    API,
    DAY,
    event,
    film_session,
    invoice,
    link_customer,
    post,
    subscription,
)

from cinema.local.stripe_emulator import objects as stripe_objects


def new(prefix: str) -> str:
    return stripe_objects.new_id(prefix)


async def test_payment_history_newest_first_in_pages(client, viewer, catalog, plans):
    film = await catalog.film(
        title="Андрей Рублёв", access="purchase", price={"amount": 14900, "currency": "RUB"}
    )
    customer = await link_customer(viewer.id)
    sub_id, base = new("sub"), int(time.time()) - 10 * DAY
    for month in range(3):  # three paid invoices, a month apart
        start = base - (2 - month) * 30 * DAY
        await post(
            client, event("invoice.paid", invoice(new("in"), customer, sub_id, paid=True, start=start))
        )
    session = film_session(
        new("cs_test"),
        user_id=str(viewer.id),
        film_id=film["id"],
        amount=14900,
        intent=new("pi"),
        created=base + DAY,
    )
    await post(client, event("checkout.session.completed", session))

    first = await client.get(f"{API}/me/payments", params={"limit": 3}, headers=viewer.auth)
    assert first.status_code == 200
    page = first.json()
    assert (page["total"], len(page["items"])) == (4, 3)
    assert page["next_cursor"]
    film_line = page["items"][0]
    assert film_line == {
        "id": film_line["id"],
        "kind": "film",
        "status": "paid",
        "amount": 14900,
        "currency": "RUB",
        "amount_refunded": 0,
        "description": "Андрей Рублёв",
        "film_id": film["id"],
        "plan_id": None,
        "created_at": datetime.fromtimestamp(base + DAY, UTC).isoformat().replace("+00:00", "Z"),
    }
    assert [line["kind"] for line in page["items"]] == ["film", "subscription", "subscription"]
    rest = (
        await client.get(
            f"{API}/me/payments", params={"limit": 3, "cursor": page["next_cursor"]}, headers=viewer.auth
        )
    ).json()
    assert (len(rest["items"]), rest["next_cursor"]) == (1, None)
    stamps = [line["created_at"] for line in page["items"] + rest["items"]]
    assert stamps == sorted(stamps, reverse=True)
    assert {line["plan_id"] for line in page["items"][1:] + rest["items"]} == {plans["month"]["id"]}


async def test_history_needs_a_user_and_a_sane_cursor(client, viewer):
    assert (await client.get(f"{API}/me/payments")).status_code == 401
    assert (await client.get(f"{API}/me/subscription")).status_code == 401
    empty = await client.get(f"{API}/me/payments", headers=viewer.auth)
    assert empty.json() == {"items": [], "total": 0, "next_cursor": None}
    for cursor in ("garbage", "WyJ4IiwgInkiXQ"):  # not base64 JSON; ["x", "y"]
        bad = await client.get(f"{API}/me/payments", params={"cursor": cursor}, headers=viewer.auth)
        assert bad.status_code == 422, cursor
    assert (
        await client.get(f"{API}/me/payments", params={"limit": 0}, headers=viewer.auth)
    ).status_code == 422


async def test_subscription_shapes(client, viewer, plans):
    assert (await client.get(f"{API}/me/subscription", headers=viewer.auth)).json() == {"status": "none"}
    customer = await link_customer(viewer.id)
    now = int(time.time())
    sub = subscription(new("sub"), customer, start=now, price_id="price_cinema_yearly", end=now + 365 * DAY)
    await post(client, event("customer.subscription.created", sub))
    body = (await client.get(f"{API}/me/subscription", headers=viewer.auth)).json()
    assert body == {
        "status": "active",
        "plan": {
            "id": plans["year"]["id"],
            "name": "Yearly",
            "interval": "year",
            "price": {"amount": 299000, "currency": "RUB"},
        },
        "current_period_end": datetime.fromtimestamp(now + 365 * DAY, UTC).isoformat().replace("+00:00", "Z"),
        "cancel_at_period_end": False,
        "entitled": True,
    }


async def test_the_entitling_subscription_is_shown_before_older_ones(client, viewer, plans):
    customer = await link_customer(viewer.id)
    now = int(time.time())
    old = subscription(new("sub"), customer, start=now - 400 * DAY, status="canceled")
    await post(client, event("customer.subscription.deleted", old, created=now - 30 * DAY))
    current = subscription(new("sub"), customer, start=now - 40 * DAY, status="active")
    await post(client, event("customer.subscription.updated", current, created=now - 40 * DAY))
    body = (await client.get(f"{API}/me/subscription", headers=viewer.auth)).json()
    assert (body["status"], body["entitled"]) == ("active", True)
