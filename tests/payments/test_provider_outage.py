"""Stripe out of reach or too slow: each call gives up within settings.stripe_timeout_s (the
SDK's retries included) and the request answers 503 with Retry-After; a refusal by Stripe
stays a 502. The whole story under load, against a jammed port: tests/faults/test_payments.py."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest
import stripe
from tests.conftest import API

from cinema.payments import stripe_gateway
from cinema.payments.errors import ProviderUnavailable, ProviderUnreachable
from cinema.payments.stripe_gateway import StripeGateway, attempt_timeout, provider

REFUSED = "http://127.0.0.1:9"  # nothing listens on loopback's discard port


async def test_a_stripe_that_refuses_connections_is_503_within_the_bound() -> None:
    gateway = stripe_gateway._gateway("sk_test_outage", REFUSED, 3.0)
    started = time.monotonic()
    with pytest.raises(ProviderUnreachable):
        await gateway.create_customer(email="a@kino.io", name=None, metadata={}, idempotency_key="k-1")
    assert time.monotonic() - started < 3.0 + 1


async def test_a_call_past_the_bound_is_503() -> None:
    def never_in_time(**_: Any) -> None:
        time.sleep(1)

    client = SimpleNamespace(v1=SimpleNamespace(customers=SimpleNamespace(create=never_in_time)))
    gateway = StripeGateway(client, bound_s=0.2)  # type: ignore[arg-type]
    started = time.monotonic()
    with pytest.raises(ProviderUnreachable):
        await gateway.create_customer(email="a@kino.io", name=None, metadata={}, idempotency_key="k-2")
    assert time.monotonic() - started < 0.9


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (stripe.APIConnectionError("no route"), ProviderUnreachable),
        (stripe.RateLimitError("slow down", http_status=429), ProviderUnreachable),
        (stripe.APIError("trouble", http_status=503), ProviderUnreachable),
        (stripe.InvalidRequestError("no such price", param="price", http_status=400), ProviderUnavailable),
        (stripe.AuthenticationError("bad key", http_status=401), ProviderUnavailable),
    ],
)
async def test_what_stripe_says_decides_the_status(error: stripe.StripeError, expected: type) -> None:
    def failing(**_: Any) -> None:
        raise error

    client = SimpleNamespace(v1=SimpleNamespace(customers=SimpleNamespace(create=failing)))
    with pytest.raises(expected):
        await StripeGateway(client).create_customer(  # type: ignore[arg-type]
            email="a@kino.io", name=None, metadata={}, idempotency_key="k-3"
        )


def test_every_try_fits_the_bound() -> None:
    for bound in (3.0, 10.0, 60.0):
        tries = stripe_gateway.NETWORK_RETRIES + 1
        assert attempt_timeout(bound) * tries + stripe_gateway.RETRY_SLEEPS_S <= bound


async def test_checkout_says_when_to_come_back(client, app, viewer, catalog) -> None:
    film = await catalog.film(title="Сталкер", access="purchase", price={"amount": 19900, "currency": "RUB"})
    app.dependency_overrides[provider] = lambda: stripe_gateway._gateway("sk_test_outage", REFUSED, 3.0)
    try:
        answer = await client.post(
            f"{API}/payments/checkout", json={"kind": "film", "film_id": film["id"]}, headers=viewer.auth
        )
    finally:
        app.dependency_overrides.pop(provider)
    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"] == "30"
    assert "nothing was charged" in answer.json()["detail"]
