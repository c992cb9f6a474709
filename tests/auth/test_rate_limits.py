from __future__ import annotations

import asyncio

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


# ---- issue 14: limits that hold under parallel requests, per (account, address) --------------

HOME, ELSEWHERE, ATTACKER, ANOTHER = "198.51.100.10", "198.51.100.20", "192.0.2.66", "192.0.2.77"


def _client_at(app, ip: str) -> httpx.AsyncClient:
    """A client whose requests come from `ip` (what ClientIp reads: the ASGI scope's client)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 4321)), base_url="http://t")


async def _sign_in(http: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await http.post(f"{API}/auth/token", data={"username": email, "password": password})


async def test_parallel_wrong_passwords_never_get_more_than_the_limit_through(client, accounts):
    account = await accounts.create()
    limit = get_settings().login_account_limit
    responses = await asyncio.gather(*(_fail(client, account.email) for _ in range(limit + 15)))
    codes = [r.status_code for r in responses]
    assert (codes.count(401), codes.count(429)) == (limit, 15)
    assert all(int(r.headers["retry-after"]) >= 1 for r in responses if r.status_code == 429)


async def test_parallel_guesses_are_counted_exactly_with_redis_down(client, accounts, monkeypatch):
    account = await accounts.create()
    monkeypatch.setattr(get_settings(), "redis_url", "redis://127.0.0.1:1/0")
    cache.reset()
    responses = await asyncio.gather(*(_fail(client, account.email) for _ in range(25)))
    codes = [r.status_code for r in responses]
    assert (codes.count(401), codes.count(429)) == (10, 15)


async def test_the_owner_gets_in_from_an_address_that_has_not_failed(app, accounts):
    account = await accounts.create()
    async with _client_at(app, ATTACKER) as attacker, _client_at(app, ANOTHER) as second:
        for _ in range(12):
            await _sign_in(attacker, account.email, "wrong password!")
        # The attacking address is locked out, even with the right password ...
        assert (await _sign_in(attacker, account.email, account.password)).status_code == 429
        async with _client_at(app, ELSEWHERE) as owner:
            # ... the owner, at an address that never failed, is not.
            assert (await _sign_in(owner, account.email, account.password)).status_code == 200
            for _ in range(5):  # the attack goes on from another address
                assert (await _sign_in(second, account.email, "wrong again!!")).status_code == 401
            assert (await _sign_in(owner, account.email, account.password)).status_code == 200


async def test_a_distributed_attack_meets_the_account_ceiling_but_known_addresses_still_get_in(
    app, accounts, monkeypatch
):
    account = await accounts.create()  # signed in once from the default test address
    async with _client_at(app, HOME) as home:
        assert (await _sign_in(home, account.email, account.password)).status_code == 200
    monkeypatch.setattr(get_settings(), "login_account_ceiling", 12)
    for n in range(4):
        async with _client_at(app, f"192.0.2.{100 + n}") as bot:
            codes = [(await _sign_in(bot, account.email, "bad guess 123")).status_code for _ in range(3)]
        assert codes == [401, 401, 401]
    async with _client_at(app, "192.0.2.200") as fresh_bot:
        # 12 failures from everywhere: an address that never signed in is refused ...
        refused = await _sign_in(fresh_bot, account.email, account.password)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    async with _client_at(app, HOME) as home:
        # ... an address the owner signed in from before is not.
        assert (await _sign_in(home, account.email, account.password)).status_code == 200


async def test_when_redis_goes_down_the_counters_are_not_fresh(client, accounts, monkeypatch):
    account = await accounts.create()
    for _ in range(10):
        await _fail(client, account.email)
    monkeypatch.setattr(get_settings(), "redis_url", "redis://127.0.0.1:1/0")
    cache.reset()
    locked = await client.post(
        f"{API}/auth/token", data={"username": account.email, "password": account.password}
    )
    assert locked.status_code == 429


async def test_registration_is_limited_per_address(app, client, monkeypatch):
    monkeypatch.setattr(get_settings(), "register_ip_limit", 3)

    async def register(http: httpx.AsyncClient, n: int) -> httpx.Response:
        return await http.post(
            f"{API}/auth/register", json={"email": f"r{n}@kino.io", "password": "long enough pw"}
        )

    codes = [(await register(client, n)).status_code for n in range(4)]
    assert codes == [201, 201, 201, 429]
    refused = await register(client, 9)
    assert 1 <= int(refused.headers["retry-after"]) <= get_settings().register_ip_window_s
    async with _client_at(app, ELSEWHERE) as other:
        assert (await register(other, 10)).status_code == 201
