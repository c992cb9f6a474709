"""Requests/s of the cached catalog reads against a bare route of the same server sending the same bytes.

GET /api/v1/films/{id} and GET /api/v1/films/popular are served from Redis once warm; what
they cost on a hit beyond the bare minimum is the cache lookup, their dependencies (session,
optional user) and FastAPI's parameter handling. The baseline is two routes added to the
same app (same uvicorn, same middleware stack) that return pre-captured copies of exactly
those response bodies with no lookup at all. The server runs in a child process (one
uvicorn worker, as `cinema serve` runs it); the load comes from this process over loopback
keep-alive connections, with a minimal HTTP/1.1 client so that the client is not the
bottleneck. Bare and real rounds are interleaved and medians taken. Target: >= 0.75x.

    python bench/catalog_cache.py [--films 2000] [--seconds 5] [--rounds 3] [--connections 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import uuid

import psutil
import redis
from _http_load import Connection, Round, child_server, free_port, load, run_loop, run_server
from _stack import close_connections, say, stack  # bench/ is on sys.path: these run as scripts

TARGET = 0.75
FILM = "/api/v1/films/{film_id}"
POPULAR = "/api/v1/films/popular"
BARE_FILM = "/bench/bare/films/{film_id}"
BARE_POPULAR = "/bench/bare/popular"

# ---- the server (a child process: `catalog_cache.py --serve PORT FILM_ID`) ---------------


async def _capture(app: object, paths: list[str]) -> list[bytes]:
    """The exact bodies the app sends for `paths`, each asked twice (fill the cache, then a hit)."""
    import httpx  # noqa: PLC0415

    bodies = []
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        for path in paths:
            first, second = (await http.get(path)), (await http.get(path))
            if first.status_code != 200 or first.content != second.content:
                raise RuntimeError(f"{path}: {first.status_code} {first.text[:200]}")
            bodies.append(second.content)
    # This loop ends here; uvicorn's loop must open its own connections.
    await close_connections()
    return bodies


def serve(port: int, film_id: uuid.UUID, log_level: str) -> None:
    from fastapi import Response  # noqa: PLC0415

    from cinema.core.logging import configure_local_logging  # noqa: PLC0415
    from cinema.local.app import create_app  # noqa: PLC0415

    configure_local_logging(log_level)  # what `cinema serve` does, at the level asked
    app = create_app()
    film_body, popular_body = asyncio.run(_capture(app, [FILM.format(film_id=film_id), POPULAR]))

    async def bare_film(film_id: uuid.UUID) -> Response:  # the same path parameter parsing
        return Response(content=film_body, media_type="application/json")

    async def bare_popular() -> Response:
        return Response(content=popular_body, media_type="application/json")

    app.add_api_route(BARE_FILM, bare_film, methods=["GET"], include_in_schema=False)
    app.add_api_route(BARE_POPULAR, bare_popular, methods=["GET"], include_in_schema=False)
    # First in the routing table: the baseline does not even pay for route matching.
    routes = app.router.routes
    routes[:0] = [routes.pop(), routes.pop()]
    run_server(app, port)


# ---- the load generator (this process) -------------------------------------------------


def _get(port: int, path: str) -> tuple[int, bytes]:
    async def once() -> tuple[int, bytes]:
        transport, connection = await asyncio.get_running_loop().create_connection(
            Connection, "127.0.0.1", port
        )
        try:
            return await connection.request(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        finally:
            transport.close()

    return asyncio.run(once())


# ---- the run -----------------------------------------------------------------------------


def _seed(films: int) -> uuid.UUID:
    """`films` synthetic films with a week of views; returns the most watched one."""
    from sqlalchemy import select  # noqa: PLC0415

    from cinema.catalog import bulk_load, caching, seed_commands  # noqa: PLC0415
    from cinema.catalog.models import Film  # noqa: PLC0415
    from cinema.core import cache, db  # noqa: PLC0415

    asyncio.run(seed_commands.run_synthetic(films))
    cache.reset()  # run_synthetic leaves its Redis client bound to the loop that just closed

    async def views() -> uuid.UUID:
        try:
            async with db.session_factory()() as session:
                ids = list((await session.execute(select(Film.id))).scalars())
                await bulk_load.add_view_history(session, ids)
                await session.commit()
                top = select(Film.id).order_by(Film.popularity.desc(), Film.id).limit(1)
                return (await session.execute(top)).scalar_one()
        finally:
            await caching.invalidate()
            await close_connections()

    return asyncio.run(views())


def _keyspace(client: redis.Redis) -> tuple[int, int]:
    stats = client.info("stats")
    return int(stats["keyspace_hits"]), int(stats["keyspace_misses"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--films", type=int, default=2000, help="synthetic films in the catalog")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each measured round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per route (interleaved, medians)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of unmeasured load per route")
    parser.add_argument("--connections", type=int, default=32, help="concurrent keep-alive connections")
    parser.add_argument("--log-level", default="WARNING", help="the server's root log level")
    parser.add_argument("--serve", nargs=2, metavar=("PORT", "FILM_ID"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), uuid.UUID(args.serve[1]), args.log_level)
        return

    # Long TTLs: every measured request is a hit (the defaults, 300 s and 60 s, would add one
    # rebuild per minute; the Redis counters below show the misses, if any).
    with stack(catalog_cache_ttl_s="3600", popular_cache_ttl_s="3600") as services:
        started = time.perf_counter()
        film_id = _seed(args.films)
        say(
            f"seeded {args.films} synthetic films with a week of views in {time.perf_counter() - started:.1f}s"
        )

        port = free_port()
        with child_server(
            [sys.executable, __file__, "--serve", str(port), str(film_id)],
            port=port,
            log=services.data_dir / "bench-server.log",
            log_level=args.log_level,
        ) as server:
            _measure(args, port, film_id, server.pid, redis.Redis.from_url(services.redis.url))


def _measure(args: argparse.Namespace, port: int, film_id: uuid.UUID, pid: int, stats: redis.Redis) -> None:
    routes = {
        "bare film": BARE_FILM.format(film_id=film_id),
        "film": FILM.format(film_id=film_id),
        "bare popular": BARE_POPULAR,
        "popular": POPULAR,
    }
    expected = {name: _get(port, path) for name, path in routes.items()}
    for real, bare in (("film", "bare film"), ("popular", "bare popular")):
        if expected[real] != expected[bare] or expected[real][0] != 200:
            raise RuntimeError(
                f"{routes[real]} and {routes[bare]} differ:\n{expected[real]!r:.3000}\n{expected[bare]!r:.3000}"
            )
    server = psutil.Process(pid)
    say(
        f"server: uvicorn, 1 worker, pid {pid}, root log level {args.log_level} "
        f"(at INFO our middleware would log one JSON line per request), access log off"
    )
    say(
        f"load: {args.connections} keep-alive connections from this process (pid {os.getpid()}), "
        f"{args.warmup:g}s warm-up then {args.rounds} x {args.seconds:g}s per route, interleaved"
    )
    say(
        f"bodies: film {len(expected['film'][1])} B, popular {len(expected['popular'][1])} B "
        f"({len(json.loads(expected['popular'][1])['items'])} items); cache TTLs 3600 s"
    )

    def run(name: str, seconds: float) -> Round:
        raw = f"GET {routes[name]} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\n\r\n".encode()
        body = expected[name][1]
        return run_loop(
            load(
                port,
                lambda _: raw,
                lambda status, answer: status == 200 and answer == body,
                connections=args.connections,
                seconds=seconds,
                server=server,
            )
        )

    for name in routes:
        run(name, args.warmup)
    results: dict[str, list[Round]] = {name: [] for name in routes}
    misses: dict[str, int] = dict.fromkeys(routes, 0)
    for round_no in range(args.rounds):
        order = list(routes) if round_no % 2 == 0 else list(reversed(routes))
        for name in order:
            misses_before = _keyspace(stats)[1]
            result = run(name, args.seconds)
            misses[name] += _keyspace(stats)[1] - misses_before
            results[name].append(result)
            if result.errors:
                say(f"  !! {name}: {result.errors} responses were not 200 with the expected body")
        say(
            f"  round {round_no + 1}: "
            + "  ".join(f"{name} {results[name][-1].rps:7.0f}" for name in routes)
            + "  req/s"
        )

    rps = {name: statistics.median(r.rps for r in rounds) for name, rounds in results.items()}
    say("")
    say(f"catalog cache hit vs bare route ({args.films} films; medians of {args.rounds} rounds)")
    for name, path in routes.items():
        rounds = results[name]
        say(
            f"  GET {path:<54} {rps[name]:8.0f} req/s   server CPU "
            f"{statistics.median(r.server_cpu for r in rounds):4.0%}, client CPU "
            f"{statistics.median(r.client_cpu for r in rounds):4.0%}, Redis misses {misses[name]}, "
            f"errors {sum(r.errors for r in rounds)}"
        )
    film_ratio, popular_ratio = rps["film"] / rps["bare film"], rps["popular"] / rps["bare popular"]
    verdict = "PASS" if min(film_ratio, popular_ratio) >= TARGET else "FAIL"
    say(f"  ratio film / bare       : {film_ratio:.2f}x")
    say(f"  ratio popular / bare    : {popular_ratio:.2f}x")
    say(f"  target >= {TARGET}x: {verdict}")


if __name__ == "__main__":
    main()
