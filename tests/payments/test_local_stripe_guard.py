"""The local Stripe serves the platform only: its API answers the platform's own secret key,
its sessions send people back to the platform's app only, and a session bought below the
platform's price grants nothing."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from tests.payments.conftest import STRIPE_KEY
from tests.payments.stripe_events import API, counts

from cinema.core.settings import get_settings

STRIPE = "/dev/stripe/v1"


def _key(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
async def premiere(catalog):
    return await catalog.film(title="Премьера", access="purchase", price={"amount": 24900, "currency": "RUB"})


def _session_form(victim_id: str, film_id: str, *, amount: int = 1, success: str | None = None) -> dict:
    app = get_settings().web_base_url
    return {
        "mode": "payment",
        "success_url": success or f"{app}/payments/success",
        "cancel_url": f"{app}/payments/cancel",
        "client_reference_id": victim_id,
        "metadata[user_id]": victim_id,
        "metadata[kind]": "film",
        "metadata[film_id]": film_id,
        "payment_intent_data[metadata][user_id]": victim_id,
        "payment_intent_data[metadata][kind]": "film",
        "payment_intent_data[metadata][film_id]": film_id,
        "line_items[0][price_data][currency]": "rub",
        "line_items[0][price_data][unit_amount]": str(amount),
        "line_items[0][price_data][product_data][name]": "cheap",
        "line_items[0][quantity]": "1",
    }


@pytest.mark.parametrize("key", ["sk_test_anything", "sk_test_", "rk_test_x", STRIPE_KEY + "x", ""])
async def test_only_the_platforms_key_is_answered(client, fake, key):
    refused = await client.post(f"{STRIPE}/customers", data={"email": "x@y.z"}, headers=_key(key))
    assert refused.status_code == 401
    assert (await client.get(f"{STRIPE}/checkout/sessions/cs_nope", headers=_key(key))).status_code == 401
    accepted = await client.post(f"{STRIPE}/customers", data={"email": "x@y.z"}, headers=_key(STRIPE_KEY))
    assert accepted.status_code == 200


async def test_another_users_film_at_one_kopeck_cannot_be_bought(client, viewer, accounts, premiere, fake):
    attacker = await accounts.create()
    form = _session_form(str(viewer.id), premiere["id"])
    # With any key but the platform's, no session is made at all ...
    assert (
        await client.post(f"{STRIPE}/checkout/sessions", data=form, headers=_key("sk_test_mine"))
    ).status_code == 401
    assert fake.state["sessions"] == {}
    # ... and one made anyway (as if the key had leaked) is paid but grants nothing: the
    # webhook compares what was paid with the film's price.
    made = await client.post(f"{STRIPE}/checkout/sessions", data=form, headers=_key(STRIPE_KEY))
    assert made.status_code == 200, made.text
    paid = await client.post(f"{urlsplit(made.json()['url']).path}/pay", data={"outcome": "succeeded"})
    assert paid.status_code == 303
    checkout_events = [e for e in fake.events if e["type"] == "checkout.session.completed"]
    assert [e["deliveries"] for e in checkout_events] == [[200]]
    assert (await counts())["purchases"] == 0
    for account in (viewer, attacker):
        play = await client.get(f"{API}/films/{premiere['id']}/play", headers=account.auth)
        assert play.status_code == 402


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/payments/success",
        "http://web.test.evil.example/ok",
        "http://web.test@evil.example/ok",
        "//evil.example/ok",
        "javascript:alert(1)",
        "http://web.test.",
    ],
)
async def test_redirects_go_to_the_platforms_app_only(client, viewer, premiere, fake, url):
    form = _session_form(str(viewer.id), premiere["id"], amount=24900, success=url)
    refused = await client.post(f"{STRIPE}/checkout/sessions", data=form, headers=_key(STRIPE_KEY))
    assert refused.status_code == 400
    cancel = _session_form(str(viewer.id), premiere["id"], amount=24900) | {"cancel_url": url}
    assert (
        await client.post(f"{STRIPE}/checkout/sessions", data=cancel, headers=_key(STRIPE_KEY))
    ).status_code == 400
    customer = (
        await client.post(f"{STRIPE}/customers", data={"email": "x@y.z"}, headers=_key(STRIPE_KEY))
    ).json()
    portal = await client.post(
        "/dev/stripe/v1/billing_portal/sessions",
        data={"customer": customer["id"], "return_url": url},
        headers=_key(STRIPE_KEY),
    )
    assert portal.status_code == 400
    assert fake.state["sessions"] == {}


async def test_the_platforms_own_checkout_still_works(client, viewer, premiere, fake):
    checkout = await client.post(
        f"{API}/payments/checkout", json={"kind": "film", "film_id": premiere["id"]}, headers=viewer.auth
    )
    assert checkout.status_code == 201, checkout.text
    paid = await client.post(
        f"{urlsplit(checkout.json()['checkout_url']).path}/pay", data={"outcome": "succeeded"}
    )
    assert paid.status_code == 303
    assert paid.headers["location"].startswith(get_settings().web_base_url + "/")
    assert (await client.get(f"{API}/films/{premiere['id']}/play", headers=viewer.auth)).status_code in (
        200,
        409,
    )
