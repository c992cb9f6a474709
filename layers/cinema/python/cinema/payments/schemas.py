"""Payments request and response bodies."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from cinema.catalog.schemas import Price
from cinema.core.schemas import ApiModel
from cinema.payments.models import Interval, PaymentKind, PaymentStatus


class PlanOut(ApiModel):
    id: uuid.UUID
    name: str
    interval: Interval
    price: Price


class SubscriptionCheckout(ApiModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["subscription"]
    plan_id: uuid.UUID


class FilmCheckout(ApiModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["film"]
    film_id: uuid.UUID


CheckoutIn = Annotated[SubscriptionCheckout | FilmCheckout, Field(discriminator="kind")]


class CheckoutOut(ApiModel):
    checkout_url: str = Field(description="Stripe Checkout: send the browser here")
    session_id: str


class PortalOut(ApiModel):
    url: str = Field(description="Stripe's customer portal for this user: send the browser here")


class WebhookOut(ApiModel):
    received: bool = True
    result: Literal["accepted", "duplicate", "ignored"] = Field(
        description="accepted (stored; applied right after the answer); duplicate (already accepted "
        "or applied: nothing changes); ignored (a type not handled)"
    )


class PaymentOut(ApiModel):
    id: uuid.UUID
    kind: PaymentKind = Field(description="what it bought: a subscription period or one film")
    status: PaymentStatus
    amount: int = Field(description="minor units")
    currency: str
    amount_refunded: int
    description: str = Field(description="the film's title or the plan's name")
    film_id: uuid.UUID | None
    plan_id: uuid.UUID | None
    created_at: datetime = Field(description="when Stripe created the invoice or the checkout")


class SubscriptionNone(ApiModel):
    status: Literal["none"] = "none"


class SubscriptionOut(ApiModel):
    status: str = Field(description="Stripe's status: active, trialing, past_due, unpaid, canceled ...")
    plan: PlanOut | None
    current_period_end: datetime | None
    cancel_at_period_end: bool
    entitled: bool = Field(description="whether it lets the user watch subscription films now")
