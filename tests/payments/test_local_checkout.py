"""A person on one machine: checkout through the API, Pay on the local Stripe's page, the
signed webhooks reach the platform, and the film plays. Then the dashboard plays Stripe's
later part: renewals that fail, a refund, a cancellation."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from tests.media_rows import insert_upload
from tests.payments.conftest import STRIPE_KEY
from tests.payments.stripe_events import API, counts


async def _play(client, film, account) -> int:
    return (await client.get(f"{API}/films/{film['id']}/play", headers=account.auth)).status_code


async def _checkout(client, account, body) -> dict:
    response = await client.post(f"{API}/payments/checkout", json=body, headers=account.auth)
    assert response.status_code == 201, response.text
    return response.json()


async def _pay(client, checkout_url: str, outcome: str = "succeeded"):
    page = await client.get(checkout_url)
    assert page.status_code == 200
    assert "Pay " in page.text
    action = f"{urlsplit(checkout_url).path}/pay"
    return await client.post(action, data={"outcome": outcome})


@pytest.fixture
async def premiere(catalog):
    film = await catalog.film(
        title="Кин-дза-дза!", access="purchase", price={"amount": 24900, "currency": "RUB"}
    )
    await insert_upload(film["id"], ready=True)
    return film


async def test_buy_a_film_and_watch_it_then_a_refund_takes_it_back(client, viewer, premiere, fake):
    assert await _play(client, premiere, viewer) == 402
    checkout = await _checkout(client, viewer, {"kind": "film", "film_id": premiere["id"]})
    assert await _play(client, premiere, viewer) == 402  # opening the checkout grants nothing

    paid = await _pay(client, checkout["checkout_url"])
    assert paid.status_code == 303
    assert paid.headers["location"] == f"http://web.test/payments/success?session_id={checkout['session_id']}"
    sent = [(e["type"], e["deliveries"]) for e in fake.events]
    assert sent == [
        ("payment_intent.succeeded", [200]),
        ("charge.succeeded", [200]),
        ("checkout.session.completed", [200]),
    ]
    assert await _play(client, premiere, viewer) == 200
    [line] = (await client.get(f"{API}/me/payments", headers=viewer.auth)).json()["items"]
    assert (line["status"], line["amount"], line["description"]) == ("paid", 24900, "Кин-дза-дза!")
    # already entitled: nothing more to buy
    again = await client.post(
        f"{API}/payments/checkout", json={"kind": "film", "film_id": premiere["id"]}, headers=viewer.auth
    )
    assert again.status_code == 409
    # paying the same session twice is refused by Stripe's page
    assert "complete" in (await client.get(checkout["checkout_url"])).text
    twice = await client.post(f"{urlsplit(checkout['checkout_url']).path}/pay", data={"outcome": "succeeded"})
    assert twice.status_code == 400

    # the dashboard refunds it: the charge.refunded webhook revokes the purchase
    dashboard = await client.get("/dev/stripe/")
    assert "Refund" in dashboard.text
    (charge_id,) = fake.state["charges"]
    refunded = await client.post(f"/dev/stripe/charges/{charge_id}/refund")
    assert refunded.status_code == 303
    assert fake.events[-1]["type"] == "charge.refunded"
    assert fake.events[-1]["deliveries"] == [200]
    assert await _play(client, premiere, viewer) == 402
    [line] = (await client.get(f"{API}/me/payments", headers=viewer.auth)).json()["items"]
    assert line["status"] == "refunded"


async def test_subscribe_and_watch_then_renewals_fail_and_it_is_canceled(
    client, viewer, catalog, plans, fake
):
    series = await catalog.film(title="Семнадцать мгновений весны", access="subscription")
    await insert_upload(series["id"], ready=True)
    assert await _play(client, series, viewer) == 402
    checkout = await _checkout(client, viewer, {"kind": "subscription", "plan_id": plans["month"]["id"]})
    assert (await _pay(client, checkout["checkout_url"])).status_code == 303
    assert all(e["deliveries"] == [200] for e in fake.events)
    assert [e["type"] for e in fake.events] == [
        "customer.subscription.created",
        "invoice.finalized",
        "invoice.paid",
        "checkout.session.completed",
    ]
    assert await _play(client, series, viewer) == 200
    me = (await client.get(f"{API}/me/subscription", headers=viewer.auth)).json()
    assert (me["status"], me["plan"]["name"], me["cancel_at_period_end"]) == ("active", "Monthly", False)
    assert (
        await client.post(
            f"{API}/payments/checkout",
            json={"kind": "subscription", "plan_id": plans["year"]["id"]},
            headers=viewer.auth,
        )
    ).status_code == 409

    (sub_id,) = fake.state["subscriptions"]
    # the renewal fails: past_due, still watching within the grace period
    assert (await client.post(f"/dev/stripe/subscriptions/{sub_id}/fail-renewal")).status_code == 303
    assert (await client.get(f"{API}/me/subscription", headers=viewer.auth)).json()["status"] == "past_due"
    assert await _play(client, series, viewer) == 200
    # the retry succeeds
    await client.post(f"/dev/stripe/subscriptions/{sub_id}/renew")
    assert (await client.get(f"{API}/me/subscription", headers=viewer.auth)).json()["status"] == "active"
    # fails again, and Stripe gives up: unpaid
    await client.post(f"/dev/stripe/subscriptions/{sub_id}/fail-renewal")
    await client.post(f"/dev/stripe/subscriptions/{sub_id}/give-up")
    assert await _play(client, series, viewer) == 402
    history = (await client.get(f"{API}/me/payments", headers=viewer.auth)).json()["items"]
    assert sorted(line["status"] for line in history) == ["failed", "paid", "paid"]

    # the customer portal: cancel at period end, resume, then cancel now
    portal = (await client.post(f"{API}/payments/portal", headers=viewer.auth)).json()["url"]
    portal_path = urlsplit(portal).path
    assert sub_id in (await client.get(portal)).text
    await client.post(f"/dev/stripe/subscriptions/{sub_id}/renew")
    await client.post(f"{portal_path}/subscriptions/{sub_id}/cancel-at-period-end")
    me = (await client.get(f"{API}/me/subscription", headers=viewer.auth)).json()
    assert (me["status"], me["cancel_at_period_end"]) == ("active", True)
    await client.post(f"{portal_path}/subscriptions/{sub_id}/resume")
    assert (await client.get(f"{API}/me/subscription", headers=viewer.auth)).json()[
        "cancel_at_period_end"
    ] is False
    await client.post(f"{portal_path}/subscriptions/{sub_id}/cancel")
    assert (await client.get(f"{API}/me/subscription", headers=viewer.auth)).json()["status"] == "canceled"
    assert await _play(client, series, viewer) == 402
    assert all(e["deliveries"] == [200] for e in fake.events)


async def test_delayed_payments_on_the_checkout_page(client, accounts, premiere, fake):
    failing, succeeding = await accounts.create(), await accounts.create()
    checkout = await _checkout(client, failing, {"kind": "film", "film_id": premiere["id"]})
    await _pay(client, checkout["checkout_url"], "async_failed")
    assert await _play(client, premiere, failing) == 402
    assert [
        line["status"]
        for line in (await client.get(f"{API}/me/payments", headers=failing.auth)).json()["items"]
    ] == ["failed"]
    checkout = await _checkout(client, succeeding, {"kind": "film", "film_id": premiere["id"]})
    await _pay(client, checkout["checkout_url"], "async_succeeded")
    assert await _play(client, premiere, succeeding) == 200


async def test_the_local_pages(client, viewer, premiere, fake):
    checkout = await _checkout(client, viewer, {"kind": "film", "film_id": premiere["id"]})
    page = await client.get(checkout["checkout_url"])
    assert "Кин-дза-дза!" in page.text
    assert "249.00 RUB" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    await _pay(client, checkout["checkout_url"])
    done = await client.get(f"/dev/stripe/done?session_id={checkout['session_id']}")
    assert "checkout.session.completed" in done.text
    assert (await client.get("/dev/stripe/done?session_id=cs_nope")).status_code == 404
    assert (await client.get("/dev/stripe/checkout/cs_nope")).status_code == 404
    # a failed delivery can be sent again from the dashboard
    event_id = fake.events[-1]["id"]
    assert (await client.post(f"/dev/stripe/events/{event_id}/resend")).status_code == 303
    assert fake.events[-1]["deliveries"] == [200, 200]
    assert (await counts())["webhook_events"] == 1  # the second delivery was a duplicate
    # the fake's API wants the platform's own secret key, like Stripe wants the account's
    assert (await client.post("/dev/stripe/v1/customers", data={"email": "x@y.z"})).status_code == 401
    for key, status in (("sk_test_x", 401), (STRIPE_KEY, 404)):
        missing = await client.get(
            "/dev/stripe/v1/checkout/sessions/cs_nope", headers={"Authorization": f"Bearer {key}"}
        )
        assert missing.status_code == status
