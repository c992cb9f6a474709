"""A `cinema serve` child process, for tests that use the platform as a person would."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

CINEMA = shutil.which("cinema", path=str(Path(sys.executable).parent)) or "cinema"


def _env(data_dir: Path, port: int, extra: dict[str, str] | None = None) -> dict[str, str]:
    from cinema.local.services.backing import free_port  # noqa: PLC0415

    env = {k: v for k, v in os.environ.items() if not k.startswith("CINEMA_")}
    env.update(
        CINEMA_DATA_DIR=str(data_dir),
        CINEMA_PORT=str(port),
        CINEMA_LOG_LEVEL="WARNING",
        # several platforms run at once in a session (the browser tests keep theirs up): each
        # gets its own RTMP port unless the test names one
        CINEMA_LIVE_RTMP_PORT=str(free_port()),
    )
    return env | (extra or {})


class Serving:
    def __init__(self, data_dir: Path, port: int, env: dict[str, str] | None = None) -> None:
        self.port = port
        self.console_data_dir = data_dir
        self.base = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [CINEMA, "serve"],
            env=_env(data_dir, port, env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.console: list[str] = []

    def wait_ready(self, timeout: float = 90) -> float:
        started = time.monotonic()
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.console.append(line)
            if "ready in" in line:
                break
        else:
            pytest.fail("cinema serve exited before it was ready:\n" + "".join(self.console))
        while time.monotonic() - started < timeout:
            try:
                if httpx.get(f"{self.base}/api/v1/health", timeout=2).status_code == 200:
                    return time.monotonic() - started
            except httpx.TransportError:
                time.sleep(0.1)
        pytest.fail("the API never answered")

    def stop(self) -> int:
        children = psutil.Process(self.process.pid).children(recursive=True)
        self.process.send_signal(signal.SIGTERM)
        rest, _ = self.process.communicate(timeout=60)
        self.console.append(rest)
        _gone, alive = psutil.wait_procs(children, timeout=10)
        assert not alive, f"left running: {alive}"
        return self.process.returncode
