"""IAM authentication to the RDS Proxy (cinema.core.db): the URL has no password, each new
connection gets an IAM token as its password through SQLAlchemy's do_connect event.

The test PostgreSQL trusts loopback, so it accepts whatever password comes: what is proven here
is that the token reaches the driver as the password of every new connection, for the URL's
host, port and user, and that a token is what boto3 signs for RDS (offline, fake credentials).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import create_engine, event, pool, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from cinema.core import db
from cinema.core.settings import Settings, use_settings


@pytest.fixture
def fake_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


class Recorder:
    """Stands in for IamTokens: hands out numbered tokens and records what they were for."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, str]] = []

    def __call__(self, host: str, port: int, user: str) -> str:
        self.calls.append((host, port, user))
        return f"token-{len(self.calls)}"


def passwords_of(sync_engine: Any) -> list[str]:
    """The password of every connection the driver is asked to open (a listener added after
    use_iam_auth's runs after it)."""
    seen: list[str] = []

    @event.listens_for(sync_engine, "do_connect")
    def _record(_dialect, _record, _cargs, cparams):
        seen.append(cparams.get("password"))

    return seen


def test_a_token_is_an_rds_connect_request_signed_for_the_host_and_user(fake_aws):
    tokens = db.IamTokens("eu-central-1")
    token = tokens("db.proxy-abc.eu-central-1.rds.amazonaws.com", 5432, "cinema")
    assert token.startswith("db.proxy-abc.eu-central-1.rds.amazonaws.com:5432/?")
    query = parse_qs(urlsplit(f"https://{token}").query)
    assert query["Action"] == ["connect"]
    assert query["DBUser"] == ["cinema"]
    assert query["X-Amz-Credential"][0].startswith("AKIDEXAMPLE/")
    assert "/eu-central-1/rds-db/aws4_request" in query["X-Amz-Credential"][0]
    assert query["X-Amz-Expires"] == ["900"]
    assert "X-Amz-Signature" in query
    # reused while fresh (signing is per container, not per connection) ...
    assert tokens("db.proxy-abc.eu-central-1.rds.amazonaws.com", 5432, "cinema") is token
    # ... and signed again once it is older than the reuse window
    stale = db.IamTokens("eu-central-1", reuse_s=0)
    first = stale("h", 5432, "cinema")
    assert stale("h", 5432, "cinema") is not first


async def test_every_new_async_connection_authenticates_with_a_token(services):
    url = make_url(services.postgres.url)
    assert url.password is None  # what the template sets: no password in the URL
    engine = create_async_engine(url, poolclass=pool.NullPool)
    tokens = Recorder()
    db.use_iam_auth(engine.sync_engine, "eu-central-1", tokens)
    passwords = passwords_of(engine.sync_engine)
    try:
        for _ in range(2):  # NullPool: a new connection each time
            async with engine.connect() as conn:
                assert (await conn.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await engine.dispose()
    assert tokens.calls == [(url.host, url.port, url.username)] * 2
    assert passwords == ["token-1", "token-2"]


def test_a_synchronous_engine_too(services):
    # the migrate function's Alembic connection (functions/migrate) is synchronous
    engine = create_engine(make_url(services.postgres.url), poolclass=pool.NullPool)
    tokens = Recorder()
    db.use_iam_auth(engine, "eu-central-1", tokens)
    passwords = passwords_of(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()
    assert passwords == ["token-1"]


async def test_the_app_engine_uses_iam_auth_when_the_settings_say_so(services, monkeypatch):
    made: list[Recorder] = []

    def recorder(_region: str) -> Recorder:
        made.append(Recorder())
        return made[-1]

    monkeypatch.setattr(db, "IamTokens", recorder)
    # the app's engine of this test session is set aside, not disposed
    monkeypatch.setattr(db, "_engine", None)
    monkeypatch.setattr(db, "_sessions", None)
    monkeypatch.setattr(db, "_readers", None)
    use_settings(Settings(database_url=services.postgres.url, database_iam_auth=True))
    try:
        async with db.engine().connect() as conn:
            assert (await conn.execute(text("SELECT 1"))).scalar() == 1
        await db.engine().dispose()
    finally:
        use_settings(None)
    url = make_url(services.postgres.url)
    assert [r.calls for r in made] == [[(url.host, url.port, url.username)]]


def test_a_url_without_host_or_user_is_refused():
    engine = create_engine("postgresql+psycopg:///cinema")
    with pytest.raises(RuntimeError, match="host and a user"):
        db.use_iam_auth(engine, "eu-central-1")
