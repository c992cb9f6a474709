"""What the embedded services share: the handle, port choice, child processes, logs and leftovers.

Kept apart from `services.py` so that the three service modules can build on it while
`services.py` imports them (one direction, no import cycle).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

STOP_TIMEOUT_S = 10.0
LOG_ROTATE_BYTES = 10 * 1024 * 1024
START_MARKER = "==== started by cinema at"


@dataclass(eq=False)
class RunningService:
    """One backing service of the platform and the way to let go of it.

    The same handle wraps a server we started (embedded, ours to stop) and one named by the
    environment (never ours to stop), so callers treat both alike.
    """

    name: str
    url: str
    description: str
    embedded: bool
    features: frozenset[str] = frozenset()
    _stopper: Callable[[], None] | None = field(default=None, repr=False, kw_only=True)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, kw_only=True)

    def stop(self) -> None:
        """Stops an embedded server once; later calls and non-embedded handles do nothing.

        Safe from atexit and from a second explicit call: the stopper is taken under a lock.
        """
        with self._lock:
            stopper, self._stopper = self._stopper, None
        if stopper is not None:
            stopper()


def free_port() -> int:
    """A loopback TCP port nobody listens on right now (the OS may reuse it: bind it soon)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could listen on the port; TIME_WAIT leftovers don't count as taken."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def choose_port(data_dir: Path, name: str, port: int | None) -> int:
    """The port to use: the given one, else last run's (stable URLs between runs) if free, else a new one."""
    if port:
        return port
    remembered_file = data_dir / f"{name}.port"
    with contextlib.suppress(OSError, ValueError):
        remembered = int(remembered_file.read_text().strip())
        if port_is_free(remembered):
            return remembered
    chosen = free_port()
    remembered_file.write_text(f"{chosen}\n")
    return chosen


def log_path(data_dir: Path, name: str) -> Path:
    """data_dir/logs/<name>.log with a start marker appended, rotated once past 10 MB (no full disks)."""
    path = data_dir / "logs" / f"{name}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        if path.stat().st_size > LOG_ROTATE_BYTES:
            path.replace(path.with_suffix(".log.1"))
    with path.open("a") as log:
        log.write(f"{START_MARKER} {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
    return path


def log_tail(path: Path, lines: int = 25) -> str:
    """The end of a log since the last start, for error messages that explain themselves."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    this_run = text.rsplit(START_MARKER, 1)[-1].splitlines()[1:]
    return "\n".join(this_run[-lines:]) or f"(nothing logged in {path})"


def start_failed(what: str, log: Path, reason: str) -> RuntimeError:
    return RuntimeError(f"{what} did not start: {reason}. Last lines of {log}:\n{log_tail(log)}")


def spawn(
    argv: list[str], log: Path, *, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Starts a server as our child in its own session, with our environment plus `env`.

    Its own session keeps a terminal's Ctrl-C away from it, so that we stop it ourselves, in
    order (the S3 snapshot needs the S3 server still running).
    """
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 - argv of a resolved server binary, no shell
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env={**os.environ, **env} if env else None,
            start_new_session=True,
        )


def terminate(process: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM, up to `timeout` seconds of grace, then SIGKILL; always reaps the child."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_until(
    ready: Callable[[], bool],
    *,
    what: str,
    log: Path,
    timeout: float,
    process: subprocess.Popen[bytes] | None = None,
) -> None:
    """Polls `ready` (which must answer quickly) until it holds; fails early, with the log tail,
    when the process exits, so a server that aborts (port taken, bad config) is reported at once.
    """
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(Exception):
            if ready():
                return
        if process is not None and process.poll() is not None:
            raise start_failed(what, log, f"the process exited with code {process.returncode}")
        if time.monotonic() > deadline:
            if process is not None:
                terminate(process)
            raise start_failed(what, log, f"not ready after {timeout:.0f} s")
        time.sleep(0.02)


def pid_alive(pid: int) -> bool:
    """Whether the pid is a live process (a zombie nobody reaped is dead for our purposes)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError, IndexError):
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    return True


def pid_command(pid: int) -> str:
    """The command line of a pid ('' when unknown), to tell our leftovers from a reused pid."""
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        return subprocess.run(  # noqa: S603 - fixed argv; only where /proc is missing (macOS)
            ["/bin/ps", "-o", "command=", "-p", str(pid)], capture_output=True, text=True, check=False
        ).stdout
    return ""


def kill_pid(pid: int, timeout: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM then SIGKILL for a process that is not our child (a leftover of a killed run)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + timeout
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        if not pid_alive(pid):
            return


class PidFile:
    """data_dir/run/<name>.pid holding "pid port": finds the server a killed run left behind."""

    def __init__(self, data_dir: Path, name: str) -> None:
        self.path = data_dir / "run" / f"{name}.pid"

    def write(self, pid: int, port: int) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(f"{pid} {port}\n")

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)

    def leftover(self, marker: str) -> tuple[int, int] | None:
        """(pid, port) of a still-running server of ours, recognised by `marker` in its command line."""
        try:
            pid_text, port_text = self.path.read_text().split()
            pid, port = int(pid_text), int(port_text)
        except (OSError, ValueError):
            self.remove()
            return None
        if pid_alive(pid) and marker in pid_command(pid):
            return pid, port
        self.remove()
        return None
