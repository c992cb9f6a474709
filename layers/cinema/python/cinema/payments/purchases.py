"""Films bought one by one, as webhook events report them.

A film's payment is keyed by its payment intent: checkout.session.completed (paid, or unpaid
for a delayed method), checkout.session.async_payment_succeeded / _failed and charge.refunded
all land on the same history line, whose status only moves up pending < failed < paid <
refunded. The purchase that lets the user watch exists once the payment is paid, and a full
refund revokes it for good: a refund that overtakes the payment's own event leaves a refunded
purchase behind, so the late event finds it and grants nothing. A checkout that did not pay
the film's price (amount and currency: price_check.py) is refused: nothing is written.
Each handler asks the database once (`PendingEvent.look_up`) and chooses its upserts, which
`PendingEvent.record` writes with the event's id in one statement (event_store.py).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from cinema.payments import price_check
from cinema.payments import stripe_fields as f
from cinema.payments.event_store import PendingEvent
from cinema.payments.models import PaymentKind, PaymentStatus, PurchaseStatus

log = logging.getLogger("cinema.payments.purchases")


async def film_checkout(
    event: PendingEvent, session: f.Obj, status: PaymentStatus
) -> price_check.Refusal | None:
    metadata = f.metadata(session)
    intent = session.get("payment_intent")
    if metadata.get("kind") != "film" or not intent:
        return None
    user_id = f.as_uuid(metadata.get("user_id") or session.get("client_reference_id"))
    if user_id is None:
        log.info("checkout %s belongs to no user of ours: ignored", session.get("id"))
        return None
    film_id = f.as_uuid(metadata.get("film_id"))
    facts = await event.look_up(user_id=user_id, film_id=film_id)
    if facts.known_user is None:
        log.info("checkout %s belongs to no user of ours: ignored", session.get("id"))
        return None
    film = facts.film
    if film is not None:
        sold = film.price_amount is not None and film.price_currency
        price = (film.price_amount, film.price_currency) if sold else None
        paid = session.get("amount_total"), session.get("currency")
        if price is None or not price_check.covers(*paid, *price):
            return price_check.refuse(
                f"checkout of film {film_id}",
                session.get("id"),
                paid=f"{paid[0]} {paid[1]}",
                price=f"{price[0]} {price[1]}" if price else "none (not sold one by one)",
            )
    created_at = f.stamp(session.get("created"))
    event.upsert_payment(
        {
            "user_id": user_id,
            "kind": PaymentKind.film,
            "status": status,
            "amount": int(session.get("amount_total") or 0),
            "currency": f.currency(session),
            "description": film.title if film else "",
            "film_id": film_id if film else None,
            "stripe_payment_intent_id": str(intent),
            "stripe_checkout_session_id": str(session["id"]),
            "created_at": created_at,
        },
        key="stripe_payment_intent_id",
    )
    if status is PaymentStatus.paid:
        if film is None or film_id is None:  # deleted between checkout and payment: a refund by hand
            event.alert(log, "film %s of paid checkout %s no longer exists", film_id, session.get("id"))
            return None
        _purchase(
            event,
            user_id=user_id,
            film_id=film_id,
            intent=str(intent),
            status=PurchaseStatus.paid,
            session_id=str(session["id"]),
            created_at=created_at,
        )
    return None


async def charge_refunded(event: PendingEvent, charge: f.Obj, created: int) -> None:
    intent = charge.get("payment_intent")
    if not intent:
        return
    metadata = f.metadata(charge)
    # The refund may overtake the payment's own event: then it is attributed by the metadata
    # our checkout put on the payment intent (Stripe copies it onto the charge).
    claimed_user = f.as_uuid(metadata.get("user_id")) if metadata.get("kind") == "film" else None
    claimed_film = f.as_uuid(metadata.get("film_id"))
    facts = await event.look_up(intent=intent, user_id=claimed_user, film_id=claimed_film)
    if facts.intent_owner is not None:
        user_id, film_id = facts.intent_owner
    elif claimed_user is not None:
        if facts.known_user is None:
            return
        user_id, film_id = claimed_user, claimed_film
    else:
        log.info("refund of charge %s is not of a film payment of ours: ignored", charge.get("id"))
        return
    if film_id is None:
        film = None
    elif film_id == claimed_film:
        film = facts.film
    else:  # the payment we know names another film than the charge's metadata
        film = (await event.look_up(film_id=film_id)).film
    title = film.title if film else None
    fully = bool(charge.get("refunded"))
    refunds = (charge.get("refunds") or {}).get("data") or []
    refunded_at = f.stamp(max((r.get("created") or 0 for r in refunds), default=0) or created)
    charged_at = f.stamp(charge.get("created"))
    event.upsert_payment(
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
        _purchase(
            event,
            user_id=user_id,
            film_id=film_id,
            intent=str(intent),
            status=PurchaseStatus.refunded,
            session_id=None,
            created_at=charged_at,
            refunded_at=refunded_at,
        )


def _purchase(
    event: PendingEvent,
    *,
    user_id: uuid.UUID,
    film_id: uuid.UUID,
    intent: str,
    status: PurchaseStatus,
    session_id: str | None,
    created_at: datetime | None,
    refunded_at: datetime | None = None,
) -> None:
    event.upsert_purchase(
        {
            "user_id": user_id,
            "film_id": film_id,
            "status": status,
            "stripe_payment_intent_id": intent,
            "stripe_checkout_session_id": session_id,
            "created_at": created_at,
            "refunded_at": refunded_at,
        }
    )
