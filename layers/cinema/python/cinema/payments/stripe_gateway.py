"""The PaymentProvider port over Stripe: every call goes through one `stripe.StripeClient`
whose API base address comes from settings (None: api.stripe.com; locally the fake at
<server>/dev/stripe), and every create call carries an idempotency key.

The SDK's HTTP client is synchronous, so calls run in a worker thread (asyncio.to_thread).
The client is built once per (key, base address) and kept, like the database engine.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import stripe

from cinema.core.settings import get_settings
from cinema.payments.errors import PaymentsNotConfigured, ProviderUnavailable
from cinema.payments.provider import CheckoutRequest, CheckoutSession, PaymentProvider

log = logging.getLogger("cinema.payments.stripe")

NETWORK_RETRIES = 2  # the SDK retries with the same idempotency key


class StripeGateway:
    def __init__(self, client: stripe.StripeClient) -> None:
        self.client = client

    async def _create(self, create: Callable[..., Any], params: dict[str, Any], idempotency_key: str) -> Any:
        try:
            return await asyncio.to_thread(
                create, params=params, options={"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as exc:
            log.warning("Stripe refused or failed a call: %s (%s)", exc, type(exc).__name__)
            raise ProviderUnavailable() from exc

    async def create_customer(
        self, *, email: str, name: str | None, metadata: dict[str, str], idempotency_key: str
    ) -> str:
        params: dict[str, Any] = {"email": email, "metadata": metadata}
        if name:
            params["name"] = name
        customer = await self._create(self.client.v1.customers.create, params, idempotency_key)
        return str(customer.id)

    async def create_checkout_session(
        self, request: CheckoutRequest, *, idempotency_key: str
    ) -> CheckoutSession:
        params: dict[str, Any] = {
            "mode": request.mode,
            "customer": request.customer_id,
            "client_reference_id": request.client_reference_id,
            "metadata": request.metadata,
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
        }
        if request.mode == "subscription":
            params["line_items"] = [{"price": request.price_id, "quantity": 1}]
            params["subscription_data"] = {"metadata": request.metadata}
        else:
            params["line_items"] = [
                {
                    "price_data": {
                        "currency": (request.currency or "").lower(),
                        "unit_amount": request.amount,
                        "product_data": {"name": request.product_name or "Film"},
                    },
                    "quantity": 1,
                }
            ]
            params["payment_intent_data"] = {
                "metadata": request.metadata,
                "description": request.product_name,
            }
        session = await self._create(self.client.v1.checkout.sessions.create, params, idempotency_key)
        return CheckoutSession(id=str(session.id), url=str(session.url))

    async def create_portal_session(self, *, customer_id: str, return_url: str, idempotency_key: str) -> str:
        params = {"customer": customer_id, "return_url": return_url}
        session = await self._create(self.client.v1.billing_portal.sessions.create, params, idempotency_key)
        return str(session.url)


@lru_cache(maxsize=4)
def _gateway(api_key: str, api_base: str | None) -> StripeGateway:
    client = stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=NETWORK_RETRIES,
    )
    return StripeGateway(client)


def provider() -> PaymentProvider:
    """The configured provider (a FastAPI dependency; tests override it)."""
    settings = get_settings()
    key = settings.stripe_api_key.get_secret_value()
    if not key:
        raise PaymentsNotConfigured()
    return _gateway(key, settings.stripe_api_base.rstrip("/") if settings.stripe_api_base else None)
