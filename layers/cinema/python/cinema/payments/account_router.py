"""The payments part of the personal cabinet: /me/payments and /me/subscription."""

from fastapi import APIRouter

from cinema.auth.dependencies import CurrentUser
from cinema.core.db import DbSession
from cinema.core.pagination import Cursor, Limit, Page
from cinema.payments import service
from cinema.payments.schemas import PaymentOut, SubscriptionNone, SubscriptionOut

router = APIRouter(prefix="/me", tags=["personal cabinet"])


@router.get("/payments", response_model=Page[PaymentOut], summary="Payment history, newest first")
async def my_payments(
    user: CurrentUser, db: DbSession, limit: Limit = 20, cursor: Cursor = None
) -> Page[PaymentOut]:
    return await service.payment_history(db, user=user, limit=limit, cursor=cursor)


@router.get(
    "/subscription",
    response_model=SubscriptionOut | SubscriptionNone,
    summary='The current subscription, or {"status": "none"}',
)
async def my_subscription(user: CurrentUser, db: DbSession) -> SubscriptionOut | SubscriptionNone:
    return await service.current_subscription(db, user=user)
