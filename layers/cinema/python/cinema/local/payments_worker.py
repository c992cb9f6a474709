"""The payments applier in a process of its own, on one machine: `cinema serve` starts it beside
the server, so that applying Stripe's events never takes the event loop that answers Stripe
(and every viewer). AWS's counterpart is the payments function (cinema.payments.applier).

It LISTENs on the inbox's channel (migration 0016: a NOTIFY rides on every accepting INSERT)
and drains once the webhook has been quiet for `applier.QUIET_S` (at most `applier.YIELD_S`
after the first notification: a burst is accepted first and applied in full batches); without
a notification it sweeps every `applier.SWEEP_S` (events due for a retry, what a crash left). A lost connection is opened
again; a failed drain is logged and the rows stay for the next one (applier.py's guarantees:
every event applied exactly once, whatever process claims it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal

import psycopg
from sqlalchemy.engine import make_url

from cinema.core import db
from cinema.core.logging import configure_local_logging
from cinema.core.settings import Settings, get_settings, use_settings
from cinema.payments import applier

log = logging.getLogger("cinema.payments.worker")

RECONNECT_S = 1.0


def _listen_url(database_url: str) -> str:
    """The database URL as psycopg takes it (SQLAlchemy's names its driver)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _drain() -> None:
    try:
        await applier.drain()
    except Exception:
        log.exception("applying accepted Stripe events failed; they stay in the inbox for the next drain")


async def _listen(url: str) -> None:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute(f"LISTEN {applier.CHANNEL}")
        while True:
            await _drain()
            told = False
            async for _ in conn.notifies(timeout=applier.SWEEP_S, stop_after=1):
                told = True
            if told:
                await _lull(conn)


async def _lull(conn: psycopg.AsyncConnection[tuple[object, ...]]) -> None:
    """Accepting comes first (Stripe waits for the answer; an event applied a moment later
    costs only that moment): while notifications keep coming, wait until the webhook has been
    quiet for QUIET_S, or YIELD_S at most, so that a burst is not slowed by applying beside it
    and its events are applied in full batches after it."""
    loop = asyncio.get_running_loop()
    latest = loop.time() + applier.YIELD_S
    while (left := latest - loop.time()) > 0:
        told = False
        async for _ in conn.notifies(timeout=min(applier.QUIET_S, left), stop_after=1):
            told = True
        if not told:
            return


async def serve() -> None:
    """Apply accepted events until cancelled."""
    url = _listen_url(get_settings().database_url)
    try:
        while True:
            try:
                await _listen(url)
            except (psycopg.Error, OSError) as exc:
                log.warning("payments worker lost PostgreSQL (%s); listening again in %s s", exc, RECONNECT_S)
                await asyncio.sleep(RECONNECT_S)
    finally:
        await db.dispose()


def main(settings: Settings | None = None) -> None:
    """The worker process: `settings` as the server has them (`cinema serve` passes its own),
    else from the environment. SIGTERM ends it; a drain cut short rolls back (applier.py)."""
    if settings is not None:
        use_settings(settings)
    configure_local_logging(os.environ.get("CINEMA_LOG_LEVEL", "INFO"))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the server, which stops us
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


def start(settings: Settings) -> multiprocessing.process.BaseProcess:
    """The worker beside `cinema serve` (a fresh interpreter: nothing of the server's state)."""
    process = multiprocessing.get_context("spawn").Process(
        target=main, args=(settings,), name="cinema-payments-worker", daemon=True
    )
    process.start()
    return process


def stop(process: multiprocessing.process.BaseProcess, timeout_s: float = 5.0) -> None:
    process.terminate()
    process.join(timeout_s)
    if process.is_alive():
        process.kill()
        process.join()


if __name__ == "__main__":  # the bench starts it this way, its settings in the environment
    main()
