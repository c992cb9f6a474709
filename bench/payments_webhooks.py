"""Stripe webhook throughput at 10x the reliability test, against signature checking alone.

The workload is tests/payments/test_reliability.py's, ten times over: `--events` (10,000)
events of whole stories for `--users` (1,000) users (subscriptions that renew, fail, recover
and get canceled; films bought, refunded in full or in part, paid by delayed methods; types
the platform ignores), built from Stripe's published examples (tests/payments/stories.py),
each delivered 1 to 3 times, plus 10 % forged requests (wrong secret, tampered body, stale,
missing or garbage signature, invented events), shuffled. `--connections` (16) keep-alive
loopback connections deliver them all as fast as the server answers, several at once, so
duplicates and one subscription's events race each other as they do from Stripe.

Two routes of the same server get exactly the same deliveries, in the same order:
- POST /api/v1/payments/webhook: verification and the event accepted into the inbox (one
  INSERT, shared by the deliveries arriving together, payments/inbox.py), answered; the
  applier (payments/applier.py) applies the events in batches meanwhile and after (one read
  and one write per event, payments/event_store.py, one transaction per batch): with
  `--applier worker` (the default, as `cinema serve` runs) in a process of its own
  (cinema.local.payments_worker) woken by the inbox's NOTIFY, with `--applier in-process` on
  the server's own loop, woken by the accepts;
- POST /bench/verify-only, added by the bench: the webhook's own verification
  (cinema.payments.webhooks.verify: the signature, then a plain JSON parse) and the same
  200/400, no database.
The judged figure is deliveries/s of the webhook over deliveries/s of verification alone, both
counted until the last answer: what accepting the events costs on top of checking them. Shown
next to it, as honestly: the webhook's pass counted until every accepted event is applied
(the inbox empty; the ledger then checked), i.e. deliveries and distinct events per second
until applied, and the CPU per delivery including the applier's (the worker's process too). `--reference` also drives
POST /bench/construct-event, the verification as the webhook did it before issue 15
(`stripe.Webhook.construct_event`, which builds the SDK's StripeObject tree; 8x the CPU of
the plain parse): the baseline of the figures measured then (shown, not judged). Every answer is checked
(200 for genuine deliveries, 400 for forged ones), and after every webhook pass the tables
must equal the reference ledger (tests/payments/ledger.py) exactly (subscriptions, payment history, purchases,
entitlements), the stored event ids must be exactly the handled events', and no invented
event may be stored. The tables are emptied before each webhook pass. `--rounds` (2) rounds,
each one pass of each route in rotating order; medians.

The server is uvicorn in a child process (one worker, as `cinema serve` runs it; access log
off; root log level `--log-level` WARNING); the embedded PostgreSQL and Redis are the bench
stack's (bench/_stack.py).

    python bench/payments_webhooks.py [--events 10000] [--users 1000] [--connections 16] [--rounds 2]
                                      [--applier worker|in-process] [--reference]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psutil
from _http_load import Connection, child_server, cpu_seconds, free_port, run_loop, run_server
from _stack import say, stack  # bench/ is on sys.path: these run as scripts

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' ledger (tests/payments)

SECRET = "whsec_bench_0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105 - a throwaway endpoint secret
WEBHOOK = "/api/v1/payments/webhook"
VERIFY_ONLY = "/bench/verify-only"
CONSTRUCT_EVENT = "/bench/construct-event"
PASS_LIMIT_S = 240  # a pass must end well within the 300 s signature tolerance

# ---- the server (a child process: `payments_webhooks.py --serve PORT`) --------------------


def serve(port: int, log_level: str, applier_mode: str) -> None:
    import stripe  # noqa: PLC0415
    from fastapi import Request  # noqa: PLC0415
    from fastapi.responses import JSONResponse  # noqa: PLC0415

    from cinema.core.logging import configure_local_logging  # noqa: PLC0415
    from cinema.core.settings import get_settings  # noqa: PLC0415
    from cinema.local.app import create_app  # noqa: PLC0415
    from cinema.payments import webhooks  # noqa: PLC0415
    from cinema.payments.errors import InvalidEvent, InvalidSignature  # noqa: PLC0415

    configure_local_logging(log_level)
    if applier_mode == "worker":  # as `cinema serve` runs: the payments worker applies
        from cinema.payments import applier  # noqa: PLC0415

        applier.apply_elsewhere = True
    app = create_app()

    async def verify_only(request: Request) -> JSONResponse:  # the webhook's verification, nothing else
        webhooks.verify(await request.body(), request.headers.get("stripe-signature"))
        return JSONResponse({"received": True, "result": "ignored"})

    async def construct_event(request: Request) -> JSONResponse:  # the verification before issue 15
        secret = get_settings().stripe_webhook_secret.get_secret_value()
        try:
            event = stripe.Webhook.construct_event(
                await request.body(),
                request.headers.get("stripe-signature"),
                secret,
                tolerance=webhooks.TOLERANCE_S,
            )
        except stripe.SignatureVerificationError as exc:
            raise InvalidSignature() from exc
        except (ValueError, TypeError, AttributeError) as exc:
            raise InvalidEvent() from exc
        event.to_dict()
        return JSONResponse({"received": True, "result": "ignored"})

    for path, endpoint in ((CONSTRUCT_EVENT, construct_event), (VERIFY_ONLY, verify_only)):
        endpoint.__annotations__ = {"request": Request, "return": JSONResponse}
        app.add_api_route(path, endpoint, methods=["POST"], include_in_schema=False)
        routes = app.router.routes
        # First in the routing table: the webhook, behind the other modules' routes in the
        # local app, also pays their lookup (~0.15 ms a request); see bench/README.md.
        routes.insert(0, routes.pop())
    run_server(app, port)


@contextmanager
def payments_worker(wanted: bool, log: Path, log_level: str) -> Iterator[subprocess.Popen[bytes] | None]:
    """The payments worker as `cinema serve` runs it beside the server (its settings, like the
    server's, from this process's environment), or nothing when the server applies itself."""
    if not wanted:
        yield None
        return
    env = {**os.environ, "CINEMA_LOG_LEVEL": log_level}
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "cinema.local.payments_worker"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        yield worker
    finally:
        worker.terminate()
        worker.wait(15)


# ---- setup and checks (this process) ----------------------------------------------------


async def _world(users: int, films: int):  # -> stories.World
    from sqlalchemy import text  # noqa: PLC0415
    from tests.payments import stories  # noqa: PLC0415

    from cinema.core import db  # noqa: PLC0415

    try:
        world = await stories.create_world(users, films, seed=21)
        async with db.engine().connect() as conn:  # fresh statistics, so autovacuum stays asleep
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM (ANALYZE)"))
        return world
    finally:
        await db.dispose()


async def _empty_tables() -> None:
    from sqlalchemy import text  # noqa: PLC0415

    from cinema.core import db  # noqa: PLC0415

    try:
        async with db.engine().begin() as conn:
            await conn.execute(
                text("TRUNCATE webhook_inbox, webhook_events, subscriptions, purchases, payments")
            )
    finally:
        await db.dispose()


async def _left_in_inbox() -> int:
    from sqlalchemy import text  # noqa: PLC0415

    from cinema.core import db  # noqa: PLC0415

    async with db.engine().connect() as conn:
        return (await conn.execute(text("SELECT count(*) FROM webhook_inbox"))).scalar_one()


async def _check_ledger(world, events, deliveries) -> str:
    from tests.payments import ledger  # noqa: PLC0415

    from cinema.core import db  # noqa: PLC0415

    try:
        want = ledger.expected(world, events, now=datetime.now(UTC))
        got = await ledger.actual(world)
        stored = await ledger.stored_event_ids()
        left = await _left_in_inbox()
    finally:
        await db.dispose()
    problems = want.differences(got)
    if left:
        problems.append(f"{left} events left in the inbox (parked, or never applied)")
    if stored != ledger.handled_ids(events):
        problems.append(
            f"stored event ids differ: {len(stored)} stored, {len(ledger.handled_ids(events))} handled"
        )
    invented = {d.event_id for d in deliveries if d.forged} - {e["id"] for e in events}
    if invented & stored:
        problems.append(f"{len(invented & stored)} invented events were stored")
    if problems:
        raise RuntimeError("the ledger is not the expected one:\n  " + "\n  ".join(problems[:20]))
    return (
        f"ledger exact: {len(got.subscriptions)} subscriptions, {len(got.payments)} payments,"
        f" {len(got.purchases)} purchases, {len(got.entitled)} entitled pairs, {len(stored)} events stored"
    )


# ---- the load (this process) ------------------------------------------------------------


@dataclass
class Pass:
    deliveries: int
    seconds: float
    server_cpu: float  # CPU seconds of the server process during the pass
    client_cpu: float
    wrong: list[tuple[int, int, bytes]]  # (index, status, body head) of answers not as expected
    applied_seconds: float = 0.0  # webhook: from the first delivery until every event is applied
    applied_cpu: float = (
        0.0  # the server's CPU seconds over that span, the applier's included (its process's too)
    )
    pending_at_answers: int = 0  # events accepted but not yet applied when the last answer came

    @property
    def rate(self) -> float:
        return self.deliveries / self.seconds

    @property
    def applied_rate(self) -> float:
        return self.deliveries / self.applied_seconds


def _requests(port: int, path: str, deliveries) -> list[bytes]:
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
    out = []
    for d in deliveries:
        signature = "".join(f"{k}: {v}\r\n" for k, v in d.headers.items())
        out.append(f"{head}{signature}Content-Length: {len(d.body)}\r\n\r\n".encode() + d.body)
    return out


async def _waiting() -> int:
    """Accepted events not applied yet (parked ones are an error: the ledger check names them)."""
    from sqlalchemy import text  # noqa: PLC0415

    from cinema.core import db  # noqa: PLC0415

    async with db.engine().connect() as conn:
        return (
            await conn.execute(text("SELECT count(*) FROM webhook_inbox WHERE parked_at IS NULL"))
        ).scalar_one()


async def _drive(
    port: int,
    requests: list[bytes],
    expect: list[int],
    connections: int,
    server: psutil.Process,
    *,
    until_applied: bool = False,
    applier_process: psutil.Process | None = None,
) -> Pass:
    loop = asyncio.get_running_loop()
    opened = [await loop.create_connection(Connection, "127.0.0.1", port) for _ in range(connections)]
    position = 0
    wrong: list[tuple[int, int, bytes]] = []

    async def worker(connection: Connection) -> None:
        nonlocal position
        while position < len(requests):
            i = position
            position += 1
            status, body = await connection.request(requests[i])
            if status != expect[i]:
                wrong.append((i, status, body[:200]))

    try:
        cpu_before, client_before = cpu_seconds(server), time.process_time()
        worker_before = cpu_seconds(applier_process) if applier_process else 0.0
        started = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(worker(c) for _, c in opened)), PASS_LIMIT_S)
        elapsed = time.perf_counter() - started
        cpu_after, client_after = cpu_seconds(server), time.process_time()
        result = Pass(len(requests), elapsed, cpu_after - cpu_before, client_after - client_before, wrong)
        if until_applied:  # poll the inbox (every 20 ms: the polls cost the server nothing)
            from cinema.core import db  # noqa: PLC0415

            try:
                result.pending_at_answers = waiting = await _waiting()
                while waiting:
                    if time.perf_counter() - started > PASS_LIMIT_S:
                        raise RuntimeError(
                            f"{waiting} accepted events still not applied after {PASS_LIMIT_S} s"
                        )
                    await asyncio.sleep(0.02)
                    waiting = await _waiting()
                result.applied_seconds = time.perf_counter() - started
                result.applied_cpu = cpu_seconds(server) - cpu_before
                if applier_process is not None:  # the worker's applying is part of the whole work
                    result.applied_cpu += cpu_seconds(applier_process) - worker_before
            finally:
                await db.dispose()
    finally:
        for transport, _ in opened:
            transport.close()
    return result


def _summary(results: dict[str, list[Pass]], *, events: int, deliveries: int) -> None:
    verify = statistics.median(p.rate for p in results["verify"])
    webhook = statistics.median(p.rate for p in results["webhook"])
    cpu_v = statistics.median(p.server_cpu / p.deliveries for p in results["verify"])
    cpu_w = statistics.median(p.server_cpu / p.deliveries for p in results["webhook"])
    say("")
    say(f"verify-only  {verify:>8,.0f} deliveries/s   {1000 * cpu_v:.2f} ms server CPU per delivery")
    say(f"webhook      {webhook:>8,.0f} deliveries/s   {1000 * cpu_w:.2f} ms server CPU per delivery")
    say(
        f"webhook / verify-only: {webhook / verify:.2f}x by deliveries/s ({cpu_v / cpu_w:.2f}x by server CPU);"
        f" {webhook * events / deliveries:,.0f} distinct events/s accepted  (judged: answered)"
    )
    applied = statistics.median(p.applied_rate for p in results["webhook"])
    cpu_a = statistics.median(p.applied_cpu / p.deliveries for p in results["webhook"])
    pending = statistics.median(p.pending_at_answers for p in results["webhook"])
    say(
        f"until applied {applied:>7,.0f} deliveries/s   {1000 * cpu_a:.2f} ms server CPU per delivery"
        f" ({1000 * cpu_a * deliveries / events:.2f} ms per distinct event), the applier's included;"
        f" {applied * events / deliveries:,.0f} distinct events/s until the ledger is exact;"
        f" {pending:,.0f} events still waiting at the last answer"
    )
    say(
        f"until applied / verify-only: {applied / verify:.2f}x by deliveries/s ({cpu_v / cpu_a:.2f}x by server CPU)"
        "  (shown: what the whole work costs)"
    )
    if "sdk" in results:
        sdk = statistics.median(p.rate for p in results["sdk"])
        cpu_s = statistics.median(p.server_cpu / p.deliveries for p in results["sdk"])
        say(
            f"construct_event {sdk:>6,.0f} deliveries/s   {1000 * cpu_s:.2f} ms server CPU per delivery"
            f" (the verification before issue 15); webhook / construct_event: {webhook / sdk:.2f}x"
            f" ({cpu_s / cpu_w:.2f}x by server CPU), shown, not judged"
        )


# ---- the run -----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--events", type=int, default=10_000, help="distinct events (10x the reliability test)"
    )
    parser.add_argument("--users", type=int, default=1_000)
    parser.add_argument("--films", type=int, default=20, help="films sold one by one")
    parser.add_argument("--connections", type=int, default=16, help="concurrent keep-alive connections")
    parser.add_argument("--rounds", type=int, default=2, help="passes per route (rotating order, medians)")
    parser.add_argument(
        "--reference",
        action="store_true",
        help="also time the verification as it was before issue 15 (construct_event; shown, not judged)",
    )
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--log-level", default="WARNING", help="the server's root log level")
    parser.add_argument(
        "--applier",
        choices=("worker", "in-process"),
        default="worker",
        help="who applies the accepted events: a process of its own, as `cinema serve` runs it"
        " (cinema.local.payments_worker), or the server's own loop (the tests' app)",
    )
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.log_level, args.applier)
        return

    from tests.payments import stories  # noqa: PLC0415

    with stack(stripe_webhook_secret=SECRET):
        started = time.perf_counter()
        world = run_loop(_world(args.users, args.films))
        events = stories.scenario(world, args.events, seed=args.seed)
        types = Counter(e["type"] for e in events)
        say(
            f"world: {args.users} users, {args.films} films sold one by one, {len(world.plans)} plans;"
            f" {len(events)} events in {time.perf_counter() - started:.1f}s"
        )
        for name, count in types.most_common():
            say(f"  {count:>6}  {name}")
        port = free_port()
        with tempfile.TemporaryDirectory(prefix="cinema-bench-log-") as tmp:
            log = Path(tmp) / "server.log"
            with (
                child_server(
                    [sys.executable, __file__, "--serve", str(port), "--applier", args.applier],
                    port=port,
                    log=log,
                    log_level=args.log_level,
                ) as child,
                payments_worker(args.applier == "worker", Path(tmp) / "worker.log", args.log_level) as worker,
            ):
                server = psutil.Process(child.pid)
                who = f"a process of its own, pid {worker.pid}" if worker else "the server's own loop"
                say(f"applier: {who}")
                cases = ["verify", "webhook", *(["sdk"] if args.reference else [])]
                paths = {"verify": VERIFY_ONLY, "webhook": WEBHOOK, "sdk": CONSTRUCT_EVENT}
                results: dict[str, list[Pass]] = {case: [] for case in cases}
                for round_no in range(args.rounds):
                    order = cases[round_no % len(cases) :] + cases[: round_no % len(cases)]
                    for case in order:
                        if case == "webhook":
                            run_loop(_empty_tables())
                        deliveries = stories.deliveries(
                            events, SECRET, seed=args.seed + round_no
                        )  # signed now
                        expect = [400 if d.forged else 200 for d in deliveries]
                        path = paths[case]
                        result = run_loop(
                            _drive(
                                port,
                                _requests(port, path, deliveries),
                                expect,
                                args.connections,
                                server,
                                until_applied=case == "webhook",
                                applier_process=psutil.Process(worker.pid) if worker else None,
                            )
                        )
                        if result.wrong:
                            raise RuntimeError(
                                f"{case}: {len(result.wrong)} unexpected answers, e.g. {result.wrong[:3]}"
                            )
                        forged = sum(1 for d in deliveries if d.forged)
                        line = (
                            f"round {round_no + 1} {case:<8} {result.deliveries} deliveries ({forged} forged, all 400;"
                            f" the rest 200) in {result.seconds:.1f}s = {result.rate:,.0f}/s;"
                            f" server CPU {1000 * result.server_cpu / result.deliveries:.2f} ms/delivery,"
                            f" client CPU {result.client_cpu / result.seconds:.0%}"
                        )
                        say(line)
                        if case == "webhook":
                            say(
                                f"  until applied: {result.applied_seconds:.1f}s = {result.applied_rate:,.0f}"
                                f" deliveries/s, {len(events) / result.applied_seconds:,.0f} events/s;"
                                f" server CPU {1000 * result.applied_cpu / result.deliveries:.2f} ms/delivery;"
                                f" {result.pending_at_answers:,} events waiting at the last answer"
                            )
                            say(f"  {run_loop(_check_ledger(world, events, deliveries))}")
                        results[case].append(result)
        _summary(results, events=args.events, deliveries=len(deliveries))


if __name__ == "__main__":
    main()
