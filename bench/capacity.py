"""Per-unit figures for infra/CAPACITY.md, measured on this machine, each against a baseline of
the same run.

1. Heartbeat writes (this process, the embedded PostgreSQL). `--viewers` (5,000) profiles each
   watch one of `--films` (50) films. A round writes every viewer's next position once, as the
   flush writes them (cinema.account.progress.write_positions, one `unnest` upsert per
   FLUSH_BATCH (500) viewers, one transaction each: cinema.account.heartbeats.flush_all); the
   round does that `--passes` (4) times (psutil's CPU times tick every 10 ms). The
   baseline writes `--single` (1,000) positions through the same statement one position and one
   transaction at a time (a write-through per heartbeat, what the platform would do without
   batching). Batched and single rounds alternate, `--rounds` (3) each after a warm-up that
   inserts the rows (the rounds then update them, the steady state). Shown: upserts per second
   of wall time, PostgreSQL CPU per upsert (the postmaster and its backends, psutil), and the
   figure CAPACITY.md scales: upserts per PostgreSQL CPU-second ("per core").

2. Requests per function process. The app (cinema.local.app, every router, as `cinema serve`
   runs it; a Lambda function serves a subset of the same routes with the same code) in a
   uvicorn child process (one worker; bench/_http_load.py), driven over `--connections` (32)
   keep-alive loopback connections: a bare route with no dependency (the baseline, as in
   playback.py), `GET /api/v1/films/{id}` (a cache hit, rotating over the films), `/play`,
   the heartbeat (spread over (viewer, film) pairs, each view of the day already counted, as
   real traffic is), and `POST /api/v1/auth/token` (right password, rotating over `--logins`
   (40) accounts: an argon2 hash each). `--rounds` x `--seconds` (4) each, interleaved, medians.
   Shown per case: req/s, server CPU per request and its inverse (requests per CPU-second of the
   function process: a Lambda container or one core), PostgreSQL CPU per request, Redis
   commands per request (`total_commands_processed` of Redis' INFO, read around each round:
   the commands a script runs count too) and Redis CPU per request (its process, psutil), and
   req/s / bare. PostgreSQL runs with fsync off (the embedded stack's `fast`): RDS commits
   cost more I/O, not more CPU per row.

3. `--x-ray [HANDLER ...]` instead: what Powertools' Tracer and the X-Ray SDK add to a cold
   start in a Lambda function with tracing on (cinema.core.tracing loads them only there): fresh
   interpreters load each handler with and without the variables the Lambda runtime sets,
   `--x-ray-runs` (5) alternating pairs, medians of wall and CPU time.

    python bench/capacity.py [--viewers 5000] [--films 50] [--single 1000] [--rounds 3] [--seconds 4]
    python bench/capacity.py --x-ray [functions/streaming/handler.py ...] [--x-ray-runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psutil
from _http_load import Round, child_server, cpu_seconds, free_port, load, run_loop, run_server
from _stack import close_connections, playback_settings, say, stack  # bench/ is on sys.path
from playback import PASSWORD, _postgres_cpu, _postmaster, add_ready_uploads

BARE = "/bench/bare"
FILM = "/api/v1/films/{film_id}"
PLAY = "/api/v1/films/{film_id}/play"
PROGRESS = "/api/v1/films/{film_id}/progress"
SIGN_IN = "/api/v1/auth/token"
FILM_SECONDS = 600


def serve(port: int, log_level: str) -> None:
    from fastapi import Response, status  # noqa: PLC0415

    from cinema.core.logging import configure_local_logging  # noqa: PLC0415
    from cinema.local.app import create_app  # noqa: PLC0415

    configure_local_logging(log_level)
    app = create_app()

    async def bare() -> Response:
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    bare.__annotations__ = {"return": Response}
    app.add_api_route(BARE, bare, methods=["GET"], status_code=204, include_in_schema=False)
    app.router.routes.insert(0, app.router.routes.pop())  # first: the baseline pays no route scan
    run_server(app, port)


# ---- setup (this process) -----------------------------------------------------------------


@dataclass
class Setup:
    films: list[uuid.UUID]
    users: list[uuid.UUID]  # accounts, one profile each (the first, made with the account)
    profiles: list[uuid.UUID]
    logins: list[str]  # emails of accounts that sign in with PASSWORD


async def _setup(viewers: int, films: int, logins: int) -> Setup:
    import httpx  # noqa: PLC0415
    from sqlalchemy import text  # noqa: PLC0415

    from cinema.core import db  # noqa: PLC0415
    from cinema.core.security import create_access_token, hash_password  # noqa: PLC0415
    from cinema.local.app import create_app  # noqa: PLC0415

    password_hash = hash_password(PASSWORD)
    users = [uuid.uuid4() for _ in range(viewers)]
    admin = uuid.uuid4()
    rows = [
        {"id": u, "email": f"viewer-{n:05d}@bench.kino.io", "hash": password_hash, "role": "user"}
        for n, u in enumerate(users)
    ]
    rows.append({"id": admin, "email": "admin@bench.kino.io", "hash": password_hash, "role": "admin"})
    try:
        async with db.engine().begin() as conn:
            await conn.execute(
                text("INSERT INTO users (id, email, password_hash, role) VALUES (:id, :email, :hash, :role)"),
                rows,
            )
        auth = {"Authorization": f"Bearer {create_access_token(admin, 'admin')[0]}"}
        film_ids: list[uuid.UUID] = []
        transport = httpx.ASGITransport(app=create_app(), client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            for n in range(films):
                body = {
                    "title": f"Capacity film {n}",
                    "year": 2000 + n % 25,
                    "duration_seconds": FILM_SECONDS,
                }
                created = await http.post("/api/v1/admin/films", json=body | {"access": "free"}, headers=auth)
                if created.status_code != 201:
                    raise RuntimeError(f"create film: {created.status_code} {created.text[:300]}")
                film_id = created.json()["id"]
                published = await http.patch(
                    f"/api/v1/admin/films/{film_id}", json={"status": "published"}, headers=auth
                )
                if published.status_code != 200:
                    raise RuntimeError(f"publish: {published.status_code} {published.text[:300]}")
                film_ids.append(uuid.UUID(film_id))
        async with db.engine().begin() as conn:
            await add_ready_uploads(conn, [(f, FILM_SECONDS) for f in film_ids])
            has_profiles = await conn.scalar(text("SELECT to_regclass('profiles') IS NOT NULL"))
            if has_profiles:  # each account's first profile (made with the account)
                found = dict(
                    (
                        await conn.execute(
                            text("SELECT user_id, id FROM profiles WHERE user_id = ANY(:u)"), {"u": users}
                        )
                    ).all()
                )
                profiles = [found[u] for u in users]
            else:
                profiles = list(users)
        return Setup(film_ids, users, profiles, [r["email"] for r in rows[:logins]])
    finally:
        await close_connections()


# ---- 1. heartbeat writes --------------------------------------------------------------------


async def _write_rounds(
    setup: Setup, *, rounds: int, passes: int, single: int, data_dir: Any
) -> dict[str, list[float]]:
    from cinema.account import progress  # noqa: PLC0415
    from cinema.account.heartbeats import FLUSH_BATCH, Position  # noqa: PLC0415
    from cinema.core import db  # noqa: PLC0415

    postmaster = _postmaster(data_dir)
    films = setup.films
    pairs = [(p, films[n % len(films)]) for n, p in enumerate(setup.profiles)]
    step = [0]

    def positions(chosen: list[tuple[uuid.UUID, uuid.UUID]]) -> list[Position]:
        step[0] += 1
        at = time.time()
        return [Position(p, f, 10 + step[0] % 580, FILM_SECONDS, at) for p, f in chosen]

    async def batched() -> tuple[int, float, float]:
        written = 0
        pg, started = _postgres_cpu(postmaster), time.perf_counter()
        for _ in range(passes):  # several flushes a round: psutil's CPU times tick every 10 ms
            todo = positions(pairs)
            for i in range(0, len(todo), FLUSH_BATCH):
                async with db.session_factory()() as session:
                    await progress.write_positions(session, todo[i : i + FLUSH_BATCH])
                    await session.commit()
            written += len(todo)
        return written, time.perf_counter() - started, _postgres_cpu(postmaster) - pg

    async def one_by_one() -> tuple[int, float, float]:
        todo = positions(pairs[:single])
        pg, started = _postgres_cpu(postmaster), time.perf_counter()
        for position in todo:
            async with db.session_factory()() as session:
                await progress.write_positions(session, [position])
                await session.commit()
        return len(todo), time.perf_counter() - started, _postgres_cpu(postmaster) - pg

    figures: dict[str, list[float]] = {
        "batched_rps": [],
        "batched_pg_us": [],
        "single_rps": [],
        "single_pg_us": [],
    }
    try:
        await batched()  # warm-up: inserts every row; the rounds update them
        await one_by_one()
        for n in range(rounds):
            for name, run in (("batched", batched), ("single", one_by_one))[:: 1 if n % 2 == 0 else -1]:
                rows, wall, pg = await run()
                figures[f"{name}_rps"].append(rows / wall)
                figures[f"{name}_pg_us"].append(1e6 * pg / rows)
            say(
                f"  round {n + 1}: batched {figures['batched_rps'][-1]:7.0f} upserts/s, "
                f"{figures['batched_pg_us'][-1]:5.1f} us PG CPU each; one by one {figures['single_rps'][-1]:6.0f}/s, "
                f"{figures['single_pg_us'][-1]:5.1f} us"
            )
        return figures
    finally:
        await close_connections()


# ---- 2. requests per function process -------------------------------------------------------


@dataclass
class Case:
    name: str
    label: str
    make: Callable[[int], bytes]
    ok: Callable[[int, bytes], bool]


async def _views_counted(setup: Setup, viewers: int) -> None:
    """Today's view of every (profile, film) pair is counted, as an hour of watching leaves it:
    the spread heartbeats then never write through (bench/playback.py does the same)."""
    from cinema.account import heartbeats  # noqa: PLC0415
    from cinema.core import cache  # noqa: PLC0415

    redis = cache.client()
    if redis is None:
        raise RuntimeError("the bench needs Redis")
    try:
        async with redis.pipeline(transaction=False) as pipe:
            for profile in setup.profiles[:viewers]:  # the viewers with a token
                for film in setup.films:
                    pipe.set(heartbeats.viewed_key(profile, film), b"1", ex=86400)
            await pipe.execute()
    finally:
        await close_connections()


def _cases(port: int, setup: Setup, tokens: list[bytes]) -> list[Case]:
    from urllib.parse import urlencode  # noqa: PLC0415

    host = f"Host: 127.0.0.1:{port}\r\n".encode()
    films = [str(f) for f in setup.films]
    pairs = len(tokens) * len(films)
    counter = {"play": 0, "beat": 0}

    def pair(name: str) -> tuple[bytes, str]:
        i = counter[name] % pairs
        counter[name] += 1
        return tokens[i % len(tokens)], films[i // len(tokens)]

    def bare(n: int) -> bytes:
        return f"GET {BARE} HTTP/1.1\r\n".encode() + host + b"\r\n"

    def film(n: int) -> bytes:
        return f"GET {FILM.format(film_id=films[n % len(films)])} HTTP/1.1\r\n".encode() + host + b"\r\n"

    def play(_: int) -> bytes:
        token, f = pair("play")
        return f"GET {PLAY.format(film_id=f)} HTTP/1.1\r\n".encode() + host + token + b"\r\n"

    def heartbeat(_: int) -> bytes:
        token, f = pair("beat")
        body = b'{"position_seconds": %d}' % (300 + 15 * (counter["beat"] // pairs) % 280)
        head = f"PUT {PROGRESS.format(film_id=f)} HTTP/1.1\r\n".encode() + host + token
        return head + b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body

    forms = [urlencode({"username": email, "password": PASSWORD}).encode() for email in setup.logins]

    def login(n: int) -> bytes:
        body = forms[n % len(forms)]
        head = (
            f"POST {SIGN_IN} HTTP/1.1\r\n".encode()
            + host
            + b"Content-Type: application/x-www-form-urlencoded\r\n"
        )
        return head + b"Content-Length: %d\r\n\r\n" % len(body) + body

    return [
        Case("bare", f"GET {BARE} (no dependency)", bare, lambda s, b: s == 204),
        Case(
            "film", "GET /api/v1/films/{id} (cached)", film, lambda s, b: s == 200 and b.startswith(b'{"id"')
        ),
        Case(
            "play",
            "GET /api/v1/films/{id}/play",
            play,
            lambda s, b: s == 200 and b"CloudFront-Signature" in b,
        ),
        Case("heartbeat", "PUT .../progress (spread)", heartbeat, lambda s, b: s == 204),
        Case(
            "login", "POST /api/v1/auth/token (argon2)", login, lambda s, b: s == 200 and b"access_token" in b
        ),
    ]


def _redis_counters(url: str) -> Callable[[], dict[str, float]]:
    """Commands Redis executed (those inside scripts included) and the CPU seconds of its process."""
    import redis  # noqa: PLC0415

    client = redis.Redis.from_url(url)
    process = psutil.Process(int(client.info("server")["process_id"]))

    def read() -> dict[str, float]:
        return {
            "redis": float(client.info("stats")["total_commands_processed"]),
            "redis_cpu": cpu_seconds(process),
        }

    return read


def _requests(args: argparse.Namespace, setup: Setup, services: Any) -> dict[str, list[Round]]:
    from cinema.core.security import create_access_token  # noqa: PLC0415
    from cinema.core.settings import get_settings  # noqa: PLC0415

    viewers = setup.users[: args.token_viewers]
    tokens = [f"Authorization: Bearer {create_access_token(u, 'user')[0]}\r\n".encode() for u in viewers]
    redis_counters = _redis_counters(get_settings().redis_url)
    port = free_port()
    results: dict[str, list[Round]] = {}
    with child_server(
        [sys.executable, __file__, "--serve", str(port)],
        port=port,
        log=services.data_dir / "capacity-server.log",
        log_level=args.log_level,
    ) as server:
        process = psutil.Process(server.pid)
        postmaster = _postmaster(services.data_dir)
        cases = _cases(port, setup, tokens)

        async def counters(_: object) -> dict[str, float]:
            return {**redis_counters(), "postgres_cpu": _postgres_cpu(postmaster)}

        def run(case: Case, seconds: float) -> Round:
            connections = min(args.connections, 8) if case.name == "login" else args.connections
            result = run_loop(
                load(
                    port,
                    case.make,
                    case.ok,
                    connections=connections,
                    seconds=seconds,
                    server=process,
                    counters=counters,
                )
            )
            if result.first_error is not None:
                say(f"  !! {case.name}: {result.first_error}")
            return result

        for case in cases:
            run(case, 1.5)  # warm-up: caches filled, /play markers and grants in place
        results = {c.name: [] for c in cases}
        for n in range(args.rounds):
            for case in cases if n % 2 == 0 else list(reversed(cases)):
                results[case.name].append(run(case, args.seconds))
            say(f"  round {n + 1}: " + "  ".join(f"{c.name} {results[c.name][-1].rps:6.0f}" for c in cases))
        results["_labels"] = cases  # type: ignore[assignment]
    return results


def _report_requests(results: dict[str, Any]) -> None:
    cases: list[Case] = results.pop("_labels")
    med = statistics.median
    bare = med(r.rps for r in results["bare"])
    say("")
    say("requests per function process (medians; CPU figures from psutil, Redis from INFO)")
    say(
        f"  {'case':<36} {'req/s':>7} {'/bare':>6} {'CPU ms/req':>10} {'req/CPU-s':>9} "
        f"{'PG us/req':>9} {'Redis cmd/req':>13} {'Redis us/req':>12} errors"
    )
    for case in cases:
        rounds = results[case.name]
        cpu_ms = med(1000 * r.server_cpu / r.rps for r in rounds if r.requests)
        pg_us = med(1e6 * r.counted["postgres_cpu"] / r.requests for r in rounds if r.requests)
        # Reading the counter is one command per read, two per round.
        redis_per = med((r.counted["redis"] - 2) / r.requests for r in rounds if r.requests)
        redis_us = med(1e6 * r.counted["redis_cpu"] / r.requests for r in rounds if r.requests)
        rps = med(r.rps for r in rounds)
        say(
            f"  {case.label:<36} {rps:7.0f} {rps / bare:5.2f}x {cpu_ms:10.2f} {1000 / cpu_ms:9.0f} "
            f"{pg_us:9.0f} {redis_per:13.2f} {redis_us:12.1f} {sum(r.errors for r in rounds)}"
        )


# ---- 3. what X-Ray adds to a cold start (--x-ray) ------------------------------------------

LOAD_HANDLER = """
import importlib.util, sys, time
wall, cpu = time.perf_counter(), time.process_time()
spec = importlib.util.spec_from_file_location("handler", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(time.perf_counter() - wall, time.process_time() - cpu, "aws_xray_sdk.core" in sys.modules)
"""


def x_ray_cost(handlers: list[str], runs: int) -> None:
    """A fresh interpreter loads each handler as a Lambda container would, with the variables
    the Lambda runtime sets (tracing on: cinema.core.tracing loads Powertools' Tracer and the
    X-Ray SDK) and without them (the baseline), alternating; medians of wall and CPU time."""
    import os  # noqa: PLC0415
    import subprocess  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    root = Path(__file__).resolve().parents[1]
    plain = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    plain["PYTHONPATH"] = str(root / "layers" / "cinema" / "python")
    runtime = plain | {
        "AWS_LAMBDA_FUNCTION_NAME": "cinema-bench",
        "LAMBDA_TASK_ROOT": str(root),
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:9",  # nobody: UDP, never waited on
    }
    say(f"3. X-Ray in a cold start: {runs} alternating fresh loads per side")
    for handler in handlers:
        found: dict[str, list[tuple[float, float, str]]] = {"off": [], "on": []}
        for n in range(runs):
            for side, env in (("off", plain), ("on", runtime))[:: 1 if n % 2 == 0 else -1]:
                out = subprocess.run(
                    [sys.executable, "-c", LOAD_HANDLER, str(root / handler)],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                    timeout=120,
                ).stdout.split()
                found[side].append((float(out[0]), float(out[1]), out[2]))
        wall = {side: statistics.median(w for w, _, _ in samples) for side, samples in found.items()}
        cpu = {side: statistics.median(c for _, c, _ in samples) for side, samples in found.items()}
        loaded = {side: {x for _, _, x in samples} for side, samples in found.items()}
        say(
            f"  {handler:<32} wall {1000 * wall['off']:5.0f} -> {1000 * wall['on']:5.0f} ms "
            f"({1000 * (wall['on'] - wall['off']):+4.0f}), CPU {1000 * cpu['off']:4.0f} -> {1000 * cpu['on']:4.0f} ms "
            f"({1000 * (cpu['on'] - cpu['off']):+4.0f}); X-Ray SDK loaded: {loaded['off']} / {loaded['on']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--viewers", type=int, default=5000, help="profiles whose positions a flush writes")
    parser.add_argument("--films", type=int, default=50)
    parser.add_argument("--passes", type=int, default=4, help="flushes of every viewer per batched round")
    parser.add_argument("--single", type=int, default=1000, help="positions written one by one per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds per request round")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--logins", type=int, default=40, help="accounts that sign in, in turn")
    parser.add_argument(
        "--token-viewers", type=int, default=200, help="viewers with a token for /play, heartbeats"
    )
    parser.add_argument("--log-level", default="WARNING")
    parser.add_argument("--skip-requests", action="store_true", help="part 1 only")
    parser.add_argument(
        "--x-ray",
        nargs="*",
        metavar="HANDLER",
        help="only part 3, for these handlers (default: streaming, catalog)",
    )
    parser.add_argument("--x-ray-runs", type=int, default=5)
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.log_level)
        return
    if args.x_ray is not None:
        x_ray_cost(
            args.x_ray or ["functions/streaming/handler.py", "functions/catalog/handler.py"], args.x_ray_runs
        )
        return

    with stack(**playback_settings("KBENCHCAPACITY"), catalog_cache_ttl_s="3600") as services:
        started = time.perf_counter()
        setup = asyncio.run(_setup(args.viewers, args.films, args.logins))
        say(
            f"set up {args.viewers} viewers, {args.films} free films with a ready upload in {time.perf_counter() - started:.1f}s"
        )
        say("")
        say(
            f"1. heartbeat upserts into watch_progress: {args.passes} x {args.viewers} per batched round, {args.single} one by one"
        )
        figures = asyncio.run(
            _write_rounds(
                setup, rounds=args.rounds, passes=args.passes, single=args.single, data_dir=services.data_dir
            )
        )
        med = statistics.median
        batched_pg, single_pg = med(figures["batched_pg_us"]), med(figures["single_pg_us"])
        say(
            f"  batched (flush: unnest, 500 a statement): {med(figures['batched_rps']):7.0f} upserts/s wall, "
            f"{batched_pg:5.1f} us PostgreSQL CPU each = {1e6 / batched_pg:7.0f} upserts per PostgreSQL CPU-second"
        )
        say(
            f"  one by one (baseline, a write-through each): {med(figures['single_rps']):6.0f} upserts/s wall, "
            f"{single_pg:5.1f} us PostgreSQL CPU each = {1e6 / single_pg:7.0f} per PostgreSQL CPU-second"
        )
        say(f"  batched / one by one, by PostgreSQL CPU per upsert: {single_pg / batched_pg:.1f}x")
        if args.skip_requests:
            return
        say("")
        say(
            f"2. requests per function process: {args.connections} connections, {args.rounds} x {args.seconds:g}s"
        )
        asyncio.run(_views_counted(setup, args.token_viewers))
        _report_requests(_requests(args, setup, services))


if __name__ == "__main__":
    main()
