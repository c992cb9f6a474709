"""An open-loop load generator: requests arrive at a fixed mean rate whatever the server does.

Why open loop: a closed-loop client (N connections, each sending its next request when the last
one answers) slows down as soon as the server does, so a server that stalls for 200 ms is
simply sent fewer requests during those 200 ms, and the requests that would have queued behind
the stall are never timed (coordinated omission). Real viewers do not wait for each other.
Here arrivals are a Poisson process at `rate` per second (independent visitors), each request
is sent on an idle keep-alive connection of a bounded pool (a new one is opened while fewer
than `max_connections` are), and its latency is counted from the moment it was *due*, so time
spent waiting for a connection, or in a late client, counts against the server's figure rather
than vanishing. The HTTP/1.1 side is `_http_load.Connection` (pre-built request bytes, minimal
parsing), so the client costs little CPU on a 2-core machine.

    step = run_loop(open_loop(port, lambda: Request("film", raw, ok), rate=100, seconds=10,
                              rng=random.Random(1), server=psutil.Process(pid)))
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import psutil
from _http_load import STALL_S, Connection, cpu_seconds

IDLE_S = 4.0  # uvicorn closes a keep-alive connection idle for 5 s: never reuse one that old
MAX_REQUESTS_PER_STEP = 500_000  # a bound besides the duration


@dataclass
class Request:
    """One request: `ok(status, body)` says whether the answer is the expected one; `then(body)`,
    if given, sees the body of every good answer (e.g. to keep a next-page cursor)."""

    label: str
    raw: bytes
    ok: Callable[[int, bytes], bool]
    then: Callable[[bytes], None] | None = None


@dataclass
class RouteStats:
    latencies_ms: list[float] = field(default_factory=list)  # every answered or failed request
    errors: int = 0
    first_error: tuple[int | str, bytes] | None = None

    def failed(self, status: int | str, body: bytes) -> None:
        self.errors += 1
        if self.first_error is None:
            self.first_error = (status, body[:300])


@dataclass
class Step:
    """What one step at a fixed arrival rate measured. CPU figures are shares of one core."""

    rate: float
    seconds: float  # the arrival window
    elapsed: float  # the arrival window and the last answers after it: what CPU shares are of
    routes: dict[str, RouteStats]
    server_cpu: float
    client_cpu: float
    counted: dict[str, float]  # increase of each `counters` value over the step
    peak_connections: int
    waited: int  # requests that found every connection busy and waited for one
    max_lag_ms: float  # the latest a request left this client after it was due

    @property
    def sent(self) -> int:
        return sum(len(r.latencies_ms) for r in self.routes.values())

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.routes.values())


class _Connection(Connection):
    def __init__(self) -> None:
        super().__init__()
        self.closed = False
        self.last_used = time.perf_counter()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        super().connection_lost(exc)


class _Pool:
    """Keep-alive connections, most recently used first; at most `limit` open at once."""

    def __init__(self, port: int, limit: int) -> None:
        self.port, self.limit = port, limit
        self.idle: list[_Connection] = []
        self.open = self.peak = self.waited = 0
        self.waiters: deque[asyncio.Future[_Connection]] = deque()

    async def _connect(self) -> _Connection:
        self.open += 1
        self.peak = max(self.peak, self.open)
        try:
            _, connection = await asyncio.get_running_loop().create_connection(
                _Connection, "127.0.0.1", self.port
            )
        except BaseException:
            self.open -= 1
            raise
        return connection

    async def get(self) -> _Connection:
        now = time.perf_counter()
        while self.idle:
            connection = self.idle.pop()
            if not connection.closed and now - connection.last_used < IDLE_S:
                return connection
            self.drop(connection)
        if self.open < self.limit:
            return await self._connect()
        self.waited += 1
        waiter: asyncio.Future[_Connection] = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        return await waiter

    def put(self, connection: _Connection) -> None:
        connection.last_used = time.perf_counter()
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        self.idle.append(connection)

    def drop(self, connection: _Connection) -> None:
        self.open -= 1
        if connection.transport is not None:
            connection.transport.close()
        if self.waiters:  # a waiter must not wait for a connection that will never come back
            asyncio.get_running_loop().create_task(self._hand_new())

    async def _hand_new(self) -> None:
        if not self.waiters or self.open >= self.limit:
            return
        connection = await self._connect()
        self.put(connection)

    async def prime(self, count: int) -> None:
        for connection in [await self._connect() for _ in range(min(count, self.limit))]:
            self.put(connection)

    def close(self) -> None:
        for connection in self.idle:
            if connection.transport is not None:
                connection.transport.close()
        self.idle.clear()


class _Sender:
    """Sends the requests of one step on a pool and keeps what they measured."""

    def __init__(self, pool: _Pool, answer_within_s: float) -> None:
        self.pool, self.answer_within_s = pool, answer_within_s
        self.routes: dict[str, RouteStats] = {}

    async def fire(self, request: Request, due: float) -> None:
        stats = self.routes.setdefault(request.label, RouteStats())
        try:
            connection = await self.pool.get()
        except OSError as error:
            stats.latencies_ms.append((time.perf_counter() - due) * 1000)
            stats.failed("connect", repr(error).encode())
            return
        try:
            async with asyncio.timeout(self.answer_within_s):
                status, body = await connection.request(request.raw)
        except (TimeoutError, ConnectionError) as error:
            stats.latencies_ms.append((time.perf_counter() - due) * 1000)
            stats.failed("timeout" if isinstance(error, TimeoutError) else "connection", repr(error).encode())
            self.pool.drop(connection)
            return
        stats.latencies_ms.append((time.perf_counter() - due) * 1000)
        self.pool.put(connection)
        if not request.ok(status, body):
            stats.failed(status, body)
        elif request.then is not None:
            request.then(body)

    async def arrivals(
        self, make: Callable[[], Request], rate: float, seconds: float, rng: random.Random
    ) -> float:
        """Fire `make()` at Poisson arrivals for `seconds`, then wait for every answer; returns
        the latest (s) a request left after it was due."""
        loop = asyncio.get_running_loop()
        tasks: set[asyncio.Task[None]] = set()
        due = time.perf_counter()
        end, sent, max_lag = due + seconds, 0, 0.0
        while sent < MAX_REQUESTS_PER_STEP:
            due += rng.expovariate(rate)
            if due >= end:
                break
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            max_lag = max(max_lag, time.perf_counter() - due)
            task = loop.create_task(self.fire(make(), due))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            sent += 1
        if tasks:
            async with asyncio.timeout(self.answer_within_s + STALL_S):
                await asyncio.gather(*tasks)
        return max_lag


async def open_loop(
    port: int,
    make: Callable[[], Request],
    *,
    rate: float,
    seconds: float,
    rng: random.Random,
    server: psutil.Process,
    max_connections: int = 256,
    answer_within_s: float = 10.0,
    prime: int = 16,
    counters: Callable[[], dict[str, float]] | None = None,
) -> Step:
    """One step: requests from `make()` arrive for `seconds` at a mean `rate` per second
    (Poisson); each is sent on a pooled connection and timed from when it was due until its
    answer (one not answered within `answer_within_s` is an error and its connection closed).
    The step ends when every request has answered. Server and client CPU, and `counters`, are
    read around it."""
    pool = _Pool(port, max_connections)
    await pool.prime(prime)
    sender = _Sender(pool, answer_within_s)
    counted_before = counters() if counters else {}
    cpu_before, client_before = cpu_seconds(server), time.process_time()
    started = time.perf_counter()
    try:
        max_lag = await sender.arrivals(make, rate, seconds, rng)
    finally:
        pool.close()
    elapsed = time.perf_counter() - started
    cpu_after, client_after = cpu_seconds(server), time.process_time()
    counted_after = counters() if counters else {}
    return Step(
        rate=rate,
        seconds=seconds,
        elapsed=elapsed,
        routes=sender.routes,
        server_cpu=(cpu_after - cpu_before) / elapsed,
        client_cpu=(client_after - client_before) / elapsed,
        counted={name: counted_after[name] - before for name, before in counted_before.items()},
        peak_connections=pool.peak,
        waited=pool.waited,
        max_lag_ms=max_lag * 1000,
    )
