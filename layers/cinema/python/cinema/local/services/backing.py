"""The backing services of the one-machine platform, shared by `cinema serve` and the test session.

Each service is the one the environment names (wrapped, never stopped by us) or a real
server we start under data_dir and stop again: PostgreSQL (postgres.py), Redis
(redis_server.py) and an S3-compatible moto server (s3_server.py). The three start in
parallel because each mostly waits on a child process.
"""

from __future__ import annotations

import atexit
import contextlib
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

from cinema.local.services.common import RunningService, free_port
from cinema.local.services.postgres import connect_postgres, start_postgres
from cinema.local.services.redis_server import connect_redis, start_redis
from cinema.local.services.s3_server import connect_s3, start_s3

__all__ = [
    "LocalServices",
    "RunningService",
    "free_port",
    "start_postgres",
    "start_redis",
    "start_s3",
]

SERVICE_ORDER = ("postgresql", "redis", "s3")


def _free_ports(count: int) -> list[int]:
    """`count` distinct free loopback ports (all held at once while choosing)."""
    with contextlib.ExitStack() as stack:
        sockets = [
            stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) for _ in range(count)
        ]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]


class LocalServices(contextlib.AbstractContextManager["LocalServices"]):
    """PostgreSQL, Redis and S3 for one process: the configured ones, or embedded ones in data_dir.

    stop() is registered with atexit by start(), so an interpreter that exits without calling
    it (an exception in the CLI, the end of a pytest session) still stops the servers and
    snapshots S3. A SIGKILL cannot be caught: see s3_server for what that costs.
    """

    postgres: RunningService
    redis: RunningService
    s3: RunningService

    def __init__(
        self,
        data_dir: Path,
        *,
        database_url: str = "",
        redis_url: str = "",
        s3_endpoint_url: str = "",
        buckets: Sequence[str] = (),
        bucket_cors: Mapping[str, Sequence[str]] | None = None,
        region: str = "eu-central-1",
        persistent_ports: bool = True,
        fast: bool = False,
        database: str = "cinema",
    ) -> None:
        """`bucket_cors` maps a bucket of the embedded S3 to the browser origins that may PUT into
        it. `persistent_ports` keeps each embedded server's port between runs (stable URLs for a
        developer); tests turn it off to take fresh ports. `fast` trades PostgreSQL's crash
        safety for speed (see start_postgres).
        """
        self.data_dir = data_dir
        self.database_url = database_url
        self.redis_url = redis_url
        self.s3_endpoint_url = s3_endpoint_url
        self.buckets = tuple(buckets)
        self.bucket_cors = dict(bucket_cors or {})
        self.region = region
        self.persistent_ports = persistent_ports
        self.fast = fast
        self.database = database
        self._started: list[RunningService] = []
        self._lock = threading.Lock()

    def _starters(self) -> dict[str, Callable[[], RunningService]]:
        data_dir = self.data_dir
        # Fresh ports are taken together, so the three parallel starts cannot draw the same one.
        pg_port, redis_port, s3_port = (None, None, None) if self.persistent_ports else _free_ports(3)
        return {
            "postgres": (
                (lambda: connect_postgres(self.database_url))
                if self.database_url
                else lambda: start_postgres(data_dir, port=pg_port, database=self.database, fast=self.fast)
            ),
            "redis": (
                (lambda: connect_redis(self.redis_url))
                if self.redis_url
                else lambda: start_redis(data_dir, port=redis_port)
            ),
            "s3": (
                (lambda: connect_s3(self.s3_endpoint_url))
                if self.s3_endpoint_url
                else lambda: start_s3(
                    data_dir, self.buckets, port=s3_port, region=self.region, cors=self.bucket_cors
                )
            ),
        }

    def start(self) -> LocalServices:
        """Starts what is not configured; if any fails, stops the others and raises its error.

        Each service is recorded the moment it is up, and atexit is armed first, so even a
        Ctrl-C during start leaves nothing running.
        """
        self.data_dir.mkdir(parents=True, exist_ok=True)
        atexit.register(self.stop)
        starters = self._starters()

        def run(attribute: str, start: Callable[[], RunningService]) -> None:
            service = start()
            setattr(self, attribute, service)
            with self._lock:
                self._started.append(service)

        with ThreadPoolExecutor(len(starters)) as pool:
            futures = [pool.submit(run, attribute, start) for attribute, start in starters.items()]
        with self._lock:  # completion order varies; stop() must not
            self._started.sort(key=lambda service: SERVICE_ORDER.index(service.name))
        errors = [error for future in futures if (error := future.exception()) is not None]
        if errors:
            self.stop()
            for other in errors[1:]:
                errors[0].add_note(f"also: {other}")
            raise errors[0]
        return self

    def settings(self) -> dict[str, str]:
        """The settings (Settings fields) that point the platform at these services."""
        return {
            "database_url": self.postgres.url,
            "redis_url": self.redis.url,
            "s3_endpoint_url": self.s3.url,
            "data_dir": str(self.data_dir),
        }

    def environment(self) -> dict[str, str]:
        """The same as CINEMA_* variables, for processes started with them (tests, benches)."""
        return {f"CINEMA_{name.upper()}": value for name, value in self.settings().items()}

    def stop(self) -> None:
        """Stops every embedded service, last started first; a second call does nothing."""
        with self._lock:
            started, self._started = self._started, []
        atexit.unregister(self.stop)
        failures: list[BaseException] = []
        for service in reversed(started):
            try:
                service.stop()
            except Exception as error:  # stop the rest, then report
                failures.append(error)
        if failures:
            for other in failures[1:]:
                failures[0].add_note(f"also: {other}")
            raise failures[0]

    @property
    def services(self) -> tuple[RunningService, ...]:
        """The running services in start order (for the console banner)."""
        return tuple(self._started)

    def __enter__(self) -> LocalServices:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
