"""Plans, checkout, the customer portal and what a user sees of their payments.

Nothing here grants access: a checkout only opens Stripe's page. Access follows from the
webhook events Stripe sends afterwards (webhooks.py), never from the success redirect.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from cinema.auth.models import User
from cinema.catalog.errors import FilmNotFound
from cinema.catalog.models import Access
from cinema.catalog.schemas import Price
from cinema.core import metrics
from cinema.core.pagination import Page, decode_time_cursor, encode_time_cursor, page_of
from cinema.core.settings import get_settings
from cinema.payments import entitlements, ledger_repository
from cinema.payments import repository as repo
from cinema.payments.errors import AlreadyEntitled, NotForSale, PlanNotFound
from cinema.payments.models import Plan
from cinema.payments.provider import CheckoutRequest, PaymentProvider
from cinema.payments.schemas import (
    CheckoutIn,
    CheckoutOut,
    FilmCheckout,
    PaymentOut,
    PlanOut,
    SubscriptionNone,
    SubscriptionOut,
)

# A repeated checkout (a double click, a retried request) within this window gets the same
# Stripe session back: the idempotency key holds the window and a digest of the request.
IDEMPOTENCY_WINDOW_S = 600


def plan_out(plan: Plan) -> PlanOut:
    return PlanOut(
        id=plan.id,
        name=plan.name,
        interval=plan.interval,
        price=Price(amount=plan.price_amount, currency=plan.price_currency),
    )


async def plans(db: AsyncSession) -> list[PlanOut]:
    return [plan_out(plan) for plan in await repo.active_plans(db)]


def _idempotency_key(what: str, user_id: uuid.UUID, fields: dict[str, object]) -> str:
    digest = hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()[:32]
    return f"cinema-{what}-{user_id}-{digest}-{int(time.time() // IDEMPOTENCY_WINDOW_S)}"


def _web(path: str) -> str:
    return f"{get_settings().web_base_url}{path}"


async def ensure_customer(db: AsyncSession, provider: PaymentProvider, user: User) -> str:
    """The user's Stripe customer: made once, then reused. The key makes concurrent first
    requests (and a retry after a lost answer) get the same customer from Stripe."""
    found = await ledger_repository.customer_id(db, user.id)
    if found is not None:
        return found
    created = await provider.create_customer(
        email=user.email,
        name=user.display_name or None,
        metadata={"user_id": str(user.id)},
        idempotency_key=f"cinema-customer-{user.id}",
    )
    await ledger_repository.insert_customer(db, user.id, created)
    return await ledger_repository.customer_id(db, user.id) or created


async def checkout(
    db: AsyncSession, provider: PaymentProvider, *, user: User, data: CheckoutIn
) -> CheckoutOut:
    settings = get_settings()
    urls = {
        "success_url": settings.checkout_success_url
        or _web("/payments/success?session_id={CHECKOUT_SESSION_ID}"),
        "cancel_url": settings.checkout_cancel_url or _web("/payments/cancel"),
    }
    if isinstance(data, FilmCheckout):
        film = await repo.published_film(db, data.film_id)
        if film is None:
            raise FilmNotFound()
        if film.access is not Access.purchase or film.price_amount is None or film.price_currency is None:
            raise NotForSale()
        if await entitlements.can_watch(db, user, film):
            raise AlreadyEntitled()
        metadata = {"user_id": str(user.id), "kind": "film", "film_id": str(film.id)}
        request = CheckoutRequest(
            mode="payment",
            customer_id=await ensure_customer(db, provider, user),
            client_reference_id=str(user.id),
            metadata=metadata,
            amount=film.price_amount,
            currency=film.price_currency,
            product_name=film.title,
            **urls,
        )
    else:
        plan = await repo.get_plan(db, data.plan_id)
        if plan is None or not plan.active:
            raise PlanNotFound()
        if await entitlements.has_subscription(db, user):
            raise AlreadyEntitled("you already have a subscription: manage it in the customer portal")
        metadata = {"user_id": str(user.id), "kind": "subscription", "plan_id": str(plan.id)}
        request = CheckoutRequest(
            mode="subscription",
            customer_id=await ensure_customer(db, provider, user),
            client_reference_id=str(user.id),
            metadata=metadata,
            price_id=plan.stripe_price_id,
            **urls,
        )
    session = await provider.create_checkout_session(
        request, idempotency_key=_idempotency_key("checkout", user.id, dataclasses.asdict(request))
    )
    metrics.count("Checkouts", kind=metadata["kind"])
    return CheckoutOut(checkout_url=session.url, session_id=session.id)


async def portal(db: AsyncSession, provider: PaymentProvider, *, user: User) -> str:
    customer = await ensure_customer(db, provider, user)
    return_url = get_settings().portal_return_url or _web("/account")
    key = _idempotency_key("portal", user.id, {"customer": customer, "return_url": return_url})
    return await provider.create_portal_session(
        customer_id=customer, return_url=return_url, idempotency_key=key
    )


# ---- the personal cabinet --------------------------------------------------------------


def _payment_out(payment: object) -> PaymentOut:
    return PaymentOut.model_validate(payment, from_attributes=True)


async def payment_history(
    db: AsyncSession, *, user: User, limit: int, cursor: str | None
) -> Page[PaymentOut]:
    rows, total = await ledger_repository.payments_page(
        db, user.id, limit=limit, after=decode_time_cursor(cursor)
    )
    page, next_cursor = page_of(rows, limit, lambda p: encode_time_cursor(p.created_at, p.id))
    return Page[PaymentOut](items=[_payment_out(p) for p in page], total=total, next_cursor=next_cursor)


async def current_subscription(db: AsyncSession, *, user: User) -> SubscriptionOut | SubscriptionNone:
    """The subscription that entitles the user, else the most recent one, else none."""
    subscriptions = await repo.subscriptions_of(db, user.id)
    if not subscriptions:
        return SubscriptionNone()
    since = entitlements.grace_from()
    chosen = next((s for s in subscriptions if entitlements.entitles(s, since)), subscriptions[0])
    return SubscriptionOut(
        status=chosen.status,
        plan=plan_out(chosen.plan) if chosen.plan is not None else None,
        current_period_end=chosen.current_period_end,
        cancel_at_period_end=chosen.cancel_at_period_end,
        entitled=entitlements.entitles(chosen, since),
    )
