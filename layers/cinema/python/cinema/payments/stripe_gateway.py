"""The PaymentProvider port over Stripe: every call goes through one `stripe.StripeClient`
whose API base address comes from settings (None: api.stripe.com; locally the fake at
<server>/dev/stripe), and every create call carries an idempotency key.

The SDK's HTTP client is synchronous, so calls run in worker threads of their own: a Stripe
that hangs holds those, never the threads that S3 reads (the local edge) and mail share.
Each call is bounded by `stripe_timeout_s`, the SDK's retries included (the SDK's own default
is 80 s a try); past it, or when Stripe cannot be reached, the request answers 503.
The client is built once per (key, base address, bound) and kept, like the database engine.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any

import stripe

from cinema.core.settings import get_settings
from cinema.payments.errors import PaymentsNotConfigured, ProviderUnavailable, ProviderUnreachable
from cinema.payments.provider import CheckoutRequest, CheckoutSession, PaymentProvider

log = logging.getLogger("cinema.payments.stripe")

NETWORK_RETRIES = 2  # the SDK retries with the same idempotency key
RETRY_SLEEPS_S = 1.5  # the most the SDK sleeps between its tries (0.5 s, then at most 1 s)
CALL_THREADS = 16  # Stripe calls in flight at once in this process; more wait their turn, within the bound
_calls = ThreadPoolExecutor(CALL_THREADS, thread_name_prefix="stripe")


def attempt_timeout(bound_s: float) -> float:
    """The network timeout of one try, so that every try and the sleeps between fit the bound."""
    return max(0.5, (bound_s - RETRY_SLEEPS_S) / (NETWORK_RETRIES + 1))


def _unreachable(exc: stripe.StripeError) -> bool:
    """No answer in time, no connection, or Stripe overloaded: worth trying again later."""
    if isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError):
        return True
    return isinstance(exc, stripe.APIError) and (exc.http_status or 500) >= 500


class StripeGateway:
    def __init__(self, client: stripe.StripeClient, *, bound_s: float | None = None) -> None:
        """`bound_s`: the longest one call may take (None: settings.stripe_timeout_s)."""
        self.client = client
        self.bound_s = bound_s

    async def _create(self, create: Callable[..., Any], params: dict[str, Any], idempotency_key: str) -> Any:
        call = functools.partial(
            contextvars.copy_context().run,
            create,
            params=params,
            options={"idempotency_key": idempotency_key},
        )
        bound = self.bound_s or get_settings().stripe_timeout_s
        try:
            return await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(_calls, call), bound)
        except TimeoutError as exc:
            log.warning("Stripe did not answer within %.0f s", bound)
            raise ProviderUnreachable() from exc
        except stripe.StripeError as exc:
            log.warning("Stripe refused or failed a call: %s (%s)", exc, type(exc).__name__)
            raise (ProviderUnreachable() if _unreachable(exc) else ProviderUnavailable()) from exc

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
def _gateway(api_key: str, api_base: str | None, bound_s: float) -> StripeGateway:
    client = stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=NETWORK_RETRIES,
        http_client=stripe.new_default_http_client(timeout=attempt_timeout(bound_s)),
    )
    return StripeGateway(client, bound_s=bound_s)


def provider() -> PaymentProvider:
    """The configured provider (a FastAPI dependency; tests override it)."""
    settings = get_settings()
    key = settings.stripe_api_key.get_secret_value()
    if not key:
        raise PaymentsNotConfigured()
    base = settings.stripe_api_base.rstrip("/") if settings.stripe_api_base else None
    return _gateway(key, base, settings.stripe_timeout_s)
