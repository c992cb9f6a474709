"""can_watch through GET /films/{id}/play: 402 when not entitled; 200 (media ready) or 409
(no playable media yet: entitlement passed) when entitled."""

from __future__ import annotations

import time

import pytest
from tests.media_rows import insert_upload
from tests.payments.stripe_events import (
    API,
    DAY,
    charge,
    event,
    film_session,
    link_customer,
    post,
    subscription,
)

from cinema.account import heartbeats
from cinema.core import cache
from cinema.core.settings import get_settings
from cinema.local.stripe_emulator import objects as stripe_objects


def new(prefix: str) -> str:
    return stripe_objects.new_id(prefix)


async def play(client, film, account) -> int:
    return (await client.get(f"{API}/films/{film['id']}/play", headers=account.auth)).status_code


@pytest.fixture
async def series(catalog, plans):
    """A subscription film with a playable video (and the plans a subscription is sold at)."""
    film = await catalog.film(title="Подписочный", access="subscription", duration_seconds=600)
    await insert_upload(film["id"], ready=True)
    return film


@pytest.fixture
async def premiere(catalog):
    """A film sold one by one, with a playable video."""
    film = await catalog.film(
        title="Премьера", access="purchase", price={"amount": 39900, "currency": "RUB"}, duration_seconds=600
    )
    await insert_upload(film["id"], ready=True)
    return film


async def _subscribe(client, account, *, status: str, started_days_ago: float = 0) -> str:
    customer = await link_customer(account.id)
    now = int(time.time())
    start = now - int(started_days_ago * DAY)
    sub_id = new("sub")
    await post(
        client,
        event("customer.subscription.updated", subscription(sub_id, customer, start=start, status=status)),
    )
    return sub_id


async def _buy(client, account, film) -> str:
    intent = new("pi")
    session = film_session(
        new("cs_test"),
        user_id=str(account.id),
        film_id=film["id"],
        amount=film["price"]["amount"],
        intent=intent,
    )
    assert (await post(client, event("checkout.session.completed", session))).status_code == 200
    return intent


@pytest.mark.parametrize(
    "case",
    [
        ("active", 0, 200),
        ("trialing", 0, 200),
        ("past_due", 1, 200),  # within the 3-day grace period
        ("past_due", 4, 402),  # past it
        ("unpaid", 0, 402),
        ("incomplete", 0, 402),
        ("canceled", 0, 402),
    ],
)
async def test_subscription_statuses(client, viewer, series, case):
    status, started_days_ago, code = case
    assert await play(client, series, viewer) == 402
    await _subscribe(client, viewer, status=status, started_days_ago=started_days_ago)
    assert await play(client, series, viewer) == code


async def test_the_grace_period_is_a_setting(client, viewer, series, monkeypatch):
    await _subscribe(client, viewer, status="past_due", started_days_ago=1)
    assert await play(client, series, viewer) == 200
    monkeypatch.setenv("CINEMA_SUBSCRIPTION_GRACE_DAYS", "0")
    get_settings.cache_clear()
    assert await play(client, series, viewer) == 402
    monkeypatch.setenv("CINEMA_SUBSCRIPTION_GRACE_DAYS", "7")
    get_settings.cache_clear()
    assert await play(client, series, viewer) == 200


async def test_a_purchase_grants_that_film_only_until_refunded(client, accounts, catalog, premiere, series):
    buyer, other = await accounts.create(), await accounts.create()
    other_premiere = await catalog.film(
        title="Другая", access="purchase", price={"amount": 100, "currency": "RUB"}
    )
    intent = await _buy(client, buyer, premiere)
    assert await play(client, premiere, buyer) == 200
    assert await play(client, other_premiere, buyer) == 402
    assert await play(client, series, buyer) == 402  # a purchase is not a subscription
    assert await play(client, premiere, other) == 402  # nor anybody else's
    await post(
        client, event("charge.refunded", charge(new("ch"), intent=intent, amount=39900, refunded=39900))
    )
    assert await play(client, premiere, buyer) == 402


async def test_a_subscription_does_not_open_films_sold_one_by_one(client, viewer, premiere, series):
    await _subscribe(client, viewer, status="active")
    assert await play(client, series, viewer) == 200
    assert await play(client, premiere, viewer) == 402


async def test_a_bought_film_stays_watchable_if_it_joins_the_subscription_catalog(
    client, viewer, admin, premiere
):
    await _buy(client, viewer, premiere)
    moved = await client.patch(
        f"{API}/admin/films/{premiere['id']}",
        json={"access": "subscription", "price": None},
        headers=admin.auth,
    )
    assert moved.status_code == 200
    assert await play(client, premiere, viewer) == 200


async def test_staff_and_free_films_need_nothing(client, accounts, catalog, premiere):
    free = await catalog.film(title="Бесплатный", access="free")
    viewer = await accounts.create()
    for role in ("moderator", "admin"):
        assert await play(client, premiere, await accounts.create(role)) == 200
    assert await play(client, free, viewer) == 409  # entitled; no video yet


async def test_entitled_without_media_is_409_not_402(client, viewer, catalog):
    film = await catalog.film(title="Без видео", access="purchase", price={"amount": 100, "currency": "RUB"})
    assert await play(client, film, viewer) == 402
    await _buy(client, viewer, film)
    assert await play(client, film, viewer) == 409


async def test_entitlement_changes_apply_at_once(client, viewer, series):
    """Playback remembers a film's access for 2 s, but never whether this user may watch."""
    assert await play(client, series, viewer) == 402
    sub_id = await _subscribe(client, viewer, status="active")
    assert await play(client, series, viewer) == 200
    customer = (await client.get(f"{API}/me/subscription", headers=viewer.auth)).json()
    assert customer["status"] == "active"
    from tests.payments.stripe_events import rows  # noqa: PLC0415

    [row] = await rows(
        "SELECT stripe_customer_id FROM subscriptions WHERE stripe_subscription_id = :s", s=sub_id
    )
    canceled = subscription(sub_id, row["stripe_customer_id"], start=int(time.time()), status="canceled")
    await post(client, event("customer.subscription.deleted", canceled, created=int(time.time()) + 1))
    assert await play(client, series, viewer) == 402
    heartbeat = await client.put(
        f"{API}/films/{series['id']}/progress", json={"position_seconds": 10}, headers=viewer.auth
    )
    assert heartbeat.status_code == 402


async def test_after_play_a_subscribers_heartbeats_take_no_database_work(
    client, accounts, viewer, series, checkouts
):
    # /play checked the subscription: the heartbeats it leads to are trusted for as long as
    # its signature lasts; a heartbeat without a /play behind it asks the database.
    stranger = await accounts.create()
    assert await _heartbeat(client, series, stranger, 10) == 402
    await _subscribe(client, viewer, status="active")
    assert await play(client, series, viewer) == 200
    await cache.client().set(heartbeats.FLUSH_LOCK_KEY, b"1", px=60_000)  # someone else flushes
    checkouts[0] = 0
    assert await _heartbeat(client, series, viewer, 10) == 204
    assert checkouts[0] == 0
    await cache.client().delete(heartbeats.FLUSH_LOCK_KEY)
    assert await _resume(client, series, viewer) == 10


async def _heartbeat(client, film, account, position: int) -> int:
    response = await client.put(
        f"{API}/films/{film['id']}/progress", json={"position_seconds": position}, headers=account.auth
    )
    return response.status_code


async def _resume(client, film, account) -> int | None:
    response = await client.get(f"{API}/me/films/{film['id']}", headers=account.auth)
    assert response.status_code == 200, response.text
    return response.json()["position_seconds"]
