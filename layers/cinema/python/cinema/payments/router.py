"""Payments routes (the payments function): plans, checkout, the customer portal, Stripe's webhook."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from cinema.auth.dependencies import CurrentAccount
from cinema.core.db import DbSession
from cinema.payments import service, webhooks
from cinema.payments.provider import PaymentProvider
from cinema.payments.schemas import CheckoutIn, CheckoutOut, PlanOut, PortalOut, WebhookOut
from cinema.payments.stripe_gateway import provider

router = APIRouter(tags=["payments"])

Provider = Annotated[PaymentProvider, Depends(provider)]


# First in this router (and the router early in the local app, cinema/local/app.py): Stripe's
# deliveries come in bursts and each route passed before a match costs a few microseconds.
# The header as the route's parameter would be (FastAPI documents it; the route reads it itself).
_SIGNATURE = {
    "in": "header",
    "name": "Stripe-Signature",
    "required": False,
    "schema": {"anyOf": [{"type": "string"}, {"type": "null"}], "title": "Stripe-Signature"},
}


@router.post(
    "/payments/webhook",
    response_model=WebhookOut,
    responses={400: {"description": "bad, missing or stale Stripe-Signature; nothing stored"}},
    summary="Stripe's events (signed): stored, then applied off the request; idempotent per event id",
    openapi_extra={"parameters": [_SIGNATURE]},
)
async def webhook(request: Request) -> Response:
    # No DbSession: accepting an event is one INSERT in autocommit (payments/inbox.py), shared by
    # the deliveries arriving together; the applier applies it after the answer (applier.py).
    # The signature is read from the headers and the answer is prepared JSON: no dependency to
    # solve and no body to validate per delivery (bench/README.md, payments_webhooks).
    answer = await webhooks.receive(await request.body(), request.headers.get("stripe-signature"))
    return Response(answer, media_type="application/json")


@router.get("/plans", response_model=list[PlanOut], summary="Subscription plans on sale")
async def list_plans(db: DbSession) -> list[PlanOut]:
    return await service.plans(db)


@router.post(
    "/payments/checkout",
    status_code=201,
    response_model=CheckoutOut,
    responses={
        404: {"description": "unknown plan or film"},
        409: {"description": "already entitled"},
        422: {"description": "the film is not sold one by one"},
    },
    summary="A Stripe Checkout session for a plan or one film; access follows from Stripe's webhook",
)
async def checkout(body: CheckoutIn, user: CurrentAccount, db: DbSession, payments: Provider) -> CheckoutOut:
    return await service.checkout(db, payments, user=user, data=body)


@router.post("/payments/portal", response_model=PortalOut, summary="Stripe's customer portal for this user")
async def portal(user: CurrentAccount, db: DbSession, payments: Provider) -> PortalOut:
    return PortalOut(url=await service.portal(db, payments, user=user))
