"""In the AWS shape no connection holds a server-side prepared statement, which would pin it to
one backend of the RDS Proxy; one machine's server keeps psycopg's (they save parsing)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from cinema.core import db
from cinema.core.settings import Settings, use_settings

JWT = "x" * 40


@pytest.mark.parametrize(("shape", "prepares"), [("aws", False), ("local", True)])
async def test_statements_are_prepared_on_one_machine_only(services, monkeypatch, shape, prepares):
    # the app's engine of this test session is set aside, not disposed
    monkeypatch.setattr(db, "_engine", None)
    monkeypatch.setattr(db, "_sessions", None)
    monkeypatch.setattr(db, "_readers", None)
    use_settings(Settings(shape=shape, database_url=services.postgres.url, jwt_secret=JWT))
    try:
        async with db.engine().connect() as conn:
            for _ in range(8):  # psycopg prepares a statement from its fifth run on
                await conn.execute(text("SELECT count(*) FROM films WHERE year > :y"), {"y": 1900})
            held = (await conn.execute(text("SELECT count(*) FROM pg_prepared_statements"))).scalar_one()
        await db.engine().dispose()
    finally:
        use_settings(None)
    assert (held > 0) is prepares
