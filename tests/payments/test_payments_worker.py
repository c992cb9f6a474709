"""`cinema serve` applies Stripe's events in a process of its own (cinema.local.payments_worker):
the server only accepts them, the inbox's NOTIFY wakes the worker at once (well before its
sweep), and SIGTERM ends it."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

from tests.payments.stripe_events import rows
from tests.payments.test_webhook_inbox import bought, deliver, film, inbox_rows, purchase_status  # noqa: F401

from cinema.payments import applier

ROOT = Path(__file__).parents[2]


async def _listening(timeout_s: float = 60.0) -> None:
    """Until the worker has LISTENed (its connection's last statement), however slow its start."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = await rows(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE query = :q", q=f"LISTEN {applier.CHANNEL}"
        )
        if found[0]["n"]:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the payments worker never listened")


async def test_the_worker_applies_what_the_server_only_accepted(client, viewer, film, monkeypatch):  # noqa: F811
    monkeypatch.setattr(applier, "apply_elsewhere", True)  # as `cinema serve` runs the server
    early = bought(viewer, film, intent="pi_early")
    assert await deliver(client, early) == "accepted"
    await asyncio.sleep(0.3)
    assert await purchase_status("pi_early") is None  # the server applies nothing itself
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cinema.local.payments_worker",
        env={**os.environ, "PYTHONPATH": str(ROOT / "layers" / "cinema" / "python")},
    )
    try:
        await _listening()
        deadline = time.monotonic() + 30
        while await purchase_status("pi_early") != "paid":  # its first drain takes what was waiting
            assert time.monotonic() < deadline, "the worker's first drain applied nothing"
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)  # the worker is back waiting for a notification
        late = bought(viewer, film, intent="pi_late")
        accepted_at = time.monotonic()
        assert await deliver(client, late) == "accepted"
        while await purchase_status("pi_late") != "paid":
            # its sweep would come SWEEP_S (5 s) after its last drain, ~4.7 s from here
            assert time.monotonic() - accepted_at < applier.SWEEP_S / 2, "not woken by the NOTIFY"
            await asyncio.sleep(0.02)
        assert await inbox_rows() == []
    finally:
        worker.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(worker.wait(), 30) in {0, -signal.SIGTERM}
