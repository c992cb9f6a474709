"""POST /payments/checkout and POST /payments/portal against the local Stripe."""

from __future__ import annotations

import asyncio
import uuid
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text

from cinema.core import db

API = "/api/v1"


@pytest.fixture
async def bought_film(catalog):
    return await catalog.film(title="Солярис", access="purchase", price={"amount": 19900, "currency": "RUB"})


async def _customers() -> list[tuple[str, str]]:
    async with db.engine().connect() as conn:
        rows = await conn.execute(text("SELECT user_id::text, stripe_customer_id FROM stripe_customers"))
        return [tuple(r) for r in rows]


async def test_plans_are_listed_for_anyone(client, plans):
    response = await client.get(f"{API}/plans")
    assert response.status_code == 200
    assert [(p["name"], p["interval"], p["price"]) for p in response.json()] == [
        ("Monthly", "month", {"amount": 29900, "currency": "RUB"}),
        ("Yearly", "year", {"amount": 299000, "currency": "RUB"}),
    ]


async def test_subscription_checkout_opens_a_stripe_session(client, viewer, plans, fake):
    response = await client.post(
        f"{API}/payments/checkout",
        json={"kind": "subscription", "plan_id": plans["month"]["id"]},
        headers=viewer.auth,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    session = fake.state["sessions"][body["session_id"]]
    assert urlsplit(body["checkout_url"]).path == f"/dev/stripe/checkout/{body['session_id']}"
    assert session["mode"] == "subscription"
    assert session["client_reference_id"] == str(viewer.id)
    assert session["metadata"] == {
        "user_id": str(viewer.id),
        "kind": "subscription",
        "plan_id": plans["month"]["id"],
    }
    assert fake.state["session_extras"][session["id"]]["price"]["id"] == "price_cinema_monthly"
    assert fake.state["session_extras"][session["id"]]["subscription_metadata"]["user_id"] == str(viewer.id)
    assert session["success_url"] == "http://web.test/payments/success?session_id={CHECKOUT_SESSION_ID}"
    # the customer was made for this user and the session is theirs
    assert await _customers() == [(str(viewer.id), session["customer"])]
    assert fake.state["customers"][session["customer"]]["email"] == viewer.email
    # checkout grants nothing by itself
    me = await client.get(f"{API}/me/subscription", headers=viewer.auth)
    assert me.json() == {"status": "none"}


async def test_film_checkout_sells_the_film_at_its_price(client, viewer, bought_film, fake):
    response = await client.post(
        f"{API}/payments/checkout", json={"kind": "film", "film_id": bought_film["id"]}, headers=viewer.auth
    )
    assert response.status_code == 201, response.text
    session = fake.state["sessions"][response.json()["session_id"]]
    extras = fake.state["session_extras"][session["id"]]
    assert (session["mode"], session["amount_total"], session["currency"]) == ("payment", 19900, "rub")
    assert extras["product_name"] == "Солярис"
    assert extras["intent_metadata"] == {
        "user_id": str(viewer.id),
        "kind": "film",
        "film_id": bought_film["id"],
    }


async def test_every_create_call_carries_an_idempotency_key_and_a_repeat_gets_the_same_session(
    client, viewer, bought_film, fake
):
    body = {"kind": "film", "film_id": bought_film["id"]}
    first = await client.post(f"{API}/payments/checkout", json=body, headers=viewer.auth)
    second = await client.post(f"{API}/payments/checkout", json=body, headers=viewer.auth)
    assert first.json()["session_id"] == second.json()["session_id"]
    assert len(fake.state["sessions"]) == 1
    assert len(fake.state["customers"]) == 1
    posts = [r for r in fake.requests if r["method"] == "POST"]
    assert [r["path"] for r in posts] == [
        "/dev/stripe/v1/customers",
        "/dev/stripe/v1/checkout/sessions",
        "/dev/stripe/v1/checkout/sessions",
    ]
    assert all(r["idempotency_key"] for r in posts)
    assert posts[0]["idempotency_key"] == f"cinema-customer-{viewer.id}"
    assert posts[1]["idempotency_key"] == posts[2]["idempotency_key"]


async def test_checkout_refusals(client, catalog, viewer, plans, fake):
    bought_film = await catalog.film(
        title="Солярис", access="purchase", price={"amount": 19900, "currency": "RUB"}
    )
    subscription_film = await catalog.film(title="Подписка", access="subscription")
    free_film = await catalog.film(title="Бесплатно", access="free")
    draft = await catalog.film(
        title="Черновик", access="purchase", price={"amount": 100, "currency": "RUB"}, publish=False
    )
    cases = [
        ({"kind": "subscription", "plan_id": str(uuid.uuid4())}, 404),
        ({"kind": "film", "film_id": str(uuid.uuid4())}, 404),
        ({"kind": "film", "film_id": draft["id"]}, 404),
        ({"kind": "film", "film_id": subscription_film["id"]}, 422),
        ({"kind": "film", "film_id": free_film["id"]}, 422),
        ({"kind": "film"}, 422),
        ({"kind": "gift", "film_id": bought_film["id"]}, 422),
        ({"kind": "film", "film_id": bought_film["id"], "plan_id": plans["month"]["id"]}, 422),
    ]
    for body, status in cases:
        response = await client.post(f"{API}/payments/checkout", json=body, headers=viewer.auth)
        assert response.status_code == status, (body, response.text)
    unauthenticated = await client.post(
        f"{API}/payments/checkout", json={"kind": "film", "film_id": bought_film["id"]}
    )
    assert unauthenticated.status_code == 401
    assert fake.state["sessions"] == {}


async def test_an_inactive_plan_is_not_sold(client, viewer, plans, fake):
    async with db.engine().begin() as conn:
        await conn.execute(
            text("UPDATE plans SET active = false WHERE id = :id"), {"id": plans["year"]["id"]}
        )
    listed = (await client.get(f"{API}/plans")).json()
    assert [p["interval"] for p in listed] == ["month"]
    response = await client.post(
        f"{API}/payments/checkout",
        json={"kind": "subscription", "plan_id": plans["year"]["id"]},
        headers=viewer.auth,
    )
    assert response.status_code == 404


async def test_portal_makes_the_customer_once_and_reuses_it(client, viewer, accounts, fake):
    first = await client.post(f"{API}/payments/portal", headers=viewer.auth)
    second = await client.post(f"{API}/payments/portal", headers=viewer.auth)
    assert (first.status_code, second.status_code) == (200, 200)
    assert urlsplit(first.json()["url"]).path.startswith("/dev/stripe/portal/bps_")
    assert len(fake.state["customers"]) == 1
    (customer,) = fake.state["customers"]
    assert await _customers() == [(str(viewer.id), customer)]
    portals = list(fake.state["portal_sessions"].values())
    assert {p["customer"] for p in portals} == {customer}
    assert all(r["idempotency_key"] for r in fake.requests if r["method"] == "POST")
    # another user gets a customer of their own
    other = await accounts.create()
    await client.post(f"{API}/payments/portal", headers=other.auth)
    assert len(fake.state["customers"]) == 2
    assert (await client.post(f"{API}/payments/portal")).status_code == 401


async def test_the_portal_page_shows_the_users_subscriptions(client, viewer, fake):
    url = (await client.post(f"{API}/payments/portal", headers=viewer.auth)).json()["url"]
    page = await client.get(url)
    assert page.status_code == 200
    assert "Your subscriptions" in page.text


async def test_stripe_down_or_not_configured(client, viewer, bought_film, app, monkeypatch):
    monkeypatch.setenv("CINEMA_STRIPE_API_KEY", "")
    from cinema.core.settings import get_settings  # noqa: PLC0415

    get_settings.cache_clear()
    response = await client.post(
        f"{API}/payments/checkout", json={"kind": "film", "film_id": bought_film["id"]}, headers=viewer.auth
    )
    assert response.status_code == 503


async def test_a_price_stripe_does_not_know_is_a_provider_error(client, viewer, fake):
    async with db.engine().begin() as conn:
        plan_id = (
            await conn.execute(
                text(
                    "INSERT INTO plans (name, interval, price_amount, price_currency, stripe_price_id)"
                    " VALUES ('Weekly', 'month', 100, 'RUB', 'price_nobody_sells') RETURNING id::text"
                )
            )
        ).scalar_one()
    response = await client.post(
        f"{API}/payments/checkout", json={"kind": "subscription", "plan_id": plan_id}, headers=viewer.auth
    )
    assert response.status_code == 502
    assert fake.state["sessions"] == {}


async def test_concurrent_first_visits_make_one_customer(client, viewer, fake):
    answers = await asyncio.gather(
        *(client.post(f"{API}/payments/portal", headers=viewer.auth) for _ in range(4))
    )
    assert {a.status_code for a in answers} == {200}
    assert len(fake.state["customers"]) == 1
    assert len(await _customers()) == 1
