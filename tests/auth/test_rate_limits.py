from __future__ import annotations

import httpx

from cinema.core import cache
from cinema.core.settings import get_settings

API = "/api/v1"


async def _fail(client, email: str) -> httpx.Response:
    return await client.post(f"{API}/auth/token", data={"username": email, "password": "wrong password!"})


async def test_account_is_locked_after_ten_failures_with_retry_after(client, accounts):
    account = await accounts.create()
    codes = [(await _fail(client, account.email)).status_code for _ in range(10)]
    assert codes == [401] * 10
    locked = await client.post(
        f"{API}/auth/token", data={"username": account.email, "password": account.password}
    )
    assert locked.status_code == 429
    retry_after = int(locked.headers["retry-after"])
    assert 0 < retry_after <= get_settings().login_account_window_s


async def test_success_clears_the_account_counter(client, accounts):
    account = await accounts.create()
    for _ in range(9):
        await _fail(client, account.email)
    await accounts.login(account.email, account.password)
    for _ in range(9):
        assert (await _fail(client, account.email)).status_code == 401


async def test_one_address_guessing_many_accounts_is_stopped(client):
    limit = get_settings().login_ip_limit
    codes = [(await _fail(client, f"victim{i}@kino.io")).status_code for i in range(limit + 1)]
    assert codes[:limit] == [401] * limit
    assert codes[limit] == 429


async def test_another_address_is_not_blocked_by_someone_elses_failures(app, client, accounts):
    account = await accounts.create()
    for _ in range(get_settings().login_ip_limit):
        await _fail(client, f"x{_}@kino.io")
    assert (await _fail(client, "y@kino.io")).status_code == 429
    other = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("198.51.100.9", 1234)), base_url="http://testserver"
    )
    async with other:
        ok = await other.post(
            f"{API}/auth/token", data={"username": account.email, "password": account.password}
        )
    assert ok.status_code == 200


async def test_with_redis_down_the_limit_still_holds_and_nothing_fails(client, accounts, monkeypatch):
    account = await accounts.create()
    monkeypatch.setattr(get_settings(), "redis_url", "redis://127.0.0.1:1/0")
    cache.reset()
    codes = [(await _fail(client, account.email)).status_code for _ in range(11)]
    assert codes == [401] * 10 + [429]
    health = (await client.get(f"{API}/health")).json()
    assert health == {"status": "ok", "database": "ok", "cache": "degraded"}
