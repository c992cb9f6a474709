"""1,000 events of mixed types for many users, each delivered 1-3 times in shuffled order
(several at once), plus 10 % forged requests: the entitlements and the payment history equal
the expected ledger exactly, and every forged request got 400 with nothing stored."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime

from tests.payments import ledger, stories
from tests.payments.stripe_events import API, WEBHOOK_SECRET

from cinema.payments import applier

EVENTS = 1_000
USERS = 120
FILMS = 6
CONCURRENCY = 8


async def test_a_thousand_events_leave_exactly_the_expected_ledger(client, plans):
    world = await stories.create_world(USERS, FILMS, seed=11)
    events = stories.scenario(world, EVENTS, seed=12)
    assert len(events) == EVENTS
    deliveries = stories.deliveries(events, WEBHOOK_SECRET, seed=13)
    forged = [d for d in deliveries if d.forged]
    genuine = [d for d in deliveries if not d.forged]

    gate = asyncio.Semaphore(CONCURRENCY)
    statuses: list[int] = [0] * len(deliveries)

    async def send(i: int, delivery: stories.Delivery) -> None:
        async with gate:
            response = await client.post(
                f"{API}/payments/webhook", content=delivery.body, headers=delivery.headers
            )
            statuses[i] = response.status_code

    started = time.perf_counter()
    await asyncio.gather(*(send(i, d) for i, d in enumerate(deliveries)))
    answered = time.perf_counter() - started
    await applier.settled()  # what the deliveries woke, applied
    elapsed = time.perf_counter() - started

    by_kind = Counter((d.forged is not None, s) for d, s in zip(deliveries, statuses, strict=True))
    assert by_kind == {(False, 200): len(genuine), (True, 400): len(forged)}, by_kind
    stored = await ledger.stored_event_ids()
    assert stored == ledger.handled_ids(events)
    forged_only = {d.event_id for d in forged} - {e["id"] for e in events}
    assert forged_only
    assert not forged_only & stored

    want = ledger.expected(world, events, now=datetime.now(UTC))
    got = await ledger.actual(world)
    assert want.differences(got) == []
    # the same entitlements through the API: 402 = not entitled, 409 = entitled (no video)
    for user, _ in world.users:
        headers = {"Authorization": f"Bearer {world.tokens[user]}"}
        for film in [world.subscription_film, *(f for f, _, _ in world.films)]:
            code = (await client.get(f"{API}/films/{film}/play", headers=headers)).status_code
            assert code == (409 if (user, film) in want.entitled else 402), (user, film, code)
    # and the history as each user sees it
    for user, _ in world.users[:30]:
        headers = {"Authorization": f"Bearer {world.tokens[user]}"}
        page = (await client.get(f"{API}/me/payments", params={"limit": 100}, headers=headers)).json()
        assert page["total"] == sum(1 for p in want.payments.values() if p[0] == user)

    types = Counter(e["type"] for e in events)
    print(  # shown with pytest -s: the figures of the closing note
        f"\n{EVENTS} events ({dict(types)}) for {USERS} users; {len(deliveries)} deliveries:"
        f" {len(genuine)} genuine ({len(genuine) - EVENTS} redeliveries), {len(forged)} forged"
        f" ({Counter(d.forged for d in forged)}); {len(stored)} events applied;"
        f" {len(want.subscriptions)} subscriptions, {len(want.payments)} payments, {len(want.purchases)} purchases,"
        f" {len(want.entitled)} entitled (user, film) pairs; answered in {answered:.1f}s, applied in {elapsed:.1f}s,"
        f" {len(deliveries) / elapsed:.0f} deliveries/s at concurrency {CONCURRENCY}"
    )
