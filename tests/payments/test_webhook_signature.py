"""POST /payments/webhook refuses anything Stripe did not sign, and stores nothing for it."""

from __future__ import annotations

import time

import pytest
from tests.payments.stripe_events import API, counts, event, film_session, post, signed

from cinema.local.stripe_emulator import objects as stripe_objects
from cinema.local.stripe_emulator.delivery import sign

EMPTY = {"webhook_events": 0, "subscriptions": 0, "purchases": 0, "payments": 0}


@pytest.fixture
async def paid_event(viewer, catalog):
    film = await catalog.film(title="Фильм", access="purchase", price={"amount": 19900, "currency": "RUB"})
    session = film_session(
        stripe_objects.new_id("cs_test"),
        user_id=str(viewer.id),
        film_id=film["id"],
        amount=19900,
        intent="pi_sig",
    )
    return event("checkout.session.completed", session)


async def test_a_correctly_signed_event_is_applied(client, paid_event):
    response = await post(client, paid_event)
    assert response.status_code == 200, response.text
    assert response.json() == {"received": True, "result": "accepted"}
    assert (await counts())["purchases"] == 1


async def test_forged_events_are_refused_and_nothing_is_stored(client, paid_event):
    body, headers = signed(paid_event)
    now = int(time.time())
    tampered = body.replace(b'"amount_total":19900', b'"amount_total":1')
    attempts = {
        "wrong secret": (body, {**headers, **signed(paid_event, secret="whsec_attacker")[1]}),
        "changed body": (tampered, headers),
        "no header": (body, {"Content-Type": "application/json"}),
        "empty header": (body, {"Stripe-Signature": ""}),
        "garbage header": (body, {"Stripe-Signature": "nonsense"}),
        "no v1 signature": (body, {"Stripe-Signature": f"t={now}"}),
        "other scheme only": (
            body,
            {"Stripe-Signature": sign(body.decode(), "x", now).replace("v1=", "v0=")},
        ),
        "expired (301 s)": signed(paid_event, timestamp=now - 301),
        "expired (a day)": signed(paid_event, timestamp=now - 86400),
    }
    for name, (payload, head) in attempts.items():
        response = await client.post(f"{API}/payments/webhook", content=payload, headers=head)
        assert response.status_code == 400, (name, response.text)
    assert await counts() == EMPTY


async def test_a_signature_inside_the_tolerance_is_accepted(client, paid_event):
    response = await post(client, paid_event, timestamp=int(time.time()) - 280)
    assert response.status_code == 200


async def test_a_signed_body_that_is_not_an_event_is_refused(client):
    for payload in ("not json", "[1, 2]", '{"id": "evt_1", "type": "x"}'):
        header = sign(payload, "whsec_test_0123456789abcdefghijklmnopqrstuvwxyz", int(time.time()))
        response = await client.post(
            f"{API}/payments/webhook", content=payload.encode(), headers={"Stripe-Signature": header}
        )
        assert response.status_code == 400, payload
    assert await counts() == EMPTY


async def test_without_a_webhook_secret_nothing_is_accepted(client, paid_event, monkeypatch):
    from cinema.core.settings import get_settings  # noqa: PLC0415

    monkeypatch.setenv("CINEMA_STRIPE_WEBHOOK_SECRET", "")
    get_settings.cache_clear()
    response = await post(client, paid_event)
    assert response.status_code == 503
    assert await counts() == EMPTY


@pytest.mark.parametrize(
    "change",
    [
        {"created": 10**20},
        {"created": -1},
        {"created": 2**63},
        {"object": {"created": 10**20}},
        {"object": {"created": "soon"}},
    ],
)
async def test_signed_events_with_impossible_times_are_refused(client, paid_event, change):
    """Signed, so authentic in form, but no such moment exists: 400 and nothing stored."""
    tampered = paid_event | {k: v for k, v in change.items() if k != "object"}
    if "object" in change:
        tampered["data"] = {"object": paid_event["data"]["object"] | change["object"]}
    response = await post(client, tampered)
    assert response.status_code == 400, response.text
    assert await counts() == EMPTY
