"""The applier: Stripe events accepted into the inbox (inbox.py), applied in batches, off the
webhook's request path (Stripe: "return a 2xx quickly ... process events asynchronously").

- `drain` claims due events (FOR UPDATE SKIP LOCKED, so processes never apply one twice) and
  applies each with the handlers (billing.py, purchases.py) and event_store.py's one read and
  one write, all in ONE transaction per batch that also deletes the claimed rows: an event's
  id, its effect and the end of its inbox row commit together. Then, committed, it forgets the
  playback grants of the users whose entitlements changed and logs refusals.
- A batch that fails is rolled back and its events applied one by one, each in its own
  transaction, so that one bad event (a poison) fails alone: its row counts the attempt and
  waits (growing delays), then is parked after inbox.MAX_ATTEMPTS, logged, never lost.
- The order events are applied in changes nothing (the upserts' conflict rules), and an event
  applied already (a redelivery accepted while its first delivery was being applied) finds its
  id in webhook_events and writes nothing.

Where it runs:
- one machine (`cinema serve`): in a process of its own (cinema.local.payments_worker, with
  `apply_elsewhere` set in the server), woken by the inbox's NOTIFY (migration 0016) and
  sweeping every few seconds, so that applying never takes the loop that answers Stripe.
- in process (the tests' app, and a server without the worker): `wake` (called by the webhook
  after each accept) starts a drain on the running loop unless one is running, which then
  drains again; the local app's lifespan also runs `sweep` every few seconds, for what a crash
  or a failure left.
- AWS: a Lambda is frozen as soon as it answers, so the payments function drains before it
  answers (`apply_before_answering`, set by functions/payments/handler.py): the event is
  still durable first and applied by the same invocation. A scheduled drain of the same inbox
  (EventBridge Scheduler -> the payments function), for rows a crashed invocation left, and an
  SQS-triggered drain that would let the webhook answer before applying, are template work
  (issue 13).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncConnection

from cinema.core import db
from cinema.payments import billing, grants, inbox, price_check, purchases
from cinema.payments.event_store import AlreadyRecorded, PendingEvent
from cinema.payments.models import PaymentStatus

log = logging.getLogger("cinema.payments.applier")

BATCH = 200
SWEEP_S = 5.0
QUIET_S = 0.1  # the background drain waits for the webhook to be this quiet ...
YIELD_S = 2.0  # ... this long at most

Obj = dict[str, Any]
# A handler chooses the event's upserts on the pending event; it answers None when it applied
# the event (or it was none of ours), or why it refused it.
Handler = Callable[[PendingEvent, Obj, int], Awaitable[price_check.Refusal | None]]


async def _checkout_completed(event: PendingEvent, session: Obj, created: int) -> price_check.Refusal | None:
    if session.get("mode") == "subscription":
        return await billing.subscription_checkout(event, session)
    if session.get("mode") == "payment":
        paid = session.get("payment_status") == "paid"
        return await purchases.film_checkout(
            event, session, PaymentStatus.paid if paid else PaymentStatus.pending
        )
    return None


async def _async_payment_succeeded(
    event: PendingEvent, session: Obj, created: int
) -> price_check.Refusal | None:
    if session.get("mode") == "subscription":
        return await billing.subscription_checkout(event, session | {"payment_status": "paid"})
    if session.get("mode") == "payment":
        return await purchases.film_checkout(event, session, PaymentStatus.paid)
    return None


async def _async_payment_failed(
    event: PendingEvent, session: Obj, created: int
) -> price_check.Refusal | None:
    if session.get("mode") == "payment":
        return await purchases.film_checkout(event, session, PaymentStatus.failed)
    return None


HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": _checkout_completed,
    "checkout.session.async_payment_succeeded": _async_payment_succeeded,
    "checkout.session.async_payment_failed": _async_payment_failed,
    "invoice.paid": billing.invoice_paid,
    "invoice.payment_failed": billing.invoice_payment_failed,
    "customer.subscription.created": billing.subscription_changed,
    "customer.subscription.updated": billing.subscription_changed,
    "customer.subscription.deleted": billing.subscription_changed,
    "charge.refunded": purchases.charge_refunded,
}


class Applied(NamedTuple):
    """What applying one event did, for after its commit."""

    event_id: str
    type: str
    object_id: str | None
    recorded: bool  # False: it was applied before (a redelivery), nothing written
    users: set[uuid.UUID]  # whose subscriptions or purchases may have changed
    refusal: price_check.Refusal | None


async def _apply(conn: AsyncConnection, row: inbox.Accepted) -> Applied:
    event = json.loads(row.payload)  # verified when accepted
    data_object = event["data"]["object"]
    object_id = str(data_object["id"]) if data_object.get("id") else None
    handler = HANDLERS.get(row.type)
    if handler is None:  # a type this version no longer handles
        return Applied(row.id, row.type, object_id, False, set(), None)
    pending = PendingEvent(conn, row.id, row.type, object_id)
    try:
        refusal = await handler(pending, data_object, event["created"])
    except AlreadyRecorded:
        return Applied(row.id, row.type, object_id, False, set(), None)
    if not await pending.record():
        return Applied(row.id, row.type, object_id, False, set(), None)
    return Applied(row.id, row.type, object_id, True, pending.entitlement_changes(), refusal)


@asynccontextmanager
async def _transaction() -> Any:
    async with db.engine().connect() as conn, conn.begin():
        yield conn


async def _committed(done: list[Applied]) -> None:
    users = {user for applied in done for user in applied.users}
    await grants.forget_all(users)  # playback's grants must ask again
    for applied in done:
        if applied.refusal is not None:
            applied.refusal.log()
        elif applied.recorded:
            log.info("applied %s %s (%s)", applied.type, applied.event_id, applied.object_id)


async def _batch(limit: int) -> int:
    """Claim and apply up to `limit` due events in one transaction; how many were claimed."""
    claimed: list[inbox.Accepted] = []
    try:
        async with _transaction() as conn:
            claimed = await inbox.claim(conn, limit)
            done = [await _apply(conn, row) for row in claimed]
            await inbox.done(conn, [row.id for row in claimed])
    except Exception as exc:
        if not claimed:
            raise
        log.warning("a batch of %d webhook events failed (%r): applying them one by one", len(claimed), exc)
        for row in claimed:
            await _one(row.id)
        return len(claimed)
    await _committed(done)
    return len(claimed)


async def _one(event_id: str) -> None:
    try:
        async with _transaction() as conn:
            row = await inbox.claim_one(conn, event_id)
            if row is None:  # applied or held by another process meanwhile
                return
            applied = await _apply(conn, row)
            await inbox.done(conn, [row.id])
    except Exception as exc:
        await _failed(event_id, exc)
        return
    await _committed([applied])


async def _failed(event_id: str, exc: Exception) -> None:
    try:
        counted = await inbox.retry_later(event_id, f"{type(exc).__name__}: {exc}")
    except Exception:  # the database is unreachable: the row is untouched and due; the sweep retries
        log.exception("webhook event %s failed and could not be counted", event_id)
        return
    if counted is None:
        return
    attempts, parked = counted
    if parked:
        log.error(
            "PARKED webhook event %s after %d attempts (%r): it stays in webhook_inbox; fix the cause,"
            " then UPDATE webhook_inbox SET parked_at = NULL, attempts = 0, due_at = now() WHERE id = '%s'",
            event_id,
            attempts,
            exc,
            event_id,
        )
    else:
        log.warning(
            "webhook event %s failed (attempt %d of %d): %r", event_id, attempts, inbox.MAX_ATTEMPTS, exc
        )


_locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}


async def drain(*, yielding: bool = False) -> int:
    """Apply every event due now (batches until one comes back short); how many were claimed.
    One drain at a time in a process; other processes skip the rows this one holds. `yielding`
    (the background drain): before each batch, let the deliveries arriving go first."""
    loop = asyncio.get_running_loop()
    lock = _locks.get(loop)
    if lock is None:
        _locks.clear()  # a lock of a loop that is gone
        lock = _locks[loop] = asyncio.Lock()
    async with lock:
        total = 0
        while True:
            if yielding:
                await _Background.lull()
            claimed = await _batch(BATCH)
            total += claimed
            if claimed < BATCH:
                return total


# ---- when to drain --------------------------------------------------------------------------

apply_before_answering = False  # True in a Lambda, which is frozen once it answers
apply_elsewhere = False  # True when another process applies (cinema serve's payments worker)
CHANNEL = "cinema_webhook_inbox"  # notified after every accept (migration 0016's trigger)


class _Background:
    """This process's drain in the background, if one runs, and whether it was woken since it
    last looked for due events; when the webhook last accepted an event.

    Accepting comes first: Stripe waits for the answer (and retries what it does not get in
    time), while an event applied a moment later costs nothing but that moment. So, in one
    process whose event loop serves both, the background drain starts a batch once the webhook
    has been quiet for QUIET_S, or after YIELD_S at the latest: at rest an event is applied
    within a few tens of milliseconds, several at once if they came together; under a burst of
    deliveries the drain takes a batch every YIELD_S and catches up when the burst ends."""

    task: asyncio.Task[None] | None = None
    woken = False
    last_accept = 0.0
    hurry = False  # someone waits for the drain (`settled`): no lull
    nudge: asyncio.Event | None = None  # ends the lull's current wait

    @classmethod
    def running(cls) -> asyncio.Task[None] | None:
        task = cls.task
        if task is None or task.done() or task.get_loop() is not asyncio.get_running_loop():
            return None
        return task

    @classmethod
    async def lull(cls) -> None:
        loop = asyncio.get_running_loop()
        latest = loop.time() + YIELD_S
        while True:  # a timestamp to look at costs an accept less than an Event to set
            now = loop.time()
            wait = min(cls.last_accept + QUIET_S - now, latest - now)
            if wait <= 0 or cls.hurry:
                return
            cls.nudge = nudge = asyncio.Event()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(nudge.wait(), wait)


async def _drain_while_woken() -> None:
    while True:
        _Background.woken = False
        try:
            await drain(yielding=True)
        except Exception:
            log.exception("the webhook applier failed; the periodic sweep tries again")
            return
        if not _Background.woken:
            return


async def wake() -> None:
    """An event was accepted: apply it soon (or now, in a Lambda)."""
    _Background.last_accept = asyncio.get_running_loop().time()
    if apply_before_answering:
        await drain()
    elif apply_elsewhere:
        return  # the INSERT's NOTIFY woke the worker already
    elif _Background.running():
        _Background.woken = True  # the running drain goes round once more
    else:
        loop = asyncio.get_running_loop()
        _Background.task = loop.create_task(_drain_while_woken(), name="webhook-applier")


async def settled() -> None:
    """Wait until this process has applied every event due (tests, the bench, shutdown)."""
    _Background.hurry = True
    if _Background.nudge is not None:
        _Background.nudge.set()
    try:
        while (task := _Background.running()) is not None:
            await asyncio.wait({task})
    finally:
        _Background.hurry = False
    await drain()


async def sweep() -> None:
    """Drain every SWEEP_S seconds, from the start: what a crash left, what waits for a retry."""
    while True:
        try:
            await drain()
        except Exception:
            log.exception("the webhook applier's sweep failed; next in %s s", SWEEP_S)
        await asyncio.sleep(SWEEP_S)
