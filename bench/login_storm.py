"""Latency of a cached film page while 20 sign-ins run at once, against the same page with no sign-ins.

argon2 costs ~0.1-0.2 s of CPU per hash. Run on the event loop, a storm of sign-ins stalls every
other request of the process for that long, again and again. The platform hashes in a small pool
of low-priority threads beside the loop (cinema.core.security), so the storm queues there and the
catalog keeps answering. This measures exactly that: `--probe-connections` (4) keep-alive
connections ask for `GET /api/v1/films/{id}` (a cache hit) at a steady pace (one request per
connection every `--pace-ms` (10) ms, far below what the server can take, so that the figure is
the latency of a request, not of a queue), while in alternate phases `--logins` (20) connections
sign in over and over with the right password (each answer checked: 200 with tokens). Quiet and
storm phases alternate, `--rounds` (6) x `--seconds` (3) each (short phases, so that the
noise of a shared machine falls on both alike); a storm phase ends when the last
sign-in in flight has answered, before the next quiet phase starts. The figure is p99 (storm) /
p99 (quiet) of the film page, pooled over the rounds. Target: <= 2x.

`--reference` runs the same phases against a second server whose sign-in hashes on the event
loop (the code before issue 14), shown for comparison and not judged.

`--isolated` runs them twice more with the sign-ins sent to a second server process, as the AWS
shape runs them in the auth function, apart from the catalog's: the storm then costs the film
page's process no loop step at all, only the machine's CPU (the hash takes a whole core of a
two-core machine); then the same with each hash replaced by a 70 ms sleep in the hashing thread
(the same wait, no CPU). Shown for comparison, not judged: the first is the best any sign-in
code in the catalog's process could do on this machine, the second what is left without argon2's
CPU.

    python bench/login_storm.py [--logins 20] [--seconds 3] [--rounds 6] [--reference] [--isolated]
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
from dataclasses import dataclass, field
from urllib.parse import quote

from _http_load import Connection, child_server, free_port, run_loop, run_server
from _stack import say, stack  # bench/ is on sys.path: these run as scripts

TARGET = 2.0
PASSWORD = "bench storm password"  # noqa: S105 - the bench accounts' password
FILM = "/api/v1/films/{film_id}"
SIGN_IN = "/api/v1/auth/token"
# run: (the servers' mode, the report's title, the heading of its rounds)
RUNS = {
    "pool": ("pool", "argon2 in the hashing pool (the platform)", "server (hashing pool):"),
    "isolated": (
        "pool",
        "sign-ins in a process of their own (as in AWS), not judged",
        "REFERENCE: two servers, the film pages from one, the sign-ins to the other:",
    ),
    "isolated-sleep": (
        "sleep",
        "the same, each hash a 70 ms sleep (no CPU), not judged",
        "REFERENCE: two servers as above, the hashing threads sleeping 70 ms instead of hashing:",
    ),
    "loop": (
        "loop",
        "argon2 on the event loop (before issue 14), not judged",
        "REFERENCE: argon2 on the event loop:",
    ),
}

# ---- the server (a child process: `login_storm.py --serve PORT MODE`) --------------------


def serve(port: int, mode: str, log_level: str) -> None:
    from cinema.core.logging import configure_local_logging  # noqa: PLC0415
    from cinema.local.app import create_app  # noqa: PLC0415

    configure_local_logging(log_level)
    if mode == "loop":  # the reference: argon2 on the event loop, as before issue 14
        from cinema.auth import service  # noqa: PLC0415
        from cinema.core import security  # noqa: PLC0415

        async def verify_on_the_loop(password: str, password_hash: str | None) -> bool:
            return security.verify_password(password, password_hash)

        service.verify_password_async = verify_on_the_loop  # type: ignore[assignment]
    if mode == "sleep":  # the wait of a hash in the hashing thread, without its CPU
        from cinema.core import security  # noqa: PLC0415

        def sleep_instead(password: str, password_hash: str | None) -> bool:
            time.sleep(0.07)
            return password == PASSWORD and password_hash is not None

        security.verify_password = sleep_instead
    run_server(create_app(), port)


# ---- the setup (this process) ------------------------------------------------------------


def _setup(films: int, accounts: int) -> tuple[uuid.UUID, list[str]]:
    """Synthetic films and `accounts` users sharing one real argon2 hash of PASSWORD."""
    from sqlalchemy import select, text  # noqa: PLC0415

    from cinema.catalog import seed_commands  # noqa: PLC0415
    from cinema.catalog.models import Film, FilmStatus  # noqa: PLC0415
    from cinema.core import cache, db  # noqa: PLC0415
    from cinema.core.security import hash_password  # noqa: PLC0415

    asyncio.run(seed_commands.run_synthetic(films))
    cache.reset()
    emails = [f"storm-{n:03d}@bench.kino.io" for n in range(accounts)]

    async def rows() -> uuid.UUID:
        password_hash = hash_password(PASSWORD)
        try:
            async with db.engine().begin() as conn:
                await conn.execute(
                    text("INSERT INTO users (id, email, email_key, password_hash) VALUES (:id, :e, :e, :h)"),
                    [{"id": uuid.uuid4(), "e": email, "h": password_hash} for email in emails],
                )
            async with db.session_factory()() as session:
                query = select(Film.id).where(Film.status == FilmStatus.published).order_by(Film.id).limit(1)
                return (await session.execute(query)).scalar_one()
        finally:
            await db.dispose()

    return asyncio.run(rows()), emails


# ---- the load (this process) -----------------------------------------------------------


@dataclass
class Phase:
    film_ms: list[float] = field(default_factory=list)
    login_ms: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: tuple[int, bytes] | None = None


def _raw_get(port: int, path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\n\r\n".encode()


def _raw_login(port: int, email: str) -> bytes:
    body = f"username={quote(email)}&password={quote(PASSWORD)}".encode()
    head = (
        f"POST {SIGN_IN} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _phase(
    ports: tuple[int, int], film_id: uuid.UUID, emails: list[str], args: argparse.Namespace, storm: bool
) -> Phase:
    """`ports`: the film pages' server and the sign-ins' (the same one but with `--isolated`)."""
    loop = asyncio.get_running_loop()
    result = Phase()
    port, login_port = ports
    film_raw = _raw_get(port, FILM.format(film_id=film_id))
    probes = [
        await loop.create_connection(Connection, "127.0.0.1", port) for _ in range(args.probe_connections)
    ]
    logins = (
        [await loop.create_connection(Connection, "127.0.0.1", login_port) for _ in emails] if storm else []
    )
    deadline = time.perf_counter() + args.seconds

    def failed(status: int, body: bytes) -> None:
        result.errors += 1
        if result.first_error is None:
            result.first_error = (status, body[:300])

    async def probe(connection: Connection, offset: float) -> None:
        await asyncio.sleep(offset)
        next_at = time.perf_counter()
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            status, body = await connection.request(film_raw)
            result.film_ms.append((time.perf_counter() - started) * 1000)
            if status != 200:
                failed(status, body)
            next_at += args.pace_ms / 1000
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))

    async def sign_in(connection: Connection, email: str) -> None:
        raw = _raw_login(login_port, email)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            status, body = await connection.request(raw)
            result.login_ms.append((time.perf_counter() - started) * 1000)
            if status != 200 or b'"access_token"' not in body:
                failed(status, body)

    try:
        spread = args.pace_ms / 1000 / max(1, len(probes))
        await asyncio.wait_for(
            asyncio.gather(
                *(probe(c, n * spread) for n, (_, c) in enumerate(probes)),
                *(sign_in(c, email) for (_, c), email in zip(logins, emails[: len(logins)], strict=True)),
            ),
            args.seconds + 60,
        )
    finally:
        for transport, _ in probes + logins:
            transport.close()
    return result


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


def _measure(
    ports: tuple[int, int], film_id: uuid.UUID, emails: list[str], args: argparse.Namespace
) -> dict[str, Phase]:
    async def warm(port: int) -> None:
        transport, connection = await asyncio.get_running_loop().create_connection(
            Connection, "127.0.0.1", port
        )
        try:
            for _ in range(50):
                status, body = await connection.request(_raw_get(port, FILM.format(film_id=film_id)))
                if status != 200:
                    raise RuntimeError(f"film page: {status} {body[:300]!r}")
            status, body = await connection.request(_raw_login(port, emails[0]))
            if status != 200:
                raise RuntimeError(f"sign-in: {status} {body[:300]!r}")
        finally:
            transport.close()

    for port in set(ports):
        run_loop(warm(port))
    pooled = {"quiet": Phase(), "storm": Phase()}
    for round_no in range(args.rounds):
        order = ["quiet", "storm"] if round_no % 2 == 0 else ["storm", "quiet"]
        line = []
        for name in order:
            phase = run_loop(_phase(ports, film_id, emails, args, storm=name == "storm"))
            pooled[name].film_ms += phase.film_ms
            pooled[name].login_ms += phase.login_ms
            pooled[name].errors += phase.errors
            pooled[name].first_error = pooled[name].first_error or phase.first_error
            line.append(f"{name} p99 {_p(phase.film_ms, 0.99):6.1f} ms")
            if name == "storm":
                line.append(f"({len(phase.login_ms)} sign-ins)")
        say(f"  round {round_no + 1}: " + "  ".join(line))
    return pooled


def _report(title: str, pooled: dict[str, Phase], args: argparse.Namespace, *, judged: bool) -> float:
    quiet, storm = pooled["quiet"], pooled["storm"]
    say("")
    say(title)
    say(
        f"  {'phase':<7} {'film pages':>10} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}   sign-ins"
    )
    for name, phase in pooled.items():
        signins = (
            f"{len(phase.login_ms)} ({len(phase.login_ms) / (args.seconds * args.rounds):.1f}/s, "
            f"p50 {_p(phase.login_ms, 0.5):.0f} ms, p99 {_p(phase.login_ms, 0.99):.0f} ms)"
            if phase.login_ms
            else "-"
        )
        say(
            f"  {name:<7} {len(phase.film_ms):>10} {_p(phase.film_ms, 0.5):8.2f} {_p(phase.film_ms, 0.9):8.2f} "
            f"{_p(phase.film_ms, 0.99):8.2f} {max(phase.film_ms, default=float('nan')):8.1f}   {signins}"
        )
        if phase.errors:
            say(f"  !! {name}: {phase.errors} failed requests, first: {phase.first_error!r}")
    ratio = _p(storm.film_ms, 0.99) / _p(quiet.film_ms, 0.99)
    median_ratio = statistics.median(storm.film_ms) / statistics.median(quiet.film_ms)
    say(f"  film page p99 storm / quiet: {ratio:.2f}x   (p50: {median_ratio:.2f}x)")
    if judged:
        verdict = "PASS" if ratio <= TARGET and not (quiet.errors or storm.errors) else "FAIL"
        say(f"  target <= {TARGET}x: {verdict}")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--logins", type=int, default=20, help="concurrent sign-in connections in a storm")
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each phase")
    parser.add_argument("--rounds", type=int, default=6, help="quiet/storm pairs (alternating order)")
    parser.add_argument(
        "--probe-connections", type=int, default=4, help="connections asking for the film page"
    )
    parser.add_argument("--pace-ms", type=float, default=10.0, help="interval of each probe connection")
    parser.add_argument("--films", type=int, default=200, help="synthetic films in the catalog")
    parser.add_argument("--reference", action="store_true", help="also run with argon2 on the event loop")
    parser.add_argument(
        "--isolated", action="store_true", help="also run with the sign-ins served by a process of their own"
    )
    parser.add_argument("--log-level", default="WARNING", help="the server's root log level")
    parser.add_argument("--serve", nargs=2, metavar=("PORT", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), args.serve[1], args.log_level)
        return

    with stack(catalog_cache_ttl_s="3600", popular_cache_ttl_s="3600") as services:
        film_id, emails = _setup(args.films, args.logins)
        say(
            f"load average at the start: {' '.join(f'{v:.2f}' for v in os.getloadavg())} ({os.cpu_count()} cores)"
        )
        say(f"{args.films} synthetic films, {args.logins} accounts (one real argon2 hash, {PASSWORD!r})")
        say(
            f"film page GET {FILM.format(film_id=film_id)} from {args.probe_connections} connections, one "
            f"request each every {args.pace_ms:g} ms; storm: {args.logins} connections signing in back to back"
        )
        ratios = {}
        runs = ["pool"] + ["isolated", "isolated-sleep"] * args.isolated + ["loop"] * args.reference
        for run in runs:
            mode, title, heading = RUNS[run]
            with contextlib.ExitStack() as servers:
                ports = []
                for n in range(2 if run.startswith("isolated") else 1):
                    ports.append(free_port())
                    servers.enter_context(
                        child_server(
                            [sys.executable, __file__, "--serve", str(ports[-1]), mode],
                            port=ports[-1],
                            log=services.data_dir / f"bench-server-{run}-{n}.log",
                            log_level=args.log_level,
                        )
                    )
                say("")
                say(heading)
                pooled = _measure((ports[0], ports[-1]), film_id, emails, args)
            ratios[run] = _report(title, pooled, args, judged=run == "pool")
        if len(ratios) > 1:
            say("")
            say(
                "p99 ratio: "
                + ", ".join(f"{RUNS[run][1].split(' (')[0]} {ratio:.2f}x" for run, ratio in ratios.items())
            )
        say(f"load average at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
