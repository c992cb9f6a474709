"""The cached auth state (issue 15): authentication reads Redis, not a database session, and
revocation stays immediate across processes. Two app instances share the test Redis and
database: a change made through one is refused on the very next request through the other.
The in-process layer of each is checked against Redis on every request, so sharing a process
does not make this easier than two servers would."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text

from cinema.account import heartbeats
from cinema.auth import principals
from cinema.core import cache, db
from cinema.core.settings import get_settings
from cinema.mail.outbox import read_outbox

API = "/api/v1"
AUTHED = f"{API}/me/history"  # CurrentUser plus the route's own reads


@pytest.fixture
async def other(services, _engine_lifetime: None) -> AsyncIterator[httpx.AsyncClient]:
    """A second app instance, as another server process would be."""
    from cinema.local.app import create_app  # noqa: PLC0415

    transport = httpx.ASGITransport(app=create_app(), client=("203.0.113.8", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://other") as http:
        yield http


async def _get(http: httpx.AsyncClient, token: str, path: str = AUTHED) -> int:
    return (await http.get(path, headers={"Authorization": f"Bearer {token}"})).status_code


async def _cached(user_id: uuid.UUID) -> bytes | None:
    redis = cache.client()
    assert redis is not None
    return await redis.get(principals.key(user_id))


def _state(account) -> bytes:
    """What Redis holds for an active viewer with the one profile every account starts with."""
    return f"user|1||{account.profile_id.hex}:18+".encode()


async def test_the_state_is_cached_and_a_logout_elsewhere_is_refused_next(client, other, accounts):
    account = await accounts.create()
    assert await _get(client, account.access_token) == 200
    assert await _cached(account.id) == _state(account)
    assert await _get(other, account.access_token) == 200
    out = await other.post(
        f"{API}/auth/logout", json={"refresh_token": account.refresh_token}, headers=account.auth
    )
    assert out.status_code == 204
    assert await _get(client, account.access_token) == 401
    assert await _get(other, account.access_token) == 401
    fresh = await accounts.login(account.email, account.password)
    assert await _get(client, fresh["access_token"]) == 200


async def test_a_deactivation_through_one_instance_is_refused_by_the_other(client, other, accounts, admin):
    account = await accounts.create()
    assert await _get(client, account.access_token) == 200
    off = await other.patch(f"{API}/admin/users/{account.id}", json={"is_active": False}, headers=admin.auth)
    assert off.status_code == 200
    assert await _get(client, account.access_token) == 403
    on = await other.patch(f"{API}/admin/users/{account.id}", json={"is_active": True}, headers=admin.auth)
    assert on.status_code == 200
    assert await _get(client, account.access_token) == 401  # reactivation does not revive the session


async def test_a_demotion_through_one_instance_takes_staff_rights_on_the_other(
    client, other, accounts, admin
):
    draft = await client.post(
        f"{API}/admin/films",
        json={"title": "Draft", "year": 2020, "duration_seconds": 600, "access": "free"},
        headers=admin.auth,
    )
    assert draft.status_code == 201
    moderator = await accounts.create("moderator")
    page = f"{API}/me/films/{draft.json()['id']}"
    assert await _get(client, moderator.access_token, page) == 200  # staff see drafts
    demoted = await other.patch(
        f"{API}/admin/users/{moderator.id}", json={"role": "user"}, headers=admin.auth
    )
    assert demoted.status_code == 200
    assert await _get(client, moderator.access_token, page) == 404


async def test_a_password_change_and_a_reset_elsewhere_are_refused_next(client, other, accounts):
    account = await accounts.create()
    assert await _get(client, account.access_token) == 200
    changed = await other.post(
        f"{API}/users/me/password",
        json={"current_password": account.password, "new_password": "a brand new one here"},
        headers=account.auth,
    )
    assert changed.status_code == 204
    assert await _get(client, account.access_token) == 401
    fresh = await accounts.login(account.email, "a brand new one here")
    assert await _get(client, fresh["access_token"]) == 200
    assert (await other.post(f"{API}/auth/password-reset", json={"email": account.email})).status_code == 202
    mail = read_outbox(get_settings().outbox_dir, to=account.email)
    token = re.search(r"token=([A-Za-z0-9_\-]+)", mail[0]["text"]).group(1)
    done = await other.post(
        f"{API}/auth/password-reset/confirm", json={"token": token, "new_password": "reset to this one"}
    )
    assert done.status_code == 204
    assert await _get(client, fresh["access_token"]) == 401


async def test_a_family_revoked_elsewhere_is_refused_next(client, other, accounts):
    account = await accounts.create()
    rotated = (await other.post(f"{API}/auth/refresh", json={"refresh_token": account.refresh_token})).json()
    assert await _get(client, rotated["access_token"]) == 200
    replay = await other.post(f"{API}/auth/refresh", json={"refresh_token": account.refresh_token})
    assert replay.status_code == 401
    assert await _get(client, rotated["access_token"]) == 401


async def test_without_redis_the_database_decides_and_revocation_stays_immediate(client, accounts):
    account = await accounts.create()
    assert await _get(client, account.access_token) == 200
    cache.mark_down()
    try:
        assert await _get(client, account.access_token) == 200
        out = await client.post(
            f"{API}/auth/logout", json={"refresh_token": account.refresh_token}, headers=account.auth
        )
        assert out.status_code == 204
        assert await _get(client, account.access_token) == 401
    finally:
        cache.reset()


async def test_a_reader_that_read_the_row_before_a_change_does_not_cache_it(client, accounts):
    """The fill is a compare-and-set against what the reader saw: a tombstone written by a
    change that committed meanwhile wins over the reader's older row."""
    account = await accounts.create()
    redis = cache.client()
    assert redis is not None
    await redis.delete(principals.key(account.id))  # no entry yet: the next reader reads the row
    principals.clear_local()
    original = principals.repo.get_auth_state

    async def slow_read(session, user_id):  # the change commits while this reader holds the old row
        row = await original(session, user_id)
        await principals.forgetting(user_id)()
        return row

    principals.repo.get_auth_state = slow_read  # type: ignore[assignment]
    try:
        assert await principals.lookup(account.id) is not None
    finally:
        principals.repo.get_auth_state = original  # type: ignore[assignment]
    assert (await _cached(account.id) or b"").startswith(principals.TOMBSTONE)
    assert await principals.lookup(account.id) is not None
    assert await _cached(account.id) == _state(account)


async def test_authentication_opens_no_session_and_a_heartbeat_no_database_work(
    client, accounts, admin, checkouts
):
    film = await client.post(
        f"{API}/admin/films",
        json={"title": "Free", "year": 2020, "duration_seconds": 600, "access": "free"},
        headers=admin.auth,
    )
    film_id = film.json()["id"]
    assert (
        await client.patch(f"{API}/admin/films/{film_id}", json={"status": "published"}, headers=admin.auth)
    ).status_code == 200
    viewer = await accounts.create()
    beat = f"{API}/films/{film_id}/progress"
    assert (await client.put(beat, json={"position_seconds": 10}, headers=viewer.auth)).status_code == 204
    assert await _cached(viewer.id) == _state(viewer)  # the state is cached from here on
    await cache.client().delete(f"cinema:beat:{viewer.profile_id}:{film_id}")
    # another process is flushing heartbeats to PostgreSQL meanwhile: this one only writes Redis
    await cache.client().set(heartbeats.FLUSH_LOCK_KEY, b"1", px=60_000)
    checkouts[0] = 0
    assert (await client.put(beat, json={"position_seconds": 20}, headers=viewer.auth)).status_code == 204
    assert checkouts[0] == 0  # no session for authentication, none for the heartbeat
    assert (await client.put(beat, json={"position_seconds": 25}, headers=viewer.auth)).status_code == 204
    assert checkouts[0] == 0  # coalesced
    await heartbeats.flush_all()
    async with db.engine().connect() as conn:
        position = (await conn.execute(text("SELECT position_seconds FROM watch_progress"))).scalar_one()
    assert position == 20  # written behind; the coalesced one was not
    await cache.client().delete(heartbeats.FLUSH_LOCK_KEY)
