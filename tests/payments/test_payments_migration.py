"""Migration 0005 on a fresh database: the plans are on sale from the first start, with the
prices the local Stripe sells; it downgrades and upgrades again cleanly."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import create_engine, make_url, text

from cinema.core import migrate
from cinema.local.stripe_emulator import objects as stripe_objects


def _admin_execute(url: str, statement: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(statement))
    engine.dispose()


def _migrate_a_fresh_database(server_url: str) -> tuple[list[tuple], list[str], list[tuple]]:
    name = f"payments_{uuid.uuid4().hex[:8]}"
    base = make_url(server_url).set(drivername="postgresql+psycopg")
    url = base.set(database=name).render_as_string(hide_password=False)
    _admin_execute(base.render_as_string(hide_password=False), f'CREATE DATABASE "{name}"')
    try:
        migrate.upgrade(url)
        engine = create_engine(url)
        with engine.connect() as conn:
            seeded = [
                tuple(r)
                for r in conn.execute(
                    text(
                        "SELECT name, interval, price_amount, price_currency, stripe_price_id, active FROM plans ORDER BY price_amount"
                    )
                )
            ]
        migrate.downgrade(url, "0004")
        with engine.connect() as conn:
            left = list(
                conn.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename IN"
                        " ('plans', 'stripe_customers', 'subscriptions', 'purchases', 'payments', 'webhook_events')"
                    )
                ).scalars()
            )
        migrate.upgrade(url)
        with engine.connect() as conn:
            again = [tuple(r) for r in conn.execute(text("SELECT stripe_price_id FROM plans ORDER BY 1"))]
        engine.dispose()
        return seeded, left, again
    finally:
        _admin_execute(
            base.render_as_string(hide_password=False), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
        )


async def test_plans_are_seeded_with_the_prices_the_local_stripe_sells(services):
    seeded, left, again = await asyncio.to_thread(_migrate_a_fresh_database, services.postgres.url)
    assert seeded == [
        ("Monthly", "month", 29900, "RUB", "price_cinema_monthly", True),
        ("Yearly", "year", 299000, "RUB", "price_cinema_yearly", True),
    ]
    for _name, interval, amount, currency, price_id, _active in seeded:
        sold = stripe_objects.LOCAL_PRICES[price_id]
        assert (sold["interval"], sold["unit_amount"], sold["currency"].upper()) == (
            interval,
            amount,
            currency,
        )
    assert left == []
    assert again == [("price_cinema_monthly",), ("price_cinema_yearly",)]
