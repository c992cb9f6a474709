"""A mixed load test: the requests a cinema sees, at their shares, at a rising arrival rate.

The platform runs as `cinema serve` runs it (one uvicorn worker in a child process, uvloop and
httptools, access log off, root log level `--log-level` WARNING) on the embedded stack
(bench/_stack.py) with the default cache settings. The catalog is `--films` (5,000) synthetic
films with a week of views (as bench/catalog_cache.py seeds it); the `--playable` (60) most
watched free and subscription films get a ready upload (as bench/playback.py makes them); there
are `--viewers` (1,000) signed-in viewers (tokens minted up front, one real argon2 hash shared
by all, so their sign-ins are real), every second one with an active subscription, and 200 more
accounts whose reviews sit on the 300 most watched films. Each viewer has one film they watch
(a free one, or a subscription one if subscribed), so /play and the heartbeats answer 200/204.

The load is open loop (bench/_open_loop.py): requests arrive as a Poisson process at a fixed
mean rate, each on a pooled keep-alive connection, timed from when it was due, so queueing in
a slow server shows in the latencies instead of slowing the client down. Each arrival is one
request of the mix below (MIX), drawn by its share. Film choices follow the catalog's
popularity (Zipf, s = 1 over the films ranked by views); half the reads carry a viewer's token,
as the web app sends it when signed in (a signed-in film page skips the in-process level of
the cache). Half the fresh catalog pages are what most visitors ask for (one genre or none, a
sort the page offers), half any combination of the filters. Heartbeats cycle over as many
watching viewers as make each one beat every `--heartbeat-s` (15, the web player's interval)
seconds at the step's rate: every heartbeat writes its row. Reviews are posted by (viewer,
film) pairs that never repeat (one review per pair; 10 an hour per viewer); half carry a score,
which rates the film: the catalog's cache version moves, so every cached listing is dropped.

The search for the sustainable rate: after a `--warmup` (3 s), steps of `--step-seconds` (8) at
`--start-rate` (5/s), each `--factor` (1.5) times the last, until a step has an error, or p99
over every request but sign-ins above `--p99-ms` (500), or the sign-ins' median above
`--signin-p50-ms` (2000: argon2 queues in its low-priority pool by design; a step has a handful
of sign-ins, whose p99 is their slowest), or `--max-rate` is reached; then one step between the
last passing and the failing rate. At the highest passing rate, `--rounds` (2) rounds of
`--seconds` (10) of the mix alternate with the same arrivals (same times) of GET /bench/bare (a
route the bench adds first in the routing table, no dependency, a fixed 2 KB JSON body): the
per-route table comes from the mix rounds, and the figure is p99 of the mix (sign-ins aside) /
p99 of the bare route: the platform's own share of the tail, against what the machine, uvicorn
and the client give anyway. The rounds, pooled, are judged as a step is; if they do not hold (a
busy shared machine moves from step to step) they run once more at the next passing rate
below, and the sustainable rate is the one whose rounds held. An error is any answer other than
the expected one (no 4xx is expected: none is provoked). `--by-category RATE` then runs each
category alone at RATE/s: what one request of it costs the server and PostgreSQL.

    python bench/load.py [--films 5000] [--viewers 1000] [--step-seconds 8] [--seconds 10] [--rounds 2]
                         [--by-category 10]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import psutil
from _cinema_mix import MIX, PAGE, Catalog, Film, Traffic
from _http_load import Connection, child_server, free_port, run_loop, run_server
from _open_loop import Request, RouteStats, Step, open_loop
from _stack import (  # bench/ is on sys.path: these run as scripts
    close_connections,
    playback_settings,
    say,
    stack,
)
from catalog_cache import _seed as seed_catalog  # synthetic films with a week of views
from login_storm import PASSWORD
from playback import _postgres_cpu, _postmaster, add_ready_uploads
from search import pct

BARE = "/bench/bare"
BARE_BODY = b'{"bench":"' + b"x" * 2000 + b'"}'  # about the size of a film page
REVIEWERS = 200
REVIEWED_FILMS = 300

# ---- the server (a child process: `load.py --serve PORT`) ---------------------------------


def serve(port: int, log_level: str) -> None:
    from fastapi import Response  # noqa: PLC0415

    from cinema.core.logging import configure_local_logging  # noqa: PLC0415
    from cinema.local.app import create_app  # noqa: PLC0415

    configure_local_logging(log_level)
    app = create_app()

    async def bare() -> Response:  # the baseline: no dependency, no lookup, fixed bytes
        return Response(content=BARE_BODY, media_type="application/json")

    bare.__annotations__ = {"return": Response}  # see bench/playback.py: no postponed names
    app.add_api_route(BARE, bare, methods=["GET"], include_in_schema=False)
    app.router.routes.insert(0, app.router.routes.pop())  # first in the table: no route scan
    run_server(app, port)


# ---- the setup (this process) ------------------------------------------------------------


async def _setup(args: argparse.Namespace) -> Catalog:
    from sqlalchemy import text  # noqa: PLC0415

    from cinema.core import db  # noqa: PLC0415
    from cinema.core.security import hash_password  # noqa: PLC0415

    rng = random.Random(args.seed)
    try:
        async with db.engine().begin() as conn:
            rows = await conn.execute(
                text(
                    "SELECT id, title, duration_seconds, access FROM films WHERE status = 'published'"
                    " ORDER BY popularity DESC, id"
                )
            )
            films = [Film(r[0], r[1], r[2], str(r[3])) for r in rows]
            half = args.playable // 2
            playable = [f for f in films if f.access == "free"][:half]
            playable += [f for f in films if f.access == "subscription"][: args.playable - len(playable)]
            await add_ready_uploads(conn, [(f.id, f.duration) for f in playable])

            password_hash = hash_password(PASSWORD)  # one real argon2 hash for every account
            viewers = [(uuid.uuid4(), f"load-viewer-{n:05d}@bench.kino.io") for n in range(args.viewers)]
            reviewers = [(uuid.uuid4(), f"load-reviewer-{n:03d}@bench.kino.io") for n in range(REVIEWERS)]
            await conn.execute(
                text(
                    "INSERT INTO users (id, email, email_key, password_hash, display_name)"
                    " VALUES (:id, :e, :e, :h, :name)"
                ),
                [
                    {"id": uid, "e": email, "h": password_hash, "name": email.split("@")[0]}
                    for uid, email in viewers + reviewers
                ],
            )
            subscribed = {uid for n, (uid, _) in enumerate(viewers) if n % 2 == 0}
            await conn.execute(
                text(
                    "INSERT INTO subscriptions (id, stripe_subscription_id, stripe_customer_id, user_id,"
                    " status, current_period_start, current_period_end, version) VALUES (:id, :sub,"
                    " :cus, :user, 'active', now() - interval '10 days', now() + interval '20 days', 1)"
                ),
                [
                    {"id": uuid.uuid4(), "sub": f"sub_load{n}", "cus": f"cus_load{n}", "user": uid}
                    for n, uid in enumerate(sorted(subscribed))
                ],
            )
            reviews = []
            for rank, film in enumerate(films[:REVIEWED_FILMS]):
                for author, _ in rng.sample(reviewers, min(REVIEWERS, int(30 / math.sqrt(rank + 1)) + 1)):
                    reviews.append(
                        {
                            "film": film.id,
                            "author": author,
                            "body": "Посмотрел(а) на выходных. " * rng.randint(1, 12),
                            "ago": rng.randint(1, 60 * 24 * 90),
                        }
                    )
            await conn.execute(
                text(
                    "INSERT INTO reviews (film_id, author_id, body, created_at, updated_at) VALUES (:film,"
                    " :author, :body, now() - make_interval(mins => :ago), now() - make_interval(mins => :ago))"
                ),
                reviews,
            )
        async with db.engine().connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM (ANALYZE)"))
        return Catalog(films, playable, viewers, subscribed)
    finally:
        # This loop ends here; uvicorn's loop (another process) opens its own connections.
        await close_connections()


# ---- the run -----------------------------------------------------------------------------


def _merge(steps: list[Step]) -> dict[str, RouteStats]:
    merged: dict[str, RouteStats] = {}
    for step in steps:
        for label, stats in step.routes.items():
            into = merged.setdefault(label, RouteStats())
            into.latencies_ms += stats.latencies_ms
            into.errors += stats.errors
            into.first_error = into.first_error or stats.first_error
    return merged


def _latencies(routes: dict[str, RouteStats], *, sign_ins: bool) -> list[float]:
    return [ms for label, r in routes.items() if (label == "sign-in") == sign_ins for ms in r.latencies_ms]


def _judge(routes: dict[str, RouteStats], args: argparse.Namespace) -> str | None:
    """Why a step (or the pooled final rounds) fails, or None. Sign-ins are judged by their
    median: a step has a handful of them, whose p99 is their slowest one."""
    errors = sum(r.errors for r in routes.values())
    if errors:
        return f"{errors} errors"
    p99 = pct(_latencies(routes, sign_ins=False), 0.99)
    if p99 > args.p99_ms:
        return f"p99 {p99:.0f} ms > {args.p99_ms:g}"
    signins = _latencies(routes, sign_ins=True)
    if signins and pct(signins, 0.5) > args.signin_p50_ms:
        return f"sign-in p50 {pct(signins, 0.5):.0f} ms > {args.signin_p50_ms:g}"
    return None


def _step_line(step: Step) -> str:
    rest, signins = _latencies(step.routes, sign_ins=False), _latencies(step.routes, sign_ins=True)
    signin = f"{pct(signins, 0.99):6.0f}" if signins else "     -"
    return (
        f"{step.rate:6.0f}/s  {step.sent / step.seconds:6.0f}/s  {pct(rest, 0.5):6.1f} {pct(rest, 0.95):6.1f} "
        f"{pct(rest, 0.99):7.1f}  {signin}  {step.errors:5d}  "
        f"{step.server_cpu:4.0%} {step.counted.get('postgres_cpu', 0) / step.elapsed:4.0%} {step.client_cpu:4.0%}"
        f"  {step.peak_connections:4d}"
    )


def _report_errors(routes: dict[str, RouteStats]) -> None:
    for label, stats in routes.items():
        if stats.errors:
            say(f"  !! {label}: {stats.errors} errors, first: {stats.first_error!r}")


def _table(mix: dict[str, RouteStats], bare: dict[str, RouteStats], seconds: float) -> None:
    total = sum(len(r.latencies_ms) for r in mix.values())
    order = {name: n for n, (name, _, _) in enumerate(MIX)}

    def rank(label: str) -> tuple[int, str]:
        return next((n for name, n in order.items() if label.startswith(name)), len(MIX)), label

    say(f"  {'route':<26} {'count':>6} {'share':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")

    def row(label: str, values: list[float], errors: int) -> None:
        say(
            f"  {label:<26} {len(values):>6} {len(values) / total:>6.1%} {pct(values, 0.5):8.1f} "
            f"{pct(values, 0.95):8.1f} {pct(values, 0.99):8.1f} {errors:>7}"
        )

    for label in sorted(mix, key=rank):
        row(label, mix[label].latencies_ms, mix[label].errors)
    say(f"  {'-' * 26}")
    row(
        "all but sign-in",
        _latencies(mix, sign_ins=False),
        sum(r.errors for k, r in mix.items() if k != "sign-in"),
    )
    row("all", [ms for r in mix.values() for ms in r.latencies_ms], sum(r.errors for r in mix.values()))
    bare_ms = bare[BARE].latencies_ms if BARE in bare else []
    say(
        f"  {'baseline: GET ' + BARE:<26} {len(bare_ms):>6} {'':>6} {pct(bare_ms, 0.5):8.1f} "
        f"{pct(bare_ms, 0.95):8.1f} {pct(bare_ms, 0.99):8.1f} {bare[BARE].errors if BARE in bare else 0:>7}"
    )
    say(f"  throughput: {total / seconds:.1f} requests/s answered over {seconds:g} s of mix")


async def _smoke(port: int, requests: list[Request]) -> list[str]:
    """Send `requests` one at a time on one connection; the ones not answered as expected."""
    transport, connection = await asyncio.get_running_loop().create_connection(Connection, "127.0.0.1", port)
    failures = []
    try:
        for request in requests:
            status, body = await asyncio.wait_for(connection.request(request.raw), 30)
            if not request.ok(status, body):
                failures.append(f"{request.label}: {status} {body[:300]!r}")
            elif request.then is not None:
                request.then(body)
    finally:
        transport.close()
    return failures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--films", type=int, default=5000, help="synthetic films in the catalog")
    parser.add_argument(
        "--playable", type=int, default=60, help="most watched free/subscription films with media"
    )
    parser.add_argument("--viewers", type=int, default=1000, help="signed-in viewers (half subscribed)")
    parser.add_argument("--start-rate", type=float, default=5.0, help="arrivals/s of the first step")
    parser.add_argument("--factor", type=float, default=1.5, help="rate of each step / the last one's")
    parser.add_argument("--max-rate", type=float, default=2000.0, help="no step above this")
    parser.add_argument("--step-seconds", type=float, default=8.0, help="arrival window of each search step")
    parser.add_argument("--seconds", type=float, default=10.0, help="arrival window of each final round")
    parser.add_argument("--rounds", type=int, default=2, help="final rounds of mix and baseline, alternating")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured mix first")
    parser.add_argument("--p99-ms", type=float, default=500.0, help="bound on p99 of all but sign-ins")
    parser.add_argument("--signin-p50-ms", type=float, default=2000.0, help="bound on the sign-ins' median")
    parser.add_argument(
        "--heartbeat-s", type=float, default=15.0, help="each watching viewer's heartbeat interval"
    )
    parser.add_argument("--max-connections", type=int, default=256, help="client connection pool bound")
    parser.add_argument("--timeout", type=float, default=10.0, help="a request unanswered this long fails")
    parser.add_argument(
        "--by-category", type=float, default=0.0, metavar="RATE", help="then each category alone at RATE/s"
    )
    parser.add_argument("--seed", type=int, default=14, help="of every random choice")
    parser.add_argument("--log-level", default="WARNING", help="the server's root log level")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.log_level)
        return

    from cinema.core.security import create_access_token  # noqa: PLC0415

    settings = playback_settings("KBENCHLOAD")
    with stack(**settings) as services:
        started = time.perf_counter()
        seed_catalog(args.films)
        catalog = asyncio.run(_setup(args))
        tokens = {uid: create_access_token(uid, "user")[0] for uid, _ in catalog.viewers}
        say(
            f"set up {len(catalog.films)} films (a week of views; {len(catalog.playable)} playable), "
            f"{len(catalog.viewers)} viewers ({len(catalog.subscribed)} subscribed), {REVIEWERS} reviewers on "
            f"the {REVIEWED_FILMS} most watched films in {time.perf_counter() - started:.1f}s"
        )
        say(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())} ({os.cpu_count()} cores)")
        say("")
        say(f"  {'category':<12} {'share':>5}  what")
        for name, share, what in MIX:
            say(f"  {name:<12} {share:>4}%  {what}")

        port = free_port()
        with child_server(
            [sys.executable, __file__, "--serve", str(port)],
            port=port,
            log=services.data_dir / "bench-server.log",
            log_level=args.log_level,
        ) as server:
            runner = Runner(
                args,
                port,
                Traffic(port, catalog, tokens, seed=args.seed),
                psutil.Process(server.pid),
                _postmaster(services.data_dir),
            )
            say("")
            runner.check()
            runner.conclude(*runner.search())
            say(f"set-up, search and final rounds: {time.perf_counter() - started:.0f}s")
            if args.by_category:
                runner.by_category(args.by_category)
        say(f"load average at the end {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


@dataclass
class Runner:
    """Runs steps of the mix, or of the bare route, against the server."""

    args: argparse.Namespace
    port: int
    traffic: Traffic
    server: psutil.Process
    postmaster: psutil.Process | None

    def step(
        self,
        rate: float,
        seconds: float,
        *,
        baseline: bool = False,
        round_no: int = 0,
        make: Callable[[], Request] | None = None,
    ) -> Step:
        """`seconds` of arrivals at `rate` of the mix (or of the bare route, or of `make()`); a
        mix round and a bare round with the same `rate` and `round_no` get the same arrival times."""
        self.traffic.set_rate(rate, self.args.heartbeat_s)
        bare = self.bare()
        return run_loop(
            open_loop(
                self.port,
                make or ((lambda: bare) if baseline else self.traffic.make),
                rate=rate,
                seconds=seconds,
                rng=random.Random(self.args.seed * 100_000 + round(rate) * 10 + round_no),
                server=self.server,
                max_connections=self.args.max_connections,
                answer_within_s=self.args.timeout,
                counters=lambda: {"postgres_cpu": _postgres_cpu(self.postmaster)},
            )
        )

    def bare(self) -> Request:
        raw = f"GET {BARE} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n\r\n".encode()
        return Request(BARE, raw, lambda status, body: status == 200 and body == BARE_BODY)

    def check(self) -> None:
        """Every kind of request once, one after the other: each must answer as expected."""
        whole = self.traffic.first_page(f"limit={PAGE}")  # the whole catalog: it has a next page
        requests = [*(build() for build in self.traffic.builders.values()), whole, self.bare()]
        failures = run_loop(_smoke(self.port, requests))
        if not self.traffic.cursors:
            failures.append("browse: no next_cursor in the first page of the whole catalog")
        else:
            failures += run_loop(_smoke(self.port, [self.traffic.next_page()]))
        if failures:
            for failure in failures:
                say(f"  !! {failure}")
            raise SystemExit("a request of the mix did not answer as expected")
        say(f"checked: one request of each category, a next page and {BARE}, each answered as expected")

    def search(self) -> tuple[list[float], float | None]:
        """(the passing rates, lowest first; the first failing one if any)."""
        args = self.args
        self.step(args.start_rate, args.warmup)
        say(
            f"search: steps of {args.step_seconds:g} s from {args.start_rate:g}/s, x{args.factor:g}; pass = 0 "
            f"errors, p99 (all but sign-in) <= {args.p99_ms:g} ms, sign-in p50 <= {args.signin_p50_ms:g} ms"
        )
        say("    rate    arrived  p50 ms p95 ms  p99 ms  sign-in  errors  CPU server/PG/client  conns")
        passed: list[float] = []
        failed: float | None = None
        rate = args.start_rate
        while rate <= args.max_rate and failed is None:
            if self._try(rate):
                passed.append(rate)
                rate *= args.factor
            else:
                failed = rate
        if passed and failed is not None:
            middle = round(math.sqrt(passed[-1] * failed))
            if passed[-1] < middle < failed and self._try(middle):
                passed.append(middle)
        return passed, failed

    def _try(self, rate: float) -> bool:
        result = self.step(rate, self.args.step_seconds)
        why = _judge(result.routes, self.args)
        say(f"  {_step_line(result)}  {'pass' if why is None else 'FAIL: ' + why}")
        _report_errors(result.routes)
        return why is None

    def final(self, rate: float) -> bool:
        """The final rounds at `rate` and their table; whether they held (no error, the bounds)."""
        args = self.args
        say("")
        say(
            f"at {rate:.0f} arrivals/s: {args.rounds} x {args.seconds:g} s of the mix and of GET {BARE}, alternating"
        )
        mixes: list[Step] = []
        bares: list[Step] = []
        for round_no in range(args.rounds):
            for baseline in (False, True) if round_no % 2 == 0 else (True, False):
                result = self.step(rate, args.seconds, baseline=baseline, round_no=round_no + 1)
                (bares if baseline else mixes).append(result)
                say(f"  round {round_no + 1} {'bare' if baseline else 'mix '}: {_step_line(result)}")
        mix, bare = _merge(mixes), _merge(bares)
        say("")
        say(
            f"the mix at {rate:.0f} arrivals/s ({args.rounds} x {args.seconds:g} s, "
            f"{self.traffic.watching} viewers watching)"
        )
        _table(mix, bare, args.rounds * args.seconds)
        _report_errors(mix)
        _report_errors(bare)
        rest, bare_ms = _latencies(mix, sign_ins=False), bare[BARE].latencies_ms
        errors = sum(r.errors for r in mix.values())
        why = _judge(mix, args)  # the rounds pooled: a p99 of hundreds of requests, not of one round
        say(
            f"  at {rate:.0f} arrivals/s: {errors} errors; the final rounds {'held' if why is None else 'FAIL: ' + why}"
        )
        say(
            f"  p99 of the mix (sign-ins aside) / p99 of the bare route at the same rate: {pct(rest, 0.99):.1f} / "
            f"{pct(bare_ms, 0.99):.1f} ms = {pct(rest, 0.99) / pct(bare_ms, 0.99):.1f}x "
            f"(p50: {pct(rest, 0.5):.1f} / {pct(bare_ms, 0.5):.1f} ms = {pct(rest, 0.5) / pct(bare_ms, 0.5):.1f}x)"
        )
        return why is None

    def conclude(self, passed: list[float], failed: float | None) -> None:
        """The final rounds at the highest passing rate; if they do not hold (a busy shared machine
        moves from step to step), once more at the next passing rate below."""
        candidates = passed[::-1][:2] or [self.args.start_rate]
        for n, rate in enumerate(candidates):
            if self.final(rate):
                say("")
                say(f"sustainable rate: {rate:.0f} arrivals/s, 0 errors, bounds held: PASS")
                break
            if n + 1 < len(candidates):
                say(f"  the final rounds did not hold at {rate:.0f}/s: again at {candidates[n + 1]:.0f}/s")
        else:
            say("")
            say(
                f"sustainable rate: none confirmed (the final rounds at {candidates[-1]:.0f}/s did not hold): FAIL"
            )
        if failed is None:
            say(f"  (no step failed up to --max-rate {self.args.max_rate:g}: the figure is a lower bound)")

    def by_category(self, rate: float) -> None:
        """Each category alone, `--seconds` at `rate` (sign-ins at 2/s at most): what one request of
        it costs the server and PostgreSQL in CPU, with nothing else running."""
        say("")
        say(f"each category alone, {self.args.seconds:g} s at {rate:g}/s (sign-ins at most 2/s)")
        say(
            f"  {'category':<12} {'count':>6} {'p50 ms':>8} {'p99 ms':>8} {'server CPU/req':>15} {'PG CPU/req':>11} errors"
        )
        for category, build in self.traffic.builders.items():
            alone = min(rate, 2.0) if category == "sign-in" else rate
            result = self.step(alone, self.args.seconds, make=build)
            values = [ms for stats in result.routes.values() for ms in stats.latencies_ms]
            busy = result.server_cpu * result.elapsed * 1000 / max(1, len(values))
            pg = result.counted.get("postgres_cpu", 0) * 1000 / max(1, len(values))
            say(
                f"  {category:<12} {len(values):>6} {pct(values, 0.5):8.1f} {pct(values, 0.99):8.1f} "
                f"{busy:12.2f} ms {pg:8.2f} ms {result.errors:>6}"
            )


if __name__ == "__main__":
    main()
