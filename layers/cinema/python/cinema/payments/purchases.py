"""Films bought one by one, as webhook events report them.

A film's payment is keyed by its payment intent: checkout.session.completed (paid, or unpaid
for a delayed method), checkout.session.async_payment_succeeded / _failed and charge.refunded
all land on the same history line, whose status only moves up pending < failed < paid <
refunded. The purchase that lets the user watch exists once the payment is paid, and a full
refund revokes it for good: a refund that overtakes the payment's own event leaves a refunded
purchase behind, so the late event finds it and grants nothing. A checkout that did not pay
the film's price (amount and currency: price_check.py) is refused: nothing is written.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cinema.payments import price_check
from cinema.payments import repository as repo
from cinema.payments import stripe_fields as f
from cinema.payments.models import PaymentKind, PaymentStatus, PurchaseStatus

log = logging.getLogger("cinema.payments.purchases")


async def film_checkout(db: AsyncSession, session: f.Obj, status: PaymentStatus) -> str | None:
    metadata = f.metadata(session)
    intent = session.get("payment_intent")
    if metadata.get("kind") != "film" or not intent:
        return None
    user_id = f.as_uuid(metadata.get("user_id") or session.get("client_reference_id"))
    film_id = f.as_uuid(metadata.get("film_id"))
    known_user, title = await repo.user_and_film(db, user_id, film_id) if user_id else (False, None)
    if user_id is None or not known_user:
        log.info("checkout %s belongs to no user of ours: ignored", session.get("id"))
        return None
    if title is not None and film_id is not None:
        price = await repo.film_price(db, film_id)
        paid = session.get("amount_total"), session.get("currency")
        if price is None or not price_check.covers(*paid, *price):
            return price_check.refuse(
                f"checkout of film {film_id}",
                session.get("id"),
                paid=f"{paid[0]} {paid[1]}",
                price=f"{price[0]} {price[1]}" if price else "none (not sold one by one)",
            )
    created_at = f.stamp(session.get("created"))
    await repo.upsert_payment(
        db,
        {
            "user_id": user_id,
            "kind": PaymentKind.film,
            "status": status,
            "amount": int(session.get("amount_total") or 0),
            "currency": f.currency(session),
            "description": title or "",
            "film_id": film_id if title is not None else None,
            "stripe_payment_intent_id": str(intent),
            "stripe_checkout_session_id": str(session["id"]),
            "created_at": created_at,
        },
        key="stripe_payment_intent_id",
    )
    if status is PaymentStatus.paid:
        if title is None:  # deleted between checkout and payment: the payment needs a refund by hand
            log.error("film %s of paid checkout %s no longer exists", film_id, session.get("id"))
            return None
        await _purchase(
            db,
            user_id=user_id,
            film_id=film_id,
            intent=str(intent),
            status=PurchaseStatus.paid,
            session_id=str(session["id"]),
            created_at=created_at,
        )
    return None


async def charge_refunded(db: AsyncSession, charge: f.Obj, created: int) -> None:
    intent = charge.get("payment_intent")
    if not intent:
        return
    known = await repo.attribution_of_intent(db, str(intent))
    metadata = f.metadata(charge)
    if known is not None:
        user_id, film_id = known
    elif metadata.get("kind") == "film" and (user_id := f.as_uuid(metadata.get("user_id"))) is not None:
        # The refund overtook the payment's own event: attribute it by the metadata our
        # checkout put on the payment intent (Stripe copies it onto the charge).
        film_id = f.as_uuid(metadata.get("film_id"))
        if not await repo.user_exists(db, user_id):
            return
    else:
        log.info("refund of charge %s is not of a film payment of ours: ignored", charge.get("id"))
        return
    title = await repo.film_title(db, film_id) if film_id else None
    fully = bool(charge.get("refunded"))
    refunds = (charge.get("refunds") or {}).get("data") or []
    refunded_at = f.stamp(max((r.get("created") or 0 for r in refunds), default=0) or created)
    charged_at = f.stamp(charge.get("created"))
    await repo.upsert_payment(
        db,
        {
            "user_id": user_id,
            "kind": PaymentKind.film,
            # a partial refund still says the payment was made
            "status": PaymentStatus.refunded if fully else PaymentStatus.paid,
            "amount": int(charge.get("amount") or 0),
            "amount_refunded": int(charge.get("amount_refunded") or 0),
            "currency": f.currency(charge),
            "description": title or "",
            "film_id": film_id if title is not None else None,
            "stripe_payment_intent_id": str(intent),
            "created_at": charged_at,
        },
        key="stripe_payment_intent_id",
    )
    if fully and title is not None and film_id is not None:
        await _purchase(
            db,
            user_id=user_id,
            film_id=film_id,
            intent=str(intent),
            status=PurchaseStatus.refunded,
            session_id=None,
            created_at=charged_at,
            refunded_at=refunded_at,
        )


async def _purchase(
    db: AsyncSession,
    *,
    user_id: uuid.UUID,
    film_id: uuid.UUID,
    intent: str,
    status: PurchaseStatus,
    session_id: str | None,
    created_at: datetime | None,
    refunded_at: datetime | None = None,
) -> None:
    await repo.upsert_purchase(
        db,
        {
            "user_id": user_id,
            "film_id": film_id,
            "status": status,
            "stripe_payment_intent_id": intent,
            "stripe_checkout_session_id": session_id,
            "created_at": created_at,
            "refunded_at": refunded_at,
        },
    )
