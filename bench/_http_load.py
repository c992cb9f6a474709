"""What the requests/s benchmarks share: the app served by uvicorn in a child process, and a
minimal HTTP/1.1 load generator that drives it over loopback keep-alive connections.

Why a client of our own: on a 2-core machine a general-purpose client (httpx, aiohttp) spends
more CPU per request than the server under test and would become the bottleneck. This one
sends pre-built request bytes, one request in flight per connection, and parses only enough
of the answer to find the body. Why a child process: the server runs as `cinema serve` runs
it, in an interpreter of its own, and its CPU time can be read apart from the client's.

    port = free_port()
    with child_server([sys.executable, __file__, "--serve", str(port)], port=port, log=log,
                      log_level="WARNING") as server:
        result = run_loop(load(port, lambda n: raw, lambda status, body: status == 200,
                               connections=32, seconds=5, server=psutil.Process(server.pid)))
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import psutil
from _stack import say  # bench/ is on sys.path: these run as scripts

from cinema.local.services.common import free_port  # noqa: F401 - the one port probe, for the benches

MAX_REQUESTS_PER_ROUND = 2_000_000  # a bound besides the duration
STALL_S = 30  # a round that overruns its duration by this much has a stalled server

T = TypeVar("T")

# ---- the server (in the child process) -------------------------------------------------


def run_server(app: object, port: int) -> None:
    """Serve `app` on loopback as `cinema serve` does: one uvicorn worker (uvloop and httptools
    when installed), the loaded heap frozen, no access log, no proxy headers, and no lifespan
    (no transcoding worker: the benchmarks upload nothing)."""
    import uvicorn  # noqa: PLC0415

    from cinema.core import coldstart  # noqa: PLC0415

    coldstart.serving()  # as `cinema serve` does
    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        host="127.0.0.1",
        port=port,
        workers=1,
        log_config=None,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
        lifespan="off",
    )
    uvicorn.Server(config).run()


def wait_for(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    """Return once something listens on `port`; raise with the log's tail if `process` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"the server did not listen on {port} within {timeout}s:\n{log.read_text()[-3000:]}")


@contextlib.contextmanager
def child_server(
    argv: list[str], *, port: int, log: Path, log_level: str
) -> Iterator[subprocess.Popen[bytes]]:
    """Run `argv --log-level LEVEL` (the benchmark's own server mode) with its output in `log`;
    yield it once it listens on `port`; stop it on the way out, showing the log's tail if it
    did not exit cleanly."""
    env = {**os.environ, "CINEMA_LOG_LEVEL": log_level}
    with log.open("wb") as out:
        server = subprocess.Popen(
            [*argv, "--log-level", log_level], stdout=out, stderr=subprocess.STDOUT, env=env
        )
    try:
        wait_for(port, server, log)
        yield server
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.returncode not in (0, -15):
            say(f"server log:\n{log.read_text()[-3000:]}")


# ---- the load generator (in the benchmark's process) ------------------------------------


class Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection, one request in flight; just enough parsing for
    Content-Length bodies and bodiless 204s and 304s. An answer without either fails the
    request rather than being guessed at (the benchmarks' routes never send one)."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.need: tuple[int, int, int] | None = None  # (status, body start, body end) once headers are in

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.need is None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end]).lower()
            status = int(head[9:12])
            start = head.find(b"\r\ncontent-length:")
            if start >= 0:
                stop = head.find(b"\r\n", start + 2)
                length = int(head[start + 17 : stop if stop >= 0 else len(head)])
            elif status in (204, 304):
                length = 0
            else:
                if self.waiter is not None and not self.waiter.done():
                    self.waiter.set_exception(ConnectionError(f"no content-length in {head!r}"))
                return
            self.need = (status, end + 4, end + 4 + length)
        status, body_start, total = self.need
        if len(self.buffer) >= total and self.waiter is not None:
            body = bytes(self.buffer[body_start:total])
            del self.buffer[:total]
            self.need = None
            self.waiter.set_result((status, body))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc or ConnectionError("server closed the connection"))

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        return await self.waiter


@dataclass
class Round:
    """What one timed round measured. CPU figures are shares of one core over the round."""

    requests: int
    errors: int
    seconds: float
    server_cpu: float
    client_cpu: float
    counted: dict[str, float] = field(default_factory=dict)  # increase of each `counters` value
    first_error: tuple[int, bytes] | None = None  # status and (at most 300 B of) body

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def cpu_seconds(process: psutil.Process) -> float:
    """User + system CPU seconds of `process` so far (0 once it is gone)."""
    with contextlib.suppress(psutil.Error):
        times = process.cpu_times()
        return times.user + times.system
    return 0.0


async def load(
    port: int,
    request: Callable[[int], bytes],
    ok: Callable[[int, bytes], bool],
    *,
    connections: int,
    seconds: float,
    server: psutil.Process,
    counters: Callable[[Connection], Awaitable[dict[str, float]]] | None = None,
) -> Round:
    """One round: `connections` keep-alive connections each send `request(n)` (n counts the
    round's requests from 0), wait for the answer and check it with `ok(status, body)`, until
    `seconds` have passed. The server's CPU and this process's are read just around the timed
    window; so are `counters` (cumulative figures, read over one of the round's connections if
    they need the server), of which the round keeps the increase."""
    loop = asyncio.get_running_loop()
    opened = [await loop.create_connection(Connection, "127.0.0.1", port) for _ in range(connections)]
    done = errors = 0
    first_error: tuple[int, bytes] | None = None

    async def drive(connection: Connection, deadline: float) -> None:
        nonlocal done, errors, first_error
        while time.perf_counter() < deadline and done < MAX_REQUESTS_PER_ROUND:
            n = done
            done += 1
            status, body = await connection.request(request(n))
            if not ok(status, body):
                errors += 1
                if first_error is None:
                    first_error = (status, body[:300])

    try:
        counted_before = await counters(opened[0][1]) if counters else {}
        cpu_before, client_before = cpu_seconds(server), time.process_time()
        started = time.perf_counter()
        # A stalled server ends the round (with an error) instead of hanging it.
        await asyncio.wait_for(
            asyncio.gather(*(drive(c, started + seconds) for _, c in opened)), seconds + STALL_S
        )
        elapsed = time.perf_counter() - started
        cpu_after, client_after = cpu_seconds(server), time.process_time()
        counted_after = await counters(opened[0][1]) if counters else {}
    finally:
        for transport, _ in opened:
            transport.close()
    return Round(
        done,
        errors,
        elapsed,
        (cpu_after - cpu_before) / elapsed,
        (client_after - client_before) / elapsed,
        {name: counted_after[name] - before for name, before in counted_before.items()},
        first_error,
    )


def run_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run on uvloop when installed (the client then costs the least CPU), else asyncio's loop."""
    try:
        import uvloop  # noqa: PLC0415
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)
