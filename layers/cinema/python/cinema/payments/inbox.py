"""The webhook inbox (table webhook_inbox, migration 0012): Stripe events verified and
accepted by POST /payments/webhook, waiting for the applier (applier.py).

- `accept` is the route's only database work: one INSERT of (id, type, the signed body) in
  autocommit, so the event is durable before Stripe gets its 2xx. ON CONFLICT DO NOTHING
  dedupes a redelivery of an event still waiting, and NOT EXISTS one already applied (its id
  is in webhook_events); a redelivery that races the applier's commit may be accepted again,
  and the applier then finds its id in webhook_events and changes nothing.
- The applier `claim`s due rows with FOR UPDATE SKIP LOCKED and deletes them in the same
  statement, inside the transaction that applies them: the row goes exactly when the event's
  id and effect commit (DESIGN.md: "the event id in the same transaction as its effect"), and
  comes back if it rolls back. Two processes never claim the same row.
- A row whose application fails is `retry_later`: its attempts counted, its error kept, due
  again after a growing delay, and parked (kept, never applied again by itself) after
  MAX_ATTEMPTS, for a person to look at and put back (`UPDATE webhook_inbox SET parked_at =
  NULL, attempts = 0, due_at = now() WHERE id = ...`).

The statements are plain SQL run on the pooled connection's psycopg connection, as
event_store.py runs its own (SQLAlchemy's execution layer cost more than the statement).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

import psycopg
from sqlalchemy.ext.asyncio import AsyncConnection

from cinema.payments import event_store

MAX_ATTEMPTS = 8
RETRY_DELAY_S = 1.0  # doubled at each attempt, at most MAX_RETRY_DELAY_S
MAX_RETRY_DELAY_S = 300.0

_ACCEPT = (
    "INSERT INTO webhook_inbox (id, type, payload)"
    " SELECT %(id)s::varchar, %(type)s::varchar, %(payload)s::text"
    " WHERE NOT EXISTS (SELECT FROM webhook_events WHERE id = %(id)s::varchar)"
    " ON CONFLICT (id) DO NOTHING RETURNING 1"
)
_CLAIM = (
    "DELETE FROM webhook_inbox WHERE id IN ("
    "SELECT id FROM webhook_inbox WHERE parked_at IS NULL AND due_at <= now()"
    " ORDER BY due_at, received_at LIMIT %(limit)s FOR UPDATE SKIP LOCKED)"
    " RETURNING id, type, payload, attempts, received_at"
)
_CLAIM_ONE = (
    "DELETE FROM webhook_inbox WHERE id = ("
    "SELECT id FROM webhook_inbox WHERE id = %(id)s AND parked_at IS NULL FOR UPDATE SKIP LOCKED)"
    " RETURNING id, type, payload, attempts, received_at"
)
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


async def _run(conn: AsyncConnection, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    driver = (await conn.get_raw_connection()).driver_connection
    try:
        cursor = await driver.execute(sql, params)
        return await cursor.fetchall()
    except psycopg.OperationalError:
        await conn.invalidate()  # the connection is gone: it does not go back to the pool
        raise


async def accept(event_id: str, event_type: str, payload: bytes) -> bool:
    """Store a verified event; False if it is already waiting or already applied."""
    params = {"id": event_id, "type": event_type, "payload": payload.decode()}
    async with event_store.autocommit() as conn:
        return bool(await _run(conn, _ACCEPT, params))


async def claim(conn: AsyncConnection, limit: int) -> list[Accepted]:
    """Up to `limit` due rows, oldest first, deleted in `conn`'s transaction."""
    rows = [Accepted(*row) for row in await _run(conn, _CLAIM, {"limit": limit})]
    return sorted(rows, key=lambda row: (row.received_at, row.id))


async def claim_one(conn: AsyncConnection, event_id: str) -> Accepted | None:
    """The row, if it is still waiting and no other applier holds it."""
    rows = await _run(conn, _CLAIM_ONE, {"id": event_id})
    return Accepted(*rows[0]) if rows else None


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
