"""GET /admin/stats: the figures of the staff dashboard, every day of the period present."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import text

from cinema.core import db

API = "/api/v1"


def _today() -> date:
    return datetime.now(UTC).date()


async def _views(film_id: str, day: date, views: int) -> None:
    async with db.engine().begin() as conn:
        await conn.execute(
            text("INSERT INTO film_views_daily (film_id, day, views) VALUES (:film, :day, :views)"),
            {"film": film_id, "day": day, "views": views},
        )


async def _payment(
    user_id: uuid.UUID,
    day: date,
    amount: int,
    *,
    status: str = "paid",
    refunded: int = 0,
    currency: str = "RUB",
) -> None:
    async with db.engine().begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO payments (user_id, kind, status, amount, currency, amount_refunded,"
                " stripe_payment_intent_id, created_at) VALUES (:user, 'film', :status, :amount, :currency,"
                " :refunded, :intent, :at)"
            ),
            {
                "user": user_id,
                "status": status,
                "amount": amount,
                "currency": currency,
                "refunded": refunded,
                "intent": f"pi_{uuid.uuid4().hex}",
                "at": datetime.combine(day, time(12), UTC),
            },
        )


async def _created(user_id: uuid.UUID, day: date) -> None:
    async with db.engine().begin() as conn:
        await conn.execute(
            text("UPDATE users SET created_at = :at WHERE id = :id"),
            {"at": datetime.combine(day, time(23, 30), UTC), "id": user_id},
        )


async def test_every_day_is_present_and_each_figure_comes_from_its_domain(client, catalog, admin, accounts):
    today = _today()
    popular = await catalog.film(title="Popular")
    draft = await catalog.film(title="Draft", publish=False)
    await _views(popular["id"], today, 5)
    await _views(popular["id"], today - timedelta(days=2), 3)
    await _views(draft["id"], today - timedelta(days=2), 4)
    await _views(popular["id"], today - timedelta(days=10), 100)  # outside a 7-day period
    buyer = await accounts.create()
    await _created(buyer.id, today - timedelta(days=1))
    await _payment(buyer.id, today, 29900)
    await _payment(buyer.id, today, 10000, refunded=2500)  # partly refunded: 7500 counts
    await _payment(buyer.id, today - timedelta(days=1), 50000, status="refunded", refunded=50000)
    await _payment(buyer.id, today - timedelta(days=3), 9900, status="failed")
    await _payment(buyer.id, today - timedelta(days=30), 77700)  # outside

    response = await client.get(f"{API}/admin/stats", params={"days": 7}, headers=admin.auth)
    assert response.status_code == 200, response.text
    stats = response.json()
    days = [str(today - timedelta(days=n)) for n in range(6, -1, -1)]
    assert stats["days"] == 7
    assert [v["date"] for v in stats["views_per_day"]] == days
    assert [v["views"] for v in stats["views_per_day"]] == [0, 0, 0, 0, 7, 0, 5]
    assert [(r["date"], r["amount"], r["currency"]) for r in stats["revenue_per_day"]] == [
        (d, 37400 if d == str(today) else 0, "RUB") for d in days
    ]
    signups = {s["date"]: s["count"] for s in stats["signups_per_day"]}
    assert list(signups) == days
    assert signups[str(today - timedelta(days=1))] == 1
    assert signups[str(today)] >= 1  # the admin (and the catalog's) accounts signed up today
    assert sum(signups.values()) == signups[str(today)] + 1
    assert stats["top_films"] == [
        {"film_id": popular["id"], "title": "Popular", "views": 8},
        {"film_id": draft["id"], "title": "Draft", "views": 4},
    ]


async def test_a_quiet_period_is_all_zeros_in_the_default_30_days(client, admin):
    response = await client.get(f"{API}/admin/stats", headers=admin.auth)
    assert response.status_code == 200
    stats = response.json()
    assert len(stats["views_per_day"]) == len(stats["revenue_per_day"]) == len(stats["signups_per_day"]) == 30
    assert {v["views"] for v in stats["views_per_day"]} == {0}
    assert {(r["amount"], r["currency"]) for r in stats["revenue_per_day"]} == {(0, "RUB")}
    assert stats["top_films"] == []
    assert stats["views_per_day"][-1]["date"] == str(_today())


async def test_one_line_per_day_and_currency(client, admin, accounts):
    buyer = await accounts.create()
    await _payment(buyer.id, _today(), 500, currency="EUR")
    await _payment(buyer.id, _today(), 40000)
    stats = (await client.get(f"{API}/admin/stats", params={"days": 2}, headers=admin.auth)).json()
    assert [(r["date"], r["currency"], r["amount"]) for r in stats["revenue_per_day"]] == [
        (str(_today() - timedelta(days=1)), "EUR", 0),
        (str(_today() - timedelta(days=1)), "RUB", 0),
        (str(_today()), "EUR", 500),
        (str(_today()), "RUB", 40000),
    ]


async def test_admins_only_and_days_are_checked(client, accounts, admin):
    moderator = await accounts.create("moderator")
    assert (await client.get(f"{API}/admin/stats")).status_code == 401
    assert (await client.get(f"{API}/admin/stats", headers=moderator.auth)).status_code == 403
    for days in (0, 366, "x"):
        response = await client.get(f"{API}/admin/stats", params={"days": days}, headers=admin.auth)
        assert response.status_code == 422
    assert (
        await client.get(f"{API}/admin/stats", params={"days": 365}, headers=admin.auth)
    ).status_code == 200
