"""Payments tests talk to the local Stripe (cinema.local.stripe_emulator.fake) mounted in the app at
/dev/stripe, in process: the platform's real Stripe SDK reaches it through an SDK HTTP client
that hands its requests to the ASGI app, and the fake posts its signed webhooks back through
the test client. Nothing leaves the process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import httpx
import pytest
import stripe
from sqlalchemy import text
from tests.payments.stripe_events import API, WEBHOOK_SECRET

from cinema.core import db
from cinema.core.settings import get_settings
from cinema.local.stripe_emulator import objects as stripe_objects
from cinema.local.stripe_emulator.fake import StripeFake
from cinema.payments import applier
from cinema.payments.stripe_gateway import StripeGateway, provider

STRIPE_KEY = "sk_test_payments_tests"
FAKE = "http://testserver/dev/stripe"
WEB_APP = "http://web.test"
SUCCESS_URL = f"{WEB_APP}/payments/success?session_id={{CHECKOUT_SESSION_ID}}"


class AsgiHttpClient(stripe.HTTPClient):
    """The Stripe SDK's HTTP client, for tests: each request goes to an ASGI app in this
    process. The SDK calls it from a worker thread (the gateway runs it in asyncio.to_thread);
    the request runs on the test's event loop, which is free meanwhile."""

    name = "asgi"

    def __init__(self, app: Any, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.app = app
        self.loop = loop

    def request(
        self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None, **_: Any
    ) -> tuple[bytes, int, Mapping[str, str]]:
        future = asyncio.run_coroutine_threadsafe(
            self._send(method, url, dict(headers or {}), post_data), self.loop
        )
        return future.result(timeout=60)

    async def _send(
        self, method: str, url: str, headers: dict[str, str], body: Any
    ) -> tuple[bytes, int, Any]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app)) as http:
            response = await http.request(method, url, headers=headers, content=body)
        return response.content, response.status_code, response.headers

    def close(self) -> None:
        pass


@pytest.fixture(autouse=True)
def stripe_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CINEMA_STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setenv("CINEMA_STRIPE_API_KEY", STRIPE_KEY)
    monkeypatch.setenv("CINEMA_STRIPE_API_BASE", FAKE)
    monkeypatch.setenv("CINEMA_CHECKOUT_SUCCESS_URL", SUCCESS_URL)
    monkeypatch.setenv("CINEMA_WEB_URL", WEB_APP)  # the local Stripe sends people back there only
    monkeypatch.setenv("CINEMA_SUBSCRIPTION_GRACE_DAYS", "3")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
async def applier_idle() -> AsyncIterator[None]:
    """No drain of a test outlives it (the tables are emptied after each test)."""
    yield
    while (task := applier._Background.running()) is not None:
        await asyncio.wait({task})


@pytest.fixture
async def fake(app, client: httpx.AsyncClient) -> AsyncIterator[StripeFake]:
    """The app's local Stripe, emptied, delivering its webhooks through the test client; and
    the platform's Stripe gateway (the dependency the routes use) pointed at it."""
    stripe_fake: StripeFake = app.state.stripe_fake
    saved = stripe_fake.deliver, stripe_fake.state_path
    stripe_fake.reset()
    stripe_fake.state_path = None

    async def deliver(body: bytes, headers: dict[str, str]) -> int:
        status = (await client.post(f"{API}/payments/webhook", content=body, headers=headers)).status_code
        await applier.settled()  # the applier, woken by the delivery, has applied it
        return status

    stripe_fake.deliver = deliver
    http_client = AsgiHttpClient(app, asyncio.get_running_loop())

    def gateway() -> StripeGateway:
        # the platform's configured key (STRIPE_KEY unless a test configures another): the
        # local Stripe answers that key only
        key = get_settings().stripe_api_key.get_secret_value()
        return StripeGateway(stripe.StripeClient(key, base_addresses={"api": FAKE}, http_client=http_client))

    app.dependency_overrides[provider] = gateway
    yield stripe_fake
    app.dependency_overrides.pop(provider, None)
    stripe_fake.deliver, stripe_fake.state_path = saved


@pytest.fixture
async def plans(services) -> dict[str, dict[str, Any]]:
    """The plans migration 0005 seeds (the tables are emptied after every test)."""
    names = {"month": "Monthly", "year": "Yearly"}
    made: dict[str, dict[str, Any]] = {}
    async with db.engine().begin() as conn:
        for price_id, spec in stripe_objects.LOCAL_PRICES.items():
            plan_id = (
                await conn.execute(
                    text(
                        "INSERT INTO plans (name, interval, price_amount, price_currency, stripe_price_id)"
                        " VALUES (:name, :interval, :amount, :currency, :price) ON CONFLICT (stripe_price_id)"
                        " DO UPDATE SET name = excluded.name, active = true RETURNING id"
                    ),
                    {
                        "name": names[spec["interval"]],
                        "interval": spec["interval"],
                        "amount": spec["unit_amount"],
                        "currency": spec["currency"].upper(),
                        "price": price_id,
                    },
                )
            ).scalar_one()
            made[spec["interval"]] = {"id": str(plan_id), "price_id": price_id, **spec}
    return made
