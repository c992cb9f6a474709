"""The PaymentProvider port: the few calls the platform makes to its payment provider.

The adapter is Stripe (stripe_gateway.py), pointed at the real API in AWS and at the local
Stripe (cinema.local.stripe_emulator.fake) on one machine and in tests. Business code sees only this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol


@dataclass(frozen=True)
class CheckoutRequest:
    """One hosted checkout: a plan's recurring price (mode="subscription") or one film at its
    price (mode="payment"). `metadata` travels onto the session and onto what it creates (the
    subscription, the payment intent), so every webhook event can be attributed."""

    mode: Literal["subscription", "payment"]
    customer_id: str
    client_reference_id: str
    success_url: str
    cancel_url: str
    metadata: dict[str, str] = field(default_factory=dict)
    price_id: str | None = None  # subscription: the plan's price
    amount: int | None = None  # payment: minor units
    currency: str | None = None
    product_name: str | None = None


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


class PaymentProvider(Protocol):
    async def create_customer(
        self, *, email: str, name: str | None, metadata: dict[str, str], idempotency_key: str
    ) -> str:
        """A new customer; returns its id."""
        ...

    async def create_checkout_session(
        self, request: CheckoutRequest, *, idempotency_key: str
    ) -> CheckoutSession: ...

    async def create_portal_session(self, *, customer_id: str, return_url: str, idempotency_key: str) -> str:
        """A customer portal session; returns its URL."""
        ...
