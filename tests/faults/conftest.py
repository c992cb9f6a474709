"""Fault injection under load, on a real platform of the tests' own (issue 14).

One `cinema serve` (its own PostgreSQL, Redis, S3 server, local Stripe and edge) serves every
test of this folder; the session-wide services of tests/conftest.py are never touched. Its
Stripe is reached through a door the tests can jam or close (stripe_door.py). Each test breaks
one backing service in the middle of a load of real requests and puts it back afterwards
(a new Redis or S3 server on the same port, which the platform fixture stops after the
platform), so that the tests can run in any order.

The load: `concurrency` clients over keep-alive connections, each sending the next request of
a mix (catalog list, film page, /users/me, heartbeats, /play, ...) until `seconds` have passed;
faults are injected at set times from a worker thread. Every answer is kept (route, status,
time), and a dropped connection counts as a failure, like a 5xx.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import psycopg
import pytest
from tests.faults.stripe_door import StripeDoor
from tests.serving import Serving
from tests.web.conftest import Staff

from cinema.local.services.common import RunningService, pid_alive

API = "/api/v1"
BUCKETS = ("cinema-uploads", "cinema-media", "cinema-web")
STRIPE_TIMEOUT_S = 6.0  # the platform's bound on one Stripe call, retries included (a try: 1.5 s)
VIEWERS = 6


@dataclass
class Viewer:
    email: str
    password: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class FaultPlatform:
    serving: Serving
    door: StripeDoor
    staff: Staff
    viewers: list[Viewer] = field(default_factory=list)
    film: dict[str, Any] = field(default_factory=dict)  # free, published, with a ready video
    hls: list[str] = field(default_factory=list)  # its playlists and segments, signed (query form)
    revived: list[RunningService] = field(default_factory=list)  # servers the tests started

    @property
    def base(self) -> str:
        return self.serving.base

    @property
    def data_dir(self) -> Path:
        return Path(self.serving.console_data_dir).resolve()

    def port(self, service: str) -> int:
        return int((self.data_dir / f"{service}.port").read_text())

    def pid(self, service: str) -> int:
        """The pid of the platform's redis or s3 server (its pid file: "pid port")."""
        return int((self.data_dir / "run" / f"{service}.pid").read_text().split()[0])

    def sql(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """A query as the cluster's superuser, on a connection of its own (not the app's)."""
        conninfo = f"host=127.0.0.1 port={self.port('postgres')} user=postgres dbname=cinema"
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as conn:
            cursor = conn.execute(query, params)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []

    def revive_redis(self) -> RunningService:
        """A new, empty redis-server on the platform's Redis port (ours: stopped after the platform)."""
        from cinema.local.services.redis_server import start_redis  # noqa: PLC0415

        service = start_redis(self.data_dir, port=self.port("redis"))
        self.revived.append(service)
        return service

    def revive_s3(self) -> RunningService:
        """A new S3 server on the platform's S3 port, its objects restored from the snapshot in
        the data dir (ours: stopped, after the platform, with a snapshot of its own)."""
        from cinema.local.services.s3_server import start_s3  # noqa: PLC0415

        service = start_s3(self.data_dir, BUCKETS, port=self.port("s3"))
        self.revived.append(service)
        return service

    def kill(self, service: str) -> int:
        """SIGKILL the platform's server of `service` (no goodbye, like a crashed host)."""
        pid = self.pid(service)
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        return pid


def _sign_in(http: httpx.Client, email: str, password: str) -> str:
    answer = http.post(f"{API}/auth/token", data={"username": email, "password": password})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def make_viewer(http: httpx.Client) -> Viewer:
    email = f"viewer-{uuid.uuid4().hex[:10]}@kino.io"
    password = f"pw-{secrets.token_urlsafe(12)}"
    made = http.post(f"{API}/auth/register", json={"email": email, "password": password})
    assert made.status_code == 201, made.text
    return Viewer(email, password, _sign_in(http, email, password))


def hls_urls(manifest_url: str) -> list[str]:
    """The master playlist, every variant playlist and every segment, each signed with the
    manifest's query (what hls.js does with `xhrSetup`)."""
    query = urlsplit(manifest_url).query
    urls, pending = [], [manifest_url]
    while pending:
        url = pending.pop(0)
        urls.append(url)
        if not urlsplit(url).path.endswith(".m3u8"):
            continue
        answer = httpx.get(url, timeout=30)
        assert answer.status_code == 200, (url, answer.status_code, answer.text)
        for line in answer.text.splitlines():
            if line and not line.startswith("#"):
                pending.append(f"{urljoin(url.split('?')[0], line)}?{query}")
    return urls


@pytest.fixture(scope="package")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultPlatform]:
    from cinema.local.demo_media import make_test_clip  # noqa: PLC0415
    from cinema.local.services.backing import free_port  # noqa: PLC0415

    port = free_port()
    door = StripeDoor(upstream_port=port)
    env = {
        "CINEMA_DEMO_MEDIA": "false",  # no background transcoding of demo videos beside the load
        "CINEMA_STRIPE_API_BASE": door.base,
        "CINEMA_STRIPE_TIMEOUT_S": str(STRIPE_TIMEOUT_S),
    }
    serving = Serving(tmp_path_factory.mktemp("faults") / "state", port, env)
    staff: Staff | None = None
    revived: list[RunningService] = []
    try:
        serving.wait_ready()
        staff = Staff(serving.base, Path(serving.console_data_dir))
        faulty = FaultPlatform(serving, door, staff, revived=revived)
        clip = tmp_path_factory.mktemp("clip") / "clip.mp4"
        make_test_clip(clip, seconds=4, size="320x180", preset="ultrafast")
        faulty.film = staff.create_film(title="Сбой", access="free", duration_seconds=4)
        staff.upload(faulty.film["id"], clip.read_bytes())
        with httpx.Client(base_url=serving.base, timeout=60) as http:
            faulty.viewers = [make_viewer(http) for _ in range(VIEWERS)]
            staff.wait_ready(faulty.film["id"], timeout=120)
            play = http.get(f"{API}/films/{faulty.film['id']}/play", headers=faulty.viewers[0].auth)
            assert play.status_code == 200, play.text
        faulty.hls = hls_urls(play.json()["manifest_url"])
        yield faulty
    finally:
        if staff is not None:
            staff.http.close()
        door.close()
        code = serving.stop()
        # the server's own account of the run, for a failure's post-mortem
        (Path(serving.console_data_dir).parent / "console.log").write_text("".join(serving.console))
        for service in revived:  # after the platform: its own stop still talks to them
            service.stop()
        assert code == 0, "".join(serving.console[-40:])


# ---- the load --------------------------------------------------------------------------------

Call = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


@dataclass(frozen=True)
class Answer:
    route: str
    status: int  # 0: no HTTP answer (connection dropped, timeout)
    at: float  # seconds since the load started, when the answer came
    took: float
    detail: str = ""


@dataclass
class LoadResult:
    answers: list[Answer]
    injected: dict[str, float] = field(default_factory=dict)  # fault name -> when it was done

    @property
    def failures(self) -> list[Answer]:
        return [a for a in self.answers if a.status == 0 or a.status >= 500]

    def statuses(self, route: str | None = None) -> Counter[int]:
        return Counter(a.status for a in self.answers if route is None or a.route == route)

    def after(self, fault: str, route: str | None = None) -> list[Answer]:
        when = self.injected[fault]
        return [a for a in self.answers if a.at - a.took > when and (route is None or a.route == route)]

    def summary(self) -> str:
        by_route: dict[str, Counter[int]] = {}
        slowest: dict[str, float] = {}
        for a in self.answers:
            by_route.setdefault(a.route, Counter())[a.status] += 1
            slowest[a.route] = max(slowest.get(a.route, 0.0), a.took)
        lines = [
            f"{route}: {dict(counts)}, slowest {slowest[route]:.2f}s"
            for route, counts in sorted(by_route.items())
        ]
        lines += [f"injected: {self.injected}"]
        lines += [
            f"  slow: {a.route} {a.status} sent at {a.at - a.took:.2f}s, took {a.took:.2f}s"
            for a in sorted(self.answers, key=lambda a: -a.took)[:5]
        ]
        lines += [f"  {a.route} {a.status} at {a.at:.2f}s: {a.detail[:300]}" for a in self.failures[:10]]
        return "\n".join(lines)


async def run_load(
    base: str,
    mix: Sequence[tuple[str, Call]],
    *,
    seconds: float,
    concurrency: int = 12,
    faults: Sequence[tuple[float, str, Callable[[], object]]] = (),
    request_timeout: float = 30,
    settle: float = 2.0,
) -> LoadResult:
    """`concurrency` clients each send the next call of `mix` (round robin over the whole load)
    until `seconds` have passed and every fault is at least `settle` seconds old (a loaded
    machine injects late: what follows a fault is what the test is about); each fault (at,
    name, action) runs in a thread at `at` seconds."""
    answers: list[Answer] = []
    injected: dict[str, float] = {}
    counter = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=request_timeout, limits=limits) as http:
        started = time.monotonic()

        def running() -> bool:
            elapsed = time.monotonic() - started
            if elapsed < seconds or len(injected) < len(faults):
                return True
            return elapsed < max(injected.values(), default=0.0) + settle

        async def client() -> None:
            nonlocal counter
            while running():
                n = counter
                counter += 1
                route, call = mix[n % len(mix)]
                sent = time.monotonic()
                try:
                    response = await call(http, n)
                    status, detail = (
                        response.status_code,
                        response.text if response.status_code >= 500 else "",
                    )
                except httpx.HTTPError as error:
                    status, detail = 0, f"{type(error).__name__}: {error}"
                now = time.monotonic()
                answers.append(Answer(route, status, now - started, now - sent, detail))

        async def inject(at: float, name: str, action: Callable[[], object]) -> None:
            await asyncio.sleep(at)
            try:
                await asyncio.to_thread(action)
            finally:  # a fault that failed to inject must not keep the load running
                injected[name] = time.monotonic() - started

        await asyncio.gather(*(client() for _ in range(concurrency)), *(inject(*f) for f in faults))
    return LoadResult(answers, injected)


async def run_loads(
    base: str,
    lanes: Sequence[tuple[Sequence[tuple[str, Call]], int]],
    *,
    seconds: float,
    faults: Sequence[tuple[float, str, Callable[[], object]]] = (),
) -> LoadResult:
    """Several loads at once, each (mix, concurrency) its own lane, so that a slow kind of
    request (a sign-in waits for its argon2 turn) cannot take every client; faults go with
    the first lane, and the answers of all come back as one result."""
    results = await asyncio.gather(
        *(
            run_load(base, mix, seconds=seconds, concurrency=concurrency, faults=faults if n == 0 else ())
            for n, (mix, concurrency) in enumerate(lanes)
        )
    )
    return LoadResult([a for result in results for a in result.answers], results[0].injected)


def viewer_mix(platform: FaultPlatform) -> list[tuple[str, Call]]:
    """What viewers do most: browse, open a film, look at their account, watch (heartbeats)."""
    film_id = platform.film["id"]
    viewers = platform.viewers

    def auth(n: int) -> dict[str, str]:
        return viewers[n % len(viewers)].auth

    async def catalog(http: httpx.AsyncClient, n: int) -> httpx.Response:
        return await http.get(f"{API}/films", params={"limit": 20, "sort": ["-year", "title"][n % 2]})

    async def film_page(http: httpx.AsyncClient, n: int) -> httpx.Response:
        return await http.get(f"{API}/films/{film_id}")

    async def me(http: httpx.AsyncClient, n: int) -> httpx.Response:
        return await http.get(f"{API}/users/me", headers=auth(n))

    async def heartbeat(http: httpx.AsyncClient, n: int) -> httpx.Response:
        body = {"position_seconds": n % 4}
        return await http.put(f"{API}/films/{film_id}/progress", json=body, headers=auth(n))

    async def play(http: httpx.AsyncClient, n: int) -> httpx.Response:
        return await http.get(f"{API}/films/{film_id}/play", headers=auth(n))

    async def favorites(http: httpx.AsyncClient, n: int) -> httpx.Response:
        return await http.get(f"{API}/me/favorites", headers=auth(n))

    async def favorite(http: httpx.AsyncClient, n: int) -> httpx.Response:
        return await http.put(f"{API}/me/favorites/{film_id}", headers=auth(n))

    return [
        ("catalog", catalog),
        ("film", film_page),
        ("me", me),
        ("heartbeat", heartbeat),
        ("play", play),
        ("favorites", favorites),
        ("favorite", favorite),
    ]


def ok(result: LoadResult) -> None:
    """No 5xx and no dropped request over the whole load."""
    assert result.answers, "the load sent nothing"
    assert not result.failures, result.summary()


def json_body(response: httpx.Response) -> Any:
    return json.loads(response.text)
