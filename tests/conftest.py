"""The test session starts its own PostgreSQL and Redis (the same resolution as `make run`),
migrates with Alembic, and empties every table after each test.

CINEMA_TEST_DATABASE_URL / CINEMA_TEST_REDIS_URL point the suite at existing servers; the
plain CINEMA_* URLs are deliberately ignored so a test run never truncates a real database.
"""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, text

from cinema.core import cache, db, migrate
from cinema.core.settings import Settings, get_settings
from cinema.local.services.backing import LocalServices
from cinema.local.web import browser_origins
from cinema.media.signing import generate_key_pair

CLOUDFRONT_KEY_ID = "KTESTKEYPAIR01"
CLOUDFRONT_KEYS = generate_key_pair()  # (private PEM, public PEM): the trusted key group of the tests

# Tests that judge latency while a fault is injected or a storm runs: `make test` runs them
# after the parallel part, one process alone, so that another worker's tests do not take the
# CPU their time bounds are for (marker `alone`).
ALONE = (
    "tests/faults/",
    "tests/auth/test_hashing.py",
    "tests/payments/test_provider_outage.py",
    "tests/payments/test_webhook_inbox.py",
    "tests/payments/test_payments_worker.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(str(config.rootpath))
    for item in items:
        if Path(str(item.path)).relative_to(root).as_posix().startswith(ALONE):
            item.add_marker(pytest.mark.alone)


@pytest.fixture(scope="session")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServices]:
    data_dir: Path = tmp_path_factory.mktemp("cinema")
    running = LocalServices(
        data_dir,
        database_url=os.environ.get("CINEMA_TEST_DATABASE_URL", ""),
        redis_url=os.environ.get("CINEMA_TEST_REDIS_URL", ""),
        s3_endpoint_url=os.environ.get("CINEMA_TEST_S3_ENDPOINT_URL", ""),
        buckets=["cinema-uploads", "cinema-media", "cinema-web"],
        # as `cinema serve` does: the app's default origin (http://127.0.0.1:8000) and the dev server's
        bucket_cors={"cinema-uploads": browser_origins(Settings())},
        persistent_ports=False,
        fast=True,
    ).start()
    os.environ.update(
        running.environment(),
        CINEMA_SHAPE="local",
        CINEMA_JWT_SECRET=secrets.token_urlsafe(48),
        CINEMA_MAILER="outbox",
        CINEMA_CLOUDFRONT_KEY_PAIR_ID=CLOUDFRONT_KEY_ID,
        CINEMA_CLOUDFRONT_PRIVATE_KEY=CLOUDFRONT_KEYS[0].decode(),
    )
    get_settings.cache_clear()
    migrate.upgrade(running.postgres.url)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def app(services: LocalServices):
    from cinema.local.app import create_app  # noqa: PLC0415 - after settings point at the services

    return create_app()


@pytest.fixture(scope="session")
async def _engine_lifetime(services: LocalServices) -> AsyncIterator[None]:
    yield
    await db.dispose()


@pytest.fixture(autouse=True)
async def clean_state(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Every test starts with empty tables, an empty Redis and fresh in-process counters."""
    yield
    if "services" not in request.fixturenames:
        return
    from cinema.auth import ratelimit  # noqa: PLC0415

    get_settings.cache_clear()
    async with db.engine().begin() as conn:
        tables = (
            (
                await conn.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                    )
                )
            )
            .scalars()
            .all()
        )
        if tables:
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    cache.reset()
    from cinema.catalog import caching  # noqa: PLC0415

    caching.clear_local()
    redis = cache.client()
    if redis is not None:
        await redis.flushdb()
    ratelimit._local.__init__()


@pytest.fixture
async def client(app, _engine_lifetime: None) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


API = "/api/v1"


@dataclass
class Account:
    id: uuid.UUID
    email: str
    password: str
    access_token: str
    refresh_token: str
    profile_id: uuid.UUID  # the account's first profile: the one a request without X-Profile-Id acts for

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


class Accounts:
    """Makes signed-in accounts through the public API; staff roles are granted in the
    database, as `cinema create-admin` does, because no API call may mint the first admin."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def create(
        self, role: str = "user", *, email: str | None = None, password: str | None = None
    ) -> Account:
        email = email or f"{role}-{uuid.uuid4().hex[:10]}@kino.io"
        password = password or f"pw-{secrets.token_urlsafe(12)}"
        response = await self.http.post(f"{API}/auth/register", json={"email": email, "password": password})
        assert response.status_code == 201, response.text
        user_id = uuid.UUID(response.json()["id"])
        if role != "user":
            async with db.engine().begin() as conn:
                await conn.execute(
                    text("UPDATE users SET role = :role WHERE id = :id"), {"role": role, "id": user_id}
                )
        tokens = await self.login(email, password)
        auth = {"Authorization": f"Bearer {tokens['access_token']}"}
        profiles = await self.http.get(f"{API}/me/profiles", headers=auth)
        assert profiles.status_code == 200, profiles.text
        profile_id = uuid.UUID(profiles.json()["items"][0]["id"])
        return Account(user_id, email, password, tokens["access_token"], tokens["refresh_token"], profile_id)

    async def login(self, email: str, password: str) -> dict[str, str]:
        response = await self.http.post(f"{API}/auth/token", data={"username": email, "password": password})
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def accounts(client: httpx.AsyncClient) -> Accounts:
    return Accounts(client)


@pytest.fixture
async def viewer(accounts: Accounts) -> Account:
    return await accounts.create("user")


@pytest.fixture
async def admin(accounts: Accounts) -> Account:
    return await accounts.create("admin")


class Catalog:
    """Builds catalog content through the admin API, as staff would."""

    def __init__(self, client, admin) -> None:
        self.client = client
        self.admin = admin
        self.genres: set[str] = set()

    async def genre(self, slug: str, name: str | None = None) -> None:
        if slug in self.genres:
            return
        response = await self.client.post(
            f"{API}/admin/genres", json={"slug": slug, "name": name or slug.title()}, headers=self.admin.auth
        )
        assert response.status_code == 201, response.text
        self.genres.add(slug)

    async def film(self, *, publish: bool = True, **fields: Any) -> dict[str, Any]:
        body = {"title": "Film", "year": 2000, "duration_seconds": 5400} | fields
        for slug in body.get("genres", []):
            await self.genre(slug)
        response = await self.client.post(f"{API}/admin/films", json=body, headers=self.admin.auth)
        assert response.status_code == 201, response.text
        film = response.json()
        if publish:
            published = await self.client.patch(
                f"{API}/admin/films/{film['id']}", json={"status": "published"}, headers=self.admin.auth
            )
            assert published.status_code == 200, published.text
            film = published.json()
        return film


@pytest.fixture
async def catalog(client, admin) -> Catalog:
    return Catalog(client, admin)


@pytest.fixture(scope="session")
def cloudfront_public_keys(services: LocalServices) -> dict[str, bytes]:
    """The trusted key group the signatures of this test session verify against."""
    return {CLOUDFRONT_KEY_ID: CLOUDFRONT_KEYS[1]}


@pytest.fixture
def checkouts() -> Iterator[list[int]]:
    """How many times the app took a connection from the pool (a session that did work)."""
    counted = [0]

    def on_checkout(*_: object) -> None:
        counted[0] += 1

    pool = db.engine().sync_engine.pool
    event.listen(pool, "checkout", on_checkout)
    yield counted
    event.remove(pool, "checkout", on_checkout)


@pytest.fixture
def empty_database(services: LocalServices) -> Iterator[str]:
    """A database of its own in the test PostgreSQL, as a new stack's RDS instance starts (for
    the migrations' own tests); dropped afterwards."""
    from sqlalchemy import create_engine, pool  # noqa: PLC0415
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    admin_url = make_url(services.postgres.url)
    name = f"migrate_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield admin_url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
async def reference(reference_app: FastAPI, client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the test module's own `reference_app` (tests/plain_routes.py), from the same
    address as `client`'s."""
    transport = httpx.ASGITransport(app=reference_app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
