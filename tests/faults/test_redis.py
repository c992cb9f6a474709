"""Redis killed and left dead, then hung: everything that uses it (auth state, the catalog
cache, heartbeat coalescing, the sign-in limits) carries on without it, and the sign-in
limits neither fail open nor start counting afresh."""

from __future__ import annotations

import os
import signal
import time
import uuid

import httpx
import redis
from tests.faults.conftest import API, Call, FaultPlatform, ok, run_loads, viewer_mix

ACCOUNT_LIMIT = 10  # settings.login_account_limit: failed sign-ins per account and address
# A hung Redis costs a request at most its client's timeouts (0.25 s to connect, 0.5 s to
# read: core/cache.py), then it is skipped for 5 s; the rest is a loaded test machine.
HUNG_BOUND_S = 3.0


def _lanes(platform: FaultPlatform) -> list[tuple[list[tuple[str, Call]], int]]:
    """Viewers browsing and watching (10 clients) and viewers signing in (2 clients)."""

    async def sign_in(http: httpx.AsyncClient, n: int) -> httpx.Response:
        viewer = platform.viewers[n % len(platform.viewers)]
        return await http.post(
            f"{API}/auth/token", data={"username": viewer.email, "password": viewer.password}
        )

    return [(viewer_mix(platform), 10), ([("sign-in", sign_in)], 2)]


def _wrong(http: httpx.Client, email: str) -> int:
    return http.post(
        f"{API}/auth/token", data={"username": email, "password": "not-the-password"}
    ).status_code


def _victim(http: httpx.Client) -> str:
    """An account with four failed sign-ins from this address, counted in Redis."""
    email = f"victim-{uuid.uuid4().hex[:8]}@kino.io"
    assert (
        http.post(f"{API}/auth/register", json={"email": email, "password": "the-right-one-1"}).status_code
        == 201
    )
    assert [_wrong(http, email) for _ in range(4)] == [401] * 4
    return email


def _after_the_kill(platform: FaultPlatform, victim: str) -> None:
    with httpx.Client(base_url=platform.base, timeout=30) as http:
        # Six more failures reach the limit of ten; the eleventh is refused: the counts went on
        # from Redis's four, they did not start again at zero.
        assert [_wrong(http, victim) for _ in range(ACCOUNT_LIMIT - 4)] == [401] * (ACCOUNT_LIMIT - 4)
        refused = http.post(f"{API}/auth/token", data={"username": victim, "password": "the-right-one-1"})
        assert refused.status_code == 429, refused.text
        assert int(refused.headers["Retry-After"]) > 0
        viewer = platform.viewers[0]
        right = http.post(f"{API}/auth/token", data={"username": viewer.email, "password": viewer.password})
        assert right.status_code == 200, right.text
        # Redis back, empty: what this process counted still holds.
        platform.revive_redis()
        assert _wrong(http, victim) == 429


async def test_redis_killed_and_left_dead(platform: FaultPlatform) -> None:
    with httpx.Client(base_url=platform.base, timeout=30) as http:
        victim = _victim(http)
    kill = (1.5, "kill", lambda: platform.kill("redis"))

    result = await run_loads(platform.base, _lanes(platform), seconds=5, faults=[kill])

    ok(result)
    assert result.statuses("sign-in").keys() == {200}, result.summary()
    assert result.after("kill", "play"), result.summary()
    _after_the_kill(platform, victim)


def _in_use(platform: FaultPlatform, port: int) -> None:
    """Until the platform writes to the Redis on `port` again (it skips a failed Redis for 5 s)."""
    probe = redis.Redis(host="127.0.0.1", port=port, socket_timeout=2)
    deadline = time.monotonic() + 20
    with httpx.Client(base_url=platform.base, timeout=30) as http:
        while probe.dbsize() == 0:
            assert time.monotonic() < deadline, "the platform never came back to Redis"
            http.get(f"{API}/films/{platform.film['id']}", params={"probe": time.monotonic()})
            http.get(f"{API}/films", params={"year_from": 1900 + int(time.monotonic()) % 100})
            time.sleep(0.2)
    probe.close()


async def test_a_hung_redis_stalls_no_request(platform: FaultPlatform) -> None:
    """A Redis that accepts connections and never answers (SIGSTOP): requests wait at most the
    client's timeouts, then go without it."""
    _in_use(platform, platform.port("redis"))
    pid = platform.pid("redis")
    hang = (1.0, "hang", lambda: os.kill(pid, signal.SIGSTOP))
    try:
        result = await run_loads(platform.base, _lanes(platform), seconds=5, faults=[hang])
    finally:
        os.kill(pid, signal.SIGCONT)

    ok(result)
    assert result.statuses("sign-in").keys() == {200}, result.summary()
    # Sign-ins wait for their argon2 turn (seconds on a loaded 2-core machine, Redis or not):
    # the bound is for the requests whose own work is small.
    after = [a for a in result.after("hang") if a.route != "sign-in"]
    assert after, result.summary()
    slowest = max(a.took for a in after)
    assert slowest < HUNG_BOUND_S, (slowest, result.summary())
