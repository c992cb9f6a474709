"""The webhook answers once an event is stored in the inbox; the applier applies it after the
answer (payments/applier.py). Redeliveries and concurrent deliveries are accepted once, an
event that keeps failing is parked without holding the others back, what a crash left is
applied by the sweep, two appliers never apply one event twice, and a buyer can watch within
moments of paying."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from tests.media_rows import insert_upload
from tests.payments.stripe_events import (
    API,
    counts,
    event,
    film_session,
    invoice,
    link_customer,
    purchase_status,
    rows,
    signed,
)

from cinema.local.stripe_emulator import objects as stripe_objects
from cinema.payments import applier, inbox

ROOT = Path(__file__).parents[2]


def new(prefix: str) -> str:
    return stripe_objects.new_id(prefix)


@pytest.fixture
async def film(catalog):
    return await catalog.film(
        title="Андрей Рублёв", access="purchase", price={"amount": 9900, "currency": "RUB"}
    )


def bought(viewer, film, intent: str | None = None) -> dict:
    session = film_session(
        new("cs_test"), user_id=str(viewer.id), film_id=film["id"], amount=9900, intent=intent or new("pi")
    )
    return event("checkout.session.completed", session)


async def deliver(client, e: dict) -> str:
    """One delivery, answered; nothing waits for the applier."""
    body, headers = signed(e)
    response = await client.post(f"{API}/payments/webhook", content=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["result"]


@pytest.fixture
def crashed(monkeypatch):
    """The process that accepted the events dies before applying them: nothing wakes the applier."""

    async def nothing() -> None:
        pass

    monkeypatch.setattr(applier, "wake", nothing)


async def inbox_rows() -> list[dict]:
    return await rows(
        "SELECT id, type, attempts, last_error, parked_at FROM webhook_inbox ORDER BY received_at"
    )


async def test_a_redelivery_is_accepted_once_whether_waiting_or_applied(client, viewer, film, crashed):
    paid = bought(viewer, film)
    assert [await deliver(client, paid) for _ in range(2)] == ["accepted", "duplicate"]  # waiting
    assert [r["id"] for r in await inbox_rows()] == [paid["id"]]
    assert await applier.drain() == 1
    assert await inbox_rows() == []
    assert await deliver(client, paid) == "duplicate"  # applied
    assert await inbox_rows() == []
    assert await counts() == {"webhook_events": 1, "subscriptions": 0, "purchases": 1, "payments": 1}


async def test_concurrent_deliveries_apply_each_event_once(client, accounts, film, caplog):
    caplog.set_level(logging.INFO, "cinema.payments.applier")
    buyers = [await accounts.create() for _ in range(5)]
    events = [bought(buyer, film) for buyer in buyers]
    results = await asyncio.gather(*(deliver(client, e) for e in events for _ in range(4)))
    by_event = [results[i * 4 : i * 4 + 4] for i in range(len(events))]
    # mostly one `accepted` each; a redelivery racing the applier's commit may be accepted
    # again, and then changes nothing
    assert all("accepted" in r and set(r) <= {"accepted", "duplicate"} for r in by_event), by_event
    await applier.settled()
    assert await counts() == {"webhook_events": 5, "subscriptions": 0, "purchases": 5, "payments": 5}
    assert await inbox_rows() == []
    applied = [r.getMessage().split()[2] for r in caplog.records if r.getMessage().startswith("applied ")]
    assert sorted(applied) == sorted(e["id"] for e in events)  # each exactly once
    for buyer in buyers:
        [line] = (await client.get(f"{API}/me/payments", headers=buyer.auth)).json()["items"]
        assert line["status"] == "paid"


async def test_a_poison_event_is_retried_then_parked_and_holds_nothing_back(
    client, viewer, film, monkeypatch, caplog
):
    monkeypatch.setattr(inbox, "RETRY_DELAY_S", 0.3)  # then 0.6 s
    monkeypatch.setattr(inbox, "MAX_ATTEMPTS", 3)
    caplog.set_level(logging.WARNING, "cinema.payments.applier")
    customer = await link_customer(viewer.id)
    # Stripe's ids are short: this one does not fit its column, so applying it always fails
    poison = event(
        "invoice.paid", invoice("in_" + "x" * 300, customer, new("sub"), paid=True, start=int(time.time()))
    )
    first, second = bought(viewer, film, intent="pi_before"), bought(viewer, film, intent="pi_after")
    for e in (first, poison, second):  # one batch: the poison fails it, the others are applied alone
        assert await deliver(client, e) == "accepted"
    await applier.settled()
    assert (await purchase_status("pi_before"), await purchase_status("pi_after")) == ("paid", "paid")
    [waiting] = await inbox_rows()
    assert (waiting["id"], waiting["attempts"], waiting["parked_at"]) == (poison["id"], 1, None)
    assert "StringDataRightTruncation" in waiting["last_error"]
    # a later event is not held back by the one that waits for its retry
    later = bought(viewer, film, intent="pi_later")
    assert await deliver(client, later) == "accepted"
    await applier.settled()
    assert await purchase_status("pi_later") == "paid"
    for attempt in (2, 3):
        await applier.drain()
        assert [r["attempts"] for r in await inbox_rows()] == [attempt - 1]  # not due yet
        await asyncio.sleep(0.3 * 2 ** (attempt - 2) + 0.05)
        await applier.drain()
        assert [r["attempts"] for r in await inbox_rows()] == [attempt]
    [parked] = await inbox_rows()
    assert (parked["id"], parked["attempts"]) == (poison["id"], 3)
    assert parked["parked_at"] is not None
    assert await applier.drain() == 0  # parked: no longer tried
    assert (await counts())["webhook_events"] == 3  # the three good ones; the poison is kept, not applied
    assert any(r.getMessage().startswith(f"PARKED webhook event {poison['id']}") for r in caplog.records)
    assert await deliver(client, poison) == "duplicate"  # still kept: a redelivery adds nothing


async def test_an_event_left_by_a_crash_is_applied_by_the_sweep(client, viewer, film, crashed, monkeypatch):
    paid = bought(viewer, film, intent="pi_crash")
    assert await deliver(client, paid) == "accepted"
    await asyncio.sleep(0.05)
    assert await purchase_status("pi_crash") is None  # accepted, durable, not applied
    assert len(await inbox_rows()) == 1
    monkeypatch.setattr(applier, "SWEEP_S", 0.05)
    sweep = asyncio.get_running_loop().create_task(applier.sweep())  # as the local app's lifespan runs it
    try:
        for _ in range(100):
            if await purchase_status("pi_crash") == "paid":
                break
            await asyncio.sleep(0.02)
    finally:
        sweep.cancel()
        await asyncio.gather(sweep, return_exceptions=True)
    assert await purchase_status("pi_crash") == "paid"
    assert await inbox_rows() == []


DRAIN = """
import asyncio, json
from cinema.core import db
from cinema.payments import applier

async def main():
    try:
        print(json.dumps(await applier.drain()))
    finally:
        await db.dispose()

asyncio.run(main())
"""


async def test_two_processes_draining_apply_every_event_once(client, accounts, film, crashed):
    buyers = [await accounts.create() for _ in range(3)]
    events = [bought(buyer, film) for buyer in buyers for _ in range(40)]
    for e in events:
        assert await deliver(client, e) == "accepted"
    other = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        DRAIN,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT / "layers" / "cinema" / "python")},
    )
    await asyncio.sleep(0.5)  # let it start (imports) before this process drains too
    here = await applier.drain()
    out, _ = await other.communicate()
    assert other.returncode == 0
    there = json.loads(out.decode().strip().splitlines()[-1])
    assert here + there == len(events)  # every row claimed by exactly one of them
    assert await counts() == {"webhook_events": 120, "subscriptions": 0, "purchases": 120, "payments": 120}


async def test_a_buyer_can_watch_moments_after_paying(client, viewer, catalog, fake):
    """Through HTTP as a person does it: checkout, Pay on the local Stripe's page (its webhooks
    answered before they are applied), then the film plays: the applier, woken by the delivery,
    is done within moments, with nothing waiting for it."""
    film = await catalog.film(title="Солярис", access="purchase", price={"amount": 24900, "currency": "RUB"})
    await insert_upload(film["id"], ready=True)

    async def deliver_only(body: bytes, headers: dict[str, str]) -> int:
        return (await client.post(f"{API}/payments/webhook", content=body, headers=headers)).status_code

    fake.deliver = deliver_only
    checkout = await client.post(
        f"{API}/payments/checkout", json={"kind": "film", "film_id": film["id"]}, headers=viewer.auth
    )
    assert checkout.status_code == 201
    paid = await client.post(
        f"{urlsplit(checkout.json()['checkout_url']).path}/pay", data={"outcome": "succeeded"}
    )
    assert paid.status_code == 303  # the webhooks were answered, and Stripe sends the buyer back
    answered = time.perf_counter()
    statuses = []
    while (
        status := (await client.get(f"{API}/films/{film['id']}/play", headers=viewer.auth)).status_code
    ) != 200:
        statuses.append(status)
        assert time.perf_counter() - answered < 2, statuses
        await asyncio.sleep(0.005)
    assert set(statuses) <= {402}
    assert time.perf_counter() - answered < 2
