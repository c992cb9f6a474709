"""The webhook inbox (table webhook_inbox, migration 0012): Stripe events verified and
accepted by POST /payments/webhook, waiting for the applier (applier.py).

- `accept` is the route's only database work: one INSERT of (id, type, the signed body) in
  autocommit, so the event is durable before Stripe gets its 2xx; deliveries arriving
  together share one INSERT (a group commit). ON CONFLICT DO NOTHING
  dedupes a redelivery of an event still waiting, and NOT EXISTS one already applied (its id
  is in webhook_events); a redelivery that races the applier's commit may be accepted again,
  and the applier then finds its id in webhook_events and changes nothing.
- The applier `claim`s due rows with FOR UPDATE SKIP LOCKED inside the transaction that
  applies them, and deletes them (`done`) last in it: the row goes exactly when the event's
  id and effect commit (DESIGN.md: "the event id in the same transaction as its effect"), and
  stays if it rolls back. Two processes never claim the same row.
- A row whose application fails is `retry_later`: its attempts counted, its error kept, due
  again after a growing delay, and parked (kept, never applied again by itself) after
  MAX_ATTEMPTS, for a person to look at and put back (`UPDATE webhook_inbox SET parked_at =
  NULL, attempts = 0, due_at = now() WHERE id = ...`).

The statements are plain SQL run on the pooled connection's psycopg connection, as
event_store.py runs its own (SQLAlchemy's execution layer cost more than the statement).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, ClassVar, NamedTuple

import psycopg
from sqlalchemy.ext.asyncio import AsyncConnection

from cinema.payments import event_store

MAX_ATTEMPTS = 8
RETRY_DELAY_S = 1.0  # doubled at each attempt, at most MAX_RETRY_DELAY_S
MAX_RETRY_DELAY_S = 300.0
LINGER_S = 0.01  # the accepting connection is held this long after the last group for the next

_ACCEPT = (
    "INSERT INTO webhook_inbox (id, type, payload)"
    " SELECT e.id, e.type, e.payload FROM (VALUES {rows}) AS e (id, type, payload)"
    " WHERE NOT EXISTS (SELECT FROM webhook_events w WHERE w.id = e.id)"
    " ON CONFLICT (id) DO NOTHING RETURNING id"
)
# one statement per group size (psycopg prepares each once it is used often); the payloads go
# as plain parameters: as a text[] psycopg escapes every quote of the JSON in Python
_ACCEPT_ROWS = "(%s::varchar, %s::varchar, %s::text)"
_accept_sql: dict[int, str] = {}


def _accept_statement(rows: int) -> str:
    sql = _accept_sql.get(rows)
    if sql is None:
        sql = _accept_sql[rows] = _ACCEPT.format(rows=", ".join([_ACCEPT_ROWS] * rows))
    return sql


_CLAIM = (
    "SELECT id, type, payload, attempts, received_at FROM webhook_inbox"
    " WHERE parked_at IS NULL AND due_at <= now()"
    " ORDER BY due_at, received_at LIMIT %(limit)s FOR UPDATE SKIP LOCKED"
)
_CLAIM_ONE = (
    "SELECT id, type, payload, attempts, received_at FROM webhook_inbox"
    " WHERE id = %(id)s AND parked_at IS NULL FOR UPDATE SKIP LOCKED"
)
_DONE = "DELETE FROM webhook_inbox WHERE id = ANY(%(ids)s::varchar[])"
_RETRY_LATER = (
    "UPDATE webhook_inbox SET attempts = attempts + 1, last_error = %(error)s,"
    " due_at = now() + make_interval(secs => least(%(delay)s * power(2, attempts), %(cap)s)),"
    " parked_at = CASE WHEN attempts + 1 >= %(max)s THEN now() END"
    " WHERE id = %(id)s AND parked_at IS NULL RETURNING attempts, parked_at IS NOT NULL"
)


class Accepted(NamedTuple):
    """A claimed row: the event as Stripe signed it."""

    id: str
    type: str
    payload: str
    attempts: int
    received_at: datetime


async def _run(
    conn: AsyncConnection, sql: str, params: dict[str, Any] | list[Any], *, rows: bool = True
) -> list[tuple[Any, ...]]:
    driver = (await conn.get_raw_connection()).driver_connection
    try:
        cursor = await driver.execute(sql, params)
        return await cursor.fetchall() if rows else []
    except psycopg.OperationalError:
        await conn.invalidate()  # the connection is gone: it does not go back to the pool
        raise


class _Arriving:
    """Deliveries waiting to be stored, and whether a statement is storing others meanwhile
    (and, if it holds its connection for the next ones, what wakes it)."""

    waiting: ClassVar[list[tuple[str, str, str, asyncio.Future[bool]]]] = []
    storing: asyncio.Task[None] | None = None
    lingering: asyncio.Future[None] | None = None


async def accept(event_id: str, event_type: str, payload: bytes) -> bool:
    """Store a verified event; False if it is already waiting or already applied. Answers once
    the row is committed. Deliveries that arrive while a statement is storing others are
    stored together by the next one (a group commit: one INSERT of many rows costs about what
    one row costs; at rest a group is one delivery)."""
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    _Arriving.waiting.append((event_id, event_type, payload.decode(), future))
    storing = _Arriving.storing
    if storing is None or storing.done() or storing.get_loop() is not loop:
        _Arriving.storing = loop.create_task(_store_arrivals())
    elif _Arriving.lingering is not None:  # it holds its connection for us
        _wake(_Arriving.lingering)
    return await future


async def _store_arrivals() -> None:
    """Store the waiting groups one after the other on ONE pooled connection, held while
    deliveries keep arriving and LINGER_S after the last: a burst checks out a connection once,
    not once a group (the checkout and its switch to autocommit cost about as much CPU as the
    INSERT of a group)."""
    while _Arriving.waiting:
        checked_out = False
        try:
            async with event_store.autocommit() as conn:
                checked_out = True
                while _Arriving.waiting or (LINGER_S and await _more_arrive()):
                    group, _Arriving.waiting = _Arriving.waiting, []
                    params = [
                        value
                        for event_id, event_type, payload, _ in group
                        for value in (event_id, event_type, payload)
                    ]
                    try:
                        stored = {row[0] for row in await _run(conn, _accept_statement(len(group)), params)}
                    except Exception as exc:  # each delivery fails (500) and Stripe delivers it again
                        _fail(group, exc)
                        raise  # the next group gets a connection of its own
                    for event_id, _, _, future in group:  # an id twice in a group: the first was stored
                        if not future.done():
                            future.set_result(event_id in stored)
                        stored.discard(event_id)
        except Exception as exc:
            if not checked_out:  # no connection: the deliveries waiting fail now (no retry loop)
                group, _Arriving.waiting = _Arriving.waiting, []
                _fail(group, exc)


async def _more_arrive() -> bool:
    """Whether a delivery arrives within LINGER_S (the held connection stores it)."""
    loop = asyncio.get_running_loop()
    _Arriving.lingering = woken = loop.create_future()
    timer = loop.call_later(LINGER_S, _wake, woken)
    try:
        await woken
    finally:
        timer.cancel()
        _Arriving.lingering = None
    return bool(_Arriving.waiting)


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _fail(group: list[tuple[str, str, str, asyncio.Future[bool]]], exc: Exception) -> None:
    for _, _, _, future in group:
        if not future.done():
            future.set_exception(exc)


async def claim(conn: AsyncConnection, limit: int) -> list[Accepted]:
    """Up to `limit` due rows, oldest first, locked for `conn`'s transaction (which `done`s them)."""
    rows = [Accepted(*row) for row in await _run(conn, _CLAIM, {"limit": limit})]
    return sorted(rows, key=lambda row: (row.received_at, row.id))


async def claim_one(conn: AsyncConnection, event_id: str) -> Accepted | None:
    """The row, if it is still waiting and no other applier holds it."""
    rows = await _run(conn, _CLAIM_ONE, {"id": event_id})
    return Accepted(*rows[0]) if rows else None


async def done(conn: AsyncConnection, event_ids: list[str]) -> None:
    """Delete the claimed rows, last thing before the commit: a row only locked does not make
    an accept of the same id wait, a deleted one does until the commit."""
    if event_ids:
        await _run(conn, _DONE, {"ids": event_ids}, rows=False)


async def retry_later(event_id: str, error: str) -> tuple[int, bool] | None:
    """Count a failed attempt: (attempts, parked), or None if the row is no longer waiting."""
    async with event_store.autocommit() as conn:
        params = {
            "id": event_id,
            "error": error[:2000],
            "delay": float(RETRY_DELAY_S),
            "cap": float(MAX_RETRY_DELAY_S),
            "max": MAX_ATTEMPTS,
        }
        rows = await _run(conn, _RETRY_LATER, params)
    return (rows[0][0], rows[0][1]) if rows else None
