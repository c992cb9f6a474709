"""Requests/s of the playback routes against an authenticated no-op route of the same server.

GET /api/v1/films/{id}/play (entitlement, playing upload, a CloudFront RSA signature) and
PUT /api/v1/films/{id}/progress (the heartbeat: entitlement, playing upload, one upsert)
both start with `CurrentUser`: a JWT check and the user's auth state (cinema.auth.principals).
The baseline is GET /bench/noop, added to the same app, which depends on `CurrentUser` and
answers 204 with nothing else: same auth cost, no work. The ratio is what the route's own
work costs on top of authentication. The no-op is itself measured against GET /bench/bare,
a route with no dependency answering the same empty 204: what authentication costs.

Setup: the embedded stack (bench/_stack.py), `--films` free published films each with a
ready upload (rows as the status machine leaves them), `--viewers` viewers who are half-way
into every film (one watch_progress row per (viewer's profile, film), their view of the day already
counted), and one more viewer for the flood. Heartbeats cycle over all (viewer, film) pairs,
so each pair comes back far less often than every 5 s and every heartbeat writes its row, as
real traffic (one heartbeat per viewer every ~15 s) does; the flood case is one viewer
hammering one film, which the 5 s coalescing turns into index probes. The no-op and /play
use the same rotation of viewers.

The server is uvicorn in a child process (one worker, as `cinema serve` runs it; uvloop and
httptools; access log off; root log level `--log-level` WARNING, since at INFO our middleware
logs one JSON line per request). The load comes from this process: `--connections`
keep-alive connections over loopback through a minimal HTTP/1.1 client, so that the client
is not the bottleneck on a 2-core machine (server, PostgreSQL and client CPU are shown).
After a warm-up, the four cases run `--rounds` times `--seconds` each, in alternating
order; the figures are medians. Targets: the no-op >= 0.5x a bare route answering the same
bytes (GET /bench/bare, no dependency); /play and the spread heartbeat >= 0.8x the no-op (req/s).
Also shown: server CPU per request and the same ratio by it (steadier than req/s when other
tenants take CPU from the server), the PostgreSQL connections the app's pool opened during
the rounds (counted by a listener the bench adds, read through GET /bench/pool-connects),
and, from PostgreSQL's statistics, how many watch_progress rows the heartbeats wrote.

    python bench/playback.py [--viewers 200] [--films 40] [--seconds 5] [--rounds 3] [--connections 48]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import psutil
from _http_load import Connection, Round, child_server, cpu_seconds, free_port, load, run_loop, run_server
from _stack import (  # bench/ is on sys.path: these run as scripts
    close_connections,
    playback_settings,
    say,
    stack,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

TARGET = 0.8  # /play and the spread heartbeat / the authenticated no-op
NOOP = "/bench/noop"
BARE = "/bench/bare"
NOOP_TARGET = 0.5  # authenticated no-op / bare
POOL = "/bench/pool-connects"
PLAY = "/api/v1/films/{film_id}/play"
PROGRESS = "/api/v1/films/{film_id}/progress"
FILM_SECONDS = 600
COALESCE_S = 5  # cinema.account.progress.COALESCE_S
PASSWORD = "bench-viewer-password-1"  # noqa: S105 - a throwaway account in a throwaway database

# ---- the server (a child process: `playback.py --serve PORT`) -----------------------------


def serve(port: int, log_level: str) -> None:
    from fastapi import Response, status  # noqa: PLC0415

    from cinema.auth.dependencies import CurrentUser  # noqa: PLC0415
    from cinema.core.logging import configure_local_logging  # noqa: PLC0415
    from cinema.local.app import create_app  # noqa: PLC0415

    configure_local_logging(log_level)  # what `cinema serve` does, at the level asked
    app = create_app()
    opened = _count_pool_connections()

    async def noop(user: CurrentUser) -> Response:  # the same auth as the playback routes, no work
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    # Postponed annotations would be looked up in this module's globals, where the names
    # imported above are not: hand FastAPI the objects themselves.
    noop.__annotations__ = {"user": CurrentUser, "return": Response}

    async def bare() -> Response:  # the same bytes as the no-op, with no dependency at all
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    bare.__annotations__ = {"return": Response}

    async def pool() -> Response:  # how many PostgreSQL connections the app's pool has opened
        return Response(content=str(opened[0]), media_type="text/plain")

    app.add_api_route(NOOP, noop, methods=["GET"], status_code=204, include_in_schema=False)
    app.add_api_route(BARE, bare, methods=["GET"], status_code=204, include_in_schema=False)
    app.add_api_route(POOL, pool, methods=["GET"], include_in_schema=False)
    routes = app.router.routes
    routes[:0] = [
        routes.pop(),
        routes.pop(),
        routes.pop(),
    ]  # first in the table: the baselines pay no route scan
    run_server(app, port)


def _count_pool_connections() -> list[int]:
    """A counter of the connections the app's engine opens (instrumentation only)."""
    from sqlalchemy import event  # noqa: PLC0415

    from cinema.core import db  # noqa: PLC0415

    opened = [0]

    def on_connect(*_: object) -> None:
        opened[0] += 1

    event.listen(db.engine().sync_engine.pool, "connect", on_connect)  # creating it does not connect
    return opened


# ---- the setup (this process, in-process API calls and SQL) -----------------------------


@dataclass
class Setup:
    films: list[uuid.UUID]
    uploads: list[uuid.UUID]
    viewers: list[uuid.UUID]
    flooder: uuid.UUID


async def _setup(viewers: int, films: int) -> Setup:
    import httpx  # noqa: PLC0415
    from sqlalchemy import text  # noqa: PLC0415

    from cinema.core import db  # noqa: PLC0415
    from cinema.core.security import create_access_token, hash_password  # noqa: PLC0415
    from cinema.local.app import create_app  # noqa: PLC0415

    password_hash = hash_password(PASSWORD)  # one real argon2 hash shared by every bench account
    viewer_ids = [uuid.uuid4() for _ in range(viewers)]
    flooder, admin = uuid.uuid4(), uuid.uuid4()
    users = [
        {"id": uid, "email": f"viewer-{n:04d}@bench.kino.io", "hash": password_hash, "role": "user"}
        for n, uid in enumerate(viewer_ids)
    ]
    users.append({"id": flooder, "email": "flood@bench.kino.io", "hash": password_hash, "role": "user"})
    users.append({"id": admin, "email": "admin@bench.kino.io", "hash": password_hash, "role": "admin"})
    try:
        async with db.engine().begin() as conn:
            await conn.execute(
                text("INSERT INTO users (id, email, password_hash, role) VALUES (:id, :email, :hash, :role)"),
                users,
            )
        admin_auth = {"Authorization": f"Bearer {create_access_token(admin, 'admin')[0]}"}
        film_ids: list[uuid.UUID] = []
        transport = httpx.ASGITransport(app=create_app(), client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            # The accounts are real: the first viewer logs in with the password.
            login = await http.post(
                "/api/v1/auth/token", data={"username": users[0]["email"], "password": PASSWORD}
            )
            if login.status_code != 200:
                raise RuntimeError(f"login: {login.status_code} {login.text[:300]}")
            for n in range(films):
                body = {
                    "title": f"Bench film {n}",
                    "year": 2000 + n % 25,
                    "duration_seconds": FILM_SECONDS,
                    "access": "free",
                }
                created = await http.post("/api/v1/admin/films", json=body, headers=admin_auth)
                if created.status_code != 201:
                    raise RuntimeError(f"create film: {created.status_code} {created.text[:300]}")
                film_id = created.json()["id"]
                published = await http.patch(
                    f"/api/v1/admin/films/{film_id}", json={"status": "published"}, headers=admin_auth
                )
                if published.status_code != 200:
                    raise RuntimeError(f"publish: {published.status_code} {published.text[:300]}")
                film_ids.append(uuid.UUID(film_id))
        async with db.engine().begin() as conn:
            upload_ids = await add_ready_uploads(conn, [(f, FILM_SECONDS) for f in film_ids])
            # Every viewer is half-way into every film, last heartbeat an hour ago, today's view
            # counted: the steady state of real traffic (no first-heartbeat view counting).
            await conn.execute(
                text(
                    "INSERT INTO watch_progress (profile_id, film_id, position_seconds, duration_seconds,"
                    " started_at, updated_at, view_counted_at) SELECT p.id, f.id, 300, :duration,"
                    " now() - interval '1 hour', now() - interval '1 hour', now() - interval '1 hour'"
                    " FROM users u JOIN profiles p ON p.user_id = u.id CROSS JOIN films f WHERE u.role = 'user'"
                ),
                {"duration": FILM_SECONDS},
            )
            # Each account's one profile (made with it), whose heartbeats these are.
            profile_ids = list(
                (
                    await conn.execute(
                        text(
                            "SELECT p.id FROM profiles p JOIN users u ON u.id = p.user_id WHERE u.role = 'user'"
                        )
                    )
                ).scalars()
            )
        await _views_counted_in_redis(profile_ids, film_ids)
        async with db.engine().connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM (ANALYZE)"))
        return Setup(film_ids, upload_ids, viewer_ids, flooder)
    finally:
        # This loop ends here; uvicorn's loop (another process) opens its own connections.
        await close_connections()


async def _views_counted_in_redis(viewers: Sequence[uuid.UUID], films: Sequence[uuid.UUID]) -> None:
    """Counting today's views (an hour ago) left Redis knowing it too, as
    cinema.account.heartbeats.view_counted does: without it every spread heartbeat after a
    /play would be a first one and count its view again (a write-through per heartbeat)."""
    from cinema.account import heartbeats, progress  # noqa: PLC0415
    from cinema.core import cache  # noqa: PLC0415

    redis = cache.client()
    if redis is None:
        raise RuntimeError("the bench needs Redis")
    ttl = progress.seconds_until_next_view(datetime.now(UTC) - timedelta(hours=1))
    async with redis.pipeline(transaction=False) as pipe:
        for viewer in viewers:
            for film in films:
                pipe.set(heartbeats.viewed_key(viewer, film), b"1", ex=ttl)
        await pipe.execute()


async def add_ready_uploads(conn: AsyncConnection, films: Sequence[tuple[uuid.UUID, int]]) -> list[uuid.UUID]:
    """A finished transcode of each (film, duration in seconds), as the status machine leaves it
    (tests/media/test_playback.py): a ready upload with the 3-rung ladder, the film's playing media.
    Returns the upload ids, in the order of `films`."""
    from sqlalchemy import text  # noqa: PLC0415

    upload_ids = [uuid.uuid4() for _ in films]
    await conn.execute(
        text(
            "INSERT INTO media_uploads (id, film_id, s3_upload_id, key, filename, content_type,"
            " size_bytes, part_size, status, percent, renditions, duration_seconds) VALUES (:id,"
            " :film, 'x', :key, 'f.mp4', 'video/mp4', 10, 8388608, 'ready', 100,"
            " CAST(:renditions AS jsonb), :duration)"
        ),
        [
            {
                "id": upload_id,
                "film": film_id,
                "key": f"uploads/{film_id}/{upload_id}/source.mp4",
                "duration": duration,
                "renditions": '[{"height": 360, "bitrate": 800000}, {"height": 540, "bitrate":'
                ' 1800000}, {"height": 720, "bitrate": 3000000}]',
            }
            for (film_id, duration), upload_id in zip(films, upload_ids, strict=True)
        ],
    )
    await conn.execute(
        text("INSERT INTO film_media (film_id, upload_id) VALUES (:film, :id)"),
        [{"film": f, "id": u} for (f, _), u in zip(films, upload_ids, strict=True)],
    )
    return upload_ids


async def _table_writes() -> tuple[int, int]:
    """(inserted, updated) rows of watch_progress in PostgreSQL's cumulative statistics."""
    from sqlalchemy import text  # noqa: PLC0415

    from cinema.core import db  # noqa: PLC0415

    try:
        async with db.engine().connect() as conn:
            row = (
                await conn.execute(
                    text(
                        "SELECT n_tup_ins, n_tup_upd FROM pg_stat_user_tables WHERE relname = 'watch_progress'"
                    )
                )
            ).one()
            return int(row[0]), int(row[1])
    finally:
        await db.dispose()


def _check_routes(base: str, setup: Setup, tokens: dict[uuid.UUID, str]) -> int:
    """One request of each kind through httpx, checked in full; returns the /play body size."""
    import httpx  # noqa: PLC0415
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415

    from cinema.core.settings import get_settings  # noqa: PLC0415
    from cinema.local.edge import signatures as edge_auth  # noqa: PLC0415

    auth = {"Authorization": f"Bearer {tokens[setup.viewers[0]]}"}
    film, upload = setup.films[0], setup.uploads[0]
    with httpx.Client(base_url=base, timeout=10) as http:
        if (code := http.get(NOOP).status_code) != 401:
            raise RuntimeError(f"{NOOP} without a token answered {code}, not 401")
        if (code := http.get(BARE, headers=auth).status_code) != 204:
            raise RuntimeError(f"{BARE} answered {code}, not 204")
        noop = http.get(NOOP, headers=auth)
        if noop.status_code != 204 or noop.content:
            raise RuntimeError(f"{NOOP}: {noop.status_code} {noop.text[:300]}")
        play = http.get(PLAY.format(film_id=film), headers=auth)
        if play.status_code != 200:
            raise RuntimeError(f"play: {play.status_code} {play.text[:300]}")
        body = play.json()
        manifest = body["manifest_url"].split("?")[0]
        if not manifest.endswith(f"/hls/{film}/{upload}/master.m3u8"):
            raise RuntimeError(f"play: unexpected manifest {manifest}")
        settings = get_settings()
        private = settings.cloudfront_private_key.get_secret_value().encode()
        public = serialization.load_pem_private_key(private, password=None).public_key()
        pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        keys = {settings.cloudfront_key_pair_id: pem}
        if not edge_auth.verify(manifest, query={}, cookies=body["cookies"], public_keys=keys):
            raise RuntimeError("play: the signature does not verify")
        beat = http.put(PROGRESS.format(film_id=film), json={"position_seconds": 310}, headers=auth)
        if beat.status_code != 204:
            raise RuntimeError(f"progress: {beat.status_code} {beat.text[:300]}")
        return len(play.content)


# ---- the load generator (this process) -------------------------------------------------


@dataclass
class Case:
    """One kind of request: `make(n)` builds the n-th request of a round; `ok` checks an answer."""

    name: str
    label: str
    make: Callable[[int], bytes]
    ok: Callable[[int, bytes], bool]


def _postgres_cpu(postmaster: psutil.Process | None) -> float:
    """CPU seconds of PostgreSQL so far: the postmaster, its live backends, and the backends
    that have exited (the postmaster reaps them: their time is in its children_* times)."""
    if postmaster is None:
        return 0.0
    with contextlib.suppress(psutil.Error):
        own = postmaster.cpu_times()
        live = sum(cpu_seconds(child) for child in postmaster.children())
        return own.user + own.system + own.children_user + own.children_system + live
    return 0.0


def _postmaster(data_dir: Path) -> psutil.Process | None:
    with contextlib.suppress(OSError, ValueError, psutil.Error):
        return psutil.Process(int((data_dir / "postgres" / "postmaster.pid").read_text().split()[0]))
    return None


def _load(
    port: int, case: Case, *, connections: int, seconds: float, server: psutil.Process, data_dir: Path
) -> Round:
    """One round of `case`, counting also PostgreSQL's CPU and the connections the app's pool opened."""
    pool_request = f"GET {POOL} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    postmaster = _postmaster(data_dir)

    async def counters(connection: Connection) -> dict[str, float]:
        connects = int((await connection.request(pool_request))[1])
        return {"connects": connects, "postgres_cpu": _postgres_cpu(postmaster)}

    return run_loop(
        load(
            port,
            case.make,
            case.ok,
            connections=connections,
            seconds=seconds,
            server=server,
            counters=counters,
        )
    )


def _cases(port: int, setup: Setup, tokens: dict[uuid.UUID, str]) -> list[Case]:
    host = f"Host: 127.0.0.1:{port}\r\n".encode()
    auths = [f"Authorization: Bearer {tokens[v]}\r\n".encode() for v in setup.viewers]
    flood_auth = f"Authorization: Bearer {tokens[setup.flooder]}\r\n".encode()
    plays = [f"GET {PLAY.format(film_id=f)} HTTP/1.1\r\n".encode() for f in setup.films]
    puts = [f"PUT {PROGRESS.format(film_id=f)} HTTP/1.1\r\n".encode() for f in setup.films]
    viewers, films = len(auths), len(setup.films)
    pairs = viewers * films
    counter = {
        "bare": 0,
        "noop": 0,
        "play": 0,
        "beat": 0,
        "flood": 0,
    }  # carried across rounds: no pair repeats early

    def pair(name: str) -> tuple[int, int]:
        i = counter[name] % pairs
        counter[name] += 1
        return i % viewers, i // viewers  # every viewer of film 0, then of film 1, ...

    def put(line: bytes, auth: bytes, position: int) -> bytes:
        body = b'{"position_seconds": %d}' % position
        length = b"Content-Length: %d\r\n\r\n" % len(body)
        return line + host + auth + b"Content-Type: application/json\r\n" + length + body

    def bare(_: int) -> bytes:
        v, _f = pair("bare")
        return b"GET " + BARE.encode() + b" HTTP/1.1\r\n" + host + auths[v] + b"\r\n"

    def noop(_: int) -> bytes:
        v, _f = pair("noop")
        return b"GET " + NOOP.encode() + b" HTTP/1.1\r\n" + host + auths[v] + b"\r\n"

    def play(_: int) -> bytes:
        v, f = pair("play")
        return plays[f] + host + auths[v] + b"Accept: application/json\r\n\r\n"

    def heartbeat(_: int) -> bytes:
        v, f = pair("beat")
        # Positions move on as a viewer watches: 300 s, then +15 s per pass over all pairs.
        return put(puts[f], auths[v], 300 + 15 * (counter["beat"] // pairs) % 280)

    def flood(_: int) -> bytes:
        counter["flood"] += 1
        return put(puts[0], flood_auth, 300 + counter["flood"] % 200)

    def empty_204(status: int, body: bytes) -> bool:
        return status == 204 and not body

    def signed(status: int, body: bytes) -> bool:
        return status == 200 and body.startswith(b'{"manifest_url":"') and b"CloudFront-Signature" in body

    return [
        Case("bare", f"GET {BARE} (no dependency, same bytes)", bare, empty_204),
        Case("noop", f"GET {NOOP} (auth, no work)", noop, empty_204),
        Case("play", "GET /api/v1/films/{id}/play", play, signed),
        Case("heartbeat", "PUT /api/v1/films/{id}/progress, spread", heartbeat, empty_204),
        Case("flood", "PUT .../progress, 1 viewer x 1 film (flood)", flood, empty_204),
    ]


# ---- the run -----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--viewers", type=int, default=200, help="viewers with a token each")
    parser.add_argument("--films", type=int, default=40, help="free published films with a ready upload")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each measured round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per case (interleaved, medians)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of unmeasured load per case")
    parser.add_argument("--connections", type=int, default=48, help="concurrent keep-alive connections")
    parser.add_argument("--log-level", default="WARNING", help="the server's root log level")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.log_level)
        return

    settings = playback_settings("KBENCHPLAYBACK")
    with stack(**settings) as services:
        started = time.perf_counter()
        setup = asyncio.run(_setup(args.viewers, args.films))
        say(
            f"set up {args.films} free published films with a ready upload, {args.viewers} viewers "
            f"+ 1 flooder, {len(setup.viewers) * args.films + args.films} watch_progress rows "
            f"in {time.perf_counter() - started:.1f}s"
        )
        from cinema.core.security import create_access_token  # noqa: PLC0415

        tokens = {v: create_access_token(v, "user")[0] for v in [*setup.viewers, setup.flooder]}

        port = free_port()
        with child_server(
            [sys.executable, __file__, "--serve", str(port)],
            port=port,
            log=services.data_dir / "bench-server.log",
            log_level=args.log_level,
        ) as server:
            play_bytes = _check_routes(f"http://127.0.0.1:{port}", setup, tokens)
            writes_before = asyncio.run(_table_writes())
            counts = _measure(
                args,
                port=port,
                setup=setup,
                tokens=tokens,
                pid=server.pid,
                data_dir=services.data_dir,
                play_bytes=play_bytes,
            )
        time.sleep(1.0)  # the server's backends flush their statistics as they exit
        inserted, updated = (a - b for a, b in zip(asyncio.run(_table_writes()), writes_before, strict=True))
        sent = counts["heartbeat"] + counts["flood"]
        say(
            f"  watch_progress rows written during the load: {updated} updated, {inserted} inserted, "
            f"for {counts['heartbeat']} spread + {counts['flood']} flood heartbeats "
            f"({sent - updated - inserted} coalesced)"
        )


def _measure(
    args: argparse.Namespace,
    *,
    port: int,
    setup: Setup,
    tokens: dict[uuid.UUID, str],
    pid: int,
    data_dir: Path,
    play_bytes: int,
) -> dict[str, int]:
    server = psutil.Process(pid)
    cases = _cases(port, setup, tokens)
    pairs = len(setup.viewers) * len(setup.films)
    say(
        f"server: uvicorn, 1 worker, pid {pid}, root log level {args.log_level} "
        f"(at INFO our middleware would log one JSON line per request), access log off"
    )
    say(
        f"load: {args.connections} keep-alive connections from this process (pid {os.getpid()}), "
        f"{args.warmup:g}s warm-up then {args.rounds} x {args.seconds:g}s per case, interleaved"
    )
    say(
        f"checked: {NOOP} 401 without a token, 204 with one; /play 200 ({play_bytes} B, signature "
        f"verifies against the edge's key); heartbeat 204. Spread cases cycle over {pairs} (viewer, film) pairs"
    )

    def run(case: Case, seconds: float) -> Round:
        result = _load(
            port, case, connections=args.connections, seconds=seconds, server=server, data_dir=data_dir
        )
        if result.first_error is not None:
            status, body = result.first_error
            say(f"  !! {case.name}: {status} {body!r}")
        return result

    counts = dict.fromkeys((c.name for c in cases), 0)
    for case in cases:
        counts[case.name] += run(case, args.warmup).requests
    results: dict[str, list[Round]] = {c.name: [] for c in cases}
    for round_no in range(args.rounds):
        order = cases if round_no % 2 == 0 else list(reversed(cases))
        for case in order:
            result = run(case, args.seconds)
            results[case.name].append(result)
            counts[case.name] += result.requests
        say(
            f"  round {round_no + 1}: "
            + "  ".join(f"{c.name} {results[c.name][-1].rps:6.0f}" for c in cases)
            + "  req/s"
        )

    rps = {name: statistics.median(r.rps for r in rounds) for name, rounds in results.items()}
    # Server CPU per request: less sensitive than req/s to how much CPU the machine's other
    # tenants leave the server (shown, not judged).
    cpu_ms = {
        name: statistics.median(1000 * r.server_cpu / r.rps for r in rounds if r.requests)
        for name, rounds in results.items()
    }
    say("")
    say(f"playback routes vs an authenticated no-op ({args.viewers} viewers, {args.films} films; medians)")
    for case in cases:
        rounds = results[case.name]
        say(
            f"  {case.label:<46} {rps[case.name]:7.0f} req/s, {cpu_ms[case.name]:4.2f} ms server CPU/req   "
            f"CPU server {statistics.median(r.server_cpu for r in rounds):4.0%}, PostgreSQL "
            f"{statistics.median(r.counted['postgres_cpu'] / r.seconds for r in rounds):4.0%}, client "
            f"{statistics.median(r.client_cpu for r in rounds):4.0%}; new DB connections "
            f"{sum(int(r.counted['connects']) for r in rounds)}, errors {sum(r.errors for r in rounds)}"
        )
    revisit = pairs / rps["heartbeat"]
    say(
        f"  each (viewer, film) pair came back every {revisit:.1f} s under the spread load "
        + (
            f"(> {COALESCE_S} s: every heartbeat writes)"
            if revisit > COALESCE_S
            else "(!! coalesced: raise --films)"
        )
    )
    by_cpu = cpu_ms["bare"] / cpu_ms["noop"]
    verdict = "PASS" if rps["noop"] / rps["bare"] >= NOOP_TARGET else "FAIL"
    say(
        f"  ratio {'no-op / bare':<26}: {rps['noop'] / rps['bare']:.2f}x  {verdict}   "
        f"(by server CPU/req: {by_cpu:.2f}x; target >= {NOOP_TARGET}x)"
    )
    ratios = {name: rps[name] / rps["noop"] for name in ("play", "heartbeat", "flood")}
    for name, label in (("play", "/play"), ("heartbeat", "heartbeat"), ("flood", "flood heartbeat")):
        verdict = "" if name == "flood" else ("  PASS" if ratios[name] >= TARGET else "  FAIL")
        by_cpu = cpu_ms["noop"] / cpu_ms[name]
        say(
            f"  ratio {label + ' / no-op':<26}: {ratios[name]:.2f}x{verdict}   (by server CPU/req: {by_cpu:.2f}x;"
            f" / bare {rps[name] / rps['bare']:.2f}x)"
        )
    say(f"  target >= {TARGET}x for /play and the spread heartbeat (the flood is shown, not judged)")
    return counts


if __name__ == "__main__":
    main()
