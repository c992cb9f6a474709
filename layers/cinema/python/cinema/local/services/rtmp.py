"""Live ingest on one machine: nginx with the rtmp module, run from infra/rtmp/nginx.conf.template.

`cinema serve` starts it when the machine has nginx and the module (Debian: `apt-get install
nginx libnginx-mod-rtmp`); without them the platform runs without live and the console says
how to get it. Beside nginx, in this process: the HLS mirror (cinema.live.hls_mirror, the same
code as the AWS container's uploader) pushes the live fragments into the media bucket, where
the local edge serves them to signed requests like any VOD; and the recording of an ended
broadcast is handed to cinema.live.replay, which sends it through the media pipeline.

Everything nginx writes sits under data_dir/rtmp: conf/, logs/, run/, hls/ and recordings/.
The hooks' shared secret is made anew at every start (nginx's config is rendered each time).
"""

from __future__ import annotations

import asyncio
import grp
import logging
import os
import pwd
import secrets
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from cinema.core import health
from cinema.core.settings import Settings
from cinema.live import replay
from cinema.live.hls_mirror import HlsMirror
from cinema.local.private_files import write_private
from cinema.local.services.common import (
    free_port,
    log_path,
    spawn,
    terminate,
    wait_until,
)
from cinema.media import storage

log = logging.getLogger("cinema.local.services.rtmp")

TEMPLATE = "infra/rtmp/nginx.conf.template"
_PACKAGE_ROOT = Path(__file__).resolve().parents[6]  # layers/cinema/python/cinema/local/services/rtmp.py
MODULE_PATHS = (
    "/usr/lib/nginx/modules/ngx_rtmp_module.so",  # Debian, Ubuntu
    "/usr/lib64/nginx/modules/ngx_rtmp_module.so",
    "/usr/local/lib/nginx/modules/ngx_rtmp_module.so",
)
HOW_TO_GET_IT = (
    "live is off: nginx with the rtmp module is missing "
    "(Debian/Ubuntu: sudo apt-get install nginx libnginx-mod-rtmp; then restart)"
)
RECORDING_SETTLE_S = 1.0
RECORDING_WAIT_S = 30.0


def find_nginx() -> tuple[str, str] | None:
    """(the nginx binary, the rtmp module's path), or None when either is missing."""
    binary = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    module = next((p for p in MODULE_PATHS if os.path.exists(p)), None)
    return (binary, module) if binary and module else None


def find_template() -> Path | None:
    for root in (_PACKAGE_ROOT, Path.cwd()):
        if (root / TEMPLATE).is_file():
            return root / TEMPLATE
    return None


def render(template: str, values: dict[str, str]) -> str:
    """`{{name}}` placeholders (nginx itself owns `$`); an unknown one is an error, not a blank."""
    text = template
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    if "{{" in text:
        raise ValueError(f"unrendered placeholder in {TEMPLATE}: {text[text.index('{{') :][:40]}")
    return text


class LocalLive:
    """nginx-rtmp, the HLS mirror and the recording hand-off, for one `cinema serve`."""

    def __init__(self, data_dir: Path, *, host: str, rtmp_port: int, api_base_url: str) -> None:
        self.root = data_dir.resolve() / "rtmp"
        self.host = host
        self.rtmp_port = rtmp_port
        self.control_port = free_port()
        self.hook_proxy_port = free_port()
        self.api_base_url = api_base_url.rstrip("/")
        self.hook_secret = secrets.token_urlsafe(32)
        self.found = find_nginx()
        self.template = find_template()
        self.process: Any = None
        self.mirror: HlsMirror | None = None
        self.error = ""

    @property
    def available(self) -> bool:
        return self.found is not None and self.template is not None

    @property
    def hls_dir(self) -> Path:
        return self.root / "hls"

    @property
    def record_dir(self) -> Path:
        return self.root / "recordings"

    @property
    def ingest_url(self) -> str:
        shown = "127.0.0.1" if self.host in ("0.0.0.0", "::", "localhost") else self.host  # noqa: S104
        return f"rtmp://{shown}:{self.rtmp_port}/ingest"

    @classmethod
    def configure(cls, data_dir: Path, settings: Settings, *, api_base_url: str) -> LocalLive:
        """A runner for these settings; its `settings()` are the API's live_* settings."""
        return cls(data_dir, host=settings.host, rtmp_port=settings.live_rtmp_port, api_base_url=api_base_url)

    def settings(self) -> dict[str, Any]:
        """The settings (Settings fields) the API needs to answer the hooks and drop publishers."""
        if not self.available:
            return {}
        return {
            "live_hook_secret": self.hook_secret,
            "live_ingest_url": self.ingest_url,
            "live_rtmp_port": self.rtmp_port,
            "live_control_url": f"http://127.0.0.1:{self.control_port}/control",
        }

    def _config(self) -> str:
        assert self.found is not None
        assert self.template is not None
        user_line = ""
        if os.geteuid() == 0:  # workers would run as nobody: give them the folders they write
            user_line = "user nobody nogroup;"
            uid, gid = pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid
            for folder in (self.hls_dir, self.record_dir):
                os.chown(folder, uid, gid)
        values = {
            "user_line": user_line,
            "module_path": self.found[1],
            "run_dir": str(self.root / "run"),
            "log_dir": str(self.root / "logs"),
            "rtmp_listen": f"{self.host}:{self.rtmp_port}",
            "hook_proxy_listen": f"127.0.0.1:{self.hook_proxy_port}",
            "api_origin": self.api_base_url,
            "resolver_line": "",  # the API is an address on this machine: nothing to resolve
            "api_host": self.api_base_url.split("://", 1)[1],
            "hook_secret": self.hook_secret,
            "hls_dir": str(self.hls_dir),
            "record_dir": str(self.record_dir),
            "control_listen": f"127.0.0.1:{self.control_port}",
        }
        return render(self.template.read_text(encoding="utf-8"), values)

    def start(self, media_bucket: str) -> str:
        """Starts nginx; a failure is reported, never fatal (the platform runs without live).
        Returns the console line."""
        health.register("live", self.health)
        if self.available:
            try:
                self._start(media_bucket)
            except Exception as exc:  # live is optional: report and run without it
                log.exception("nginx-rtmp did not start")
                self.error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                self.stop()
                health.register("live", self.health)
        return self.console_line()

    def _start(self, media_bucket: str) -> None:
        for folder in ("conf", "logs", "run", "hls", "recordings"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        conf = self.root / "conf" / "nginx.conf"
        write_private(conf, self._config())  # it holds the hook secret
        assert self.found is not None
        out = log_path(self.root.parent, "nginx")
        self.process = spawn(
            [
                self.found[0],
                "-p",
                str(self.root),
                "-c",
                str(conf),
                "-e",
                str(self.root / "logs" / "error.log"),
            ],
            out,
        )
        try:
            wait_until(self._control_answers, what="nginx-rtmp", log=out, timeout=10, process=self.process)
        except RuntimeError as exc:
            self.error = self._complaint() or str(exc).splitlines()[0]
            log.warning("live is off: %s", self.error)
            self.process = None
            return
        self.mirror = HlsMirror(self.hls_dir, storage.s3_client(), media_bucket)
        self.mirror.start()
        replay.register_local(self.recording_finished)

    def _complaint(self) -> str:
        """What nginx said when it would not start (its error log), in a line for the console."""
        try:
            lines = (self.root / "logs" / "error.log").read_text(errors="replace").splitlines()
        except OSError:
            return ""
        last = next((line for line in reversed(lines) if "[emerg]" in line and "still could" not in line), "")
        if not last:
            return ""
        said = last.split("] ", 1)[-1].split(": ", 1)[-1]
        if "Address already in use" in last or "could not bind" in last:
            said += f" (port {self.rtmp_port} is taken: set CINEMA_LIVE_RTMP_PORT)"
        return f"nginx-rtmp did not start: {said}"

    def _control_answers(self) -> bool:
        with httpx.Client(timeout=0.5) as client:
            return client.get(f"http://127.0.0.1:{self.control_port}/").status_code == 404

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def health(self) -> str:
        return "ok" if self.running else "unavailable"

    def console_line(self) -> str:
        if self.running:
            return f"{self.ingest_url}   (OBS server; the stream key comes from POST /api/v1/admin/live)"
        if not self.available:
            return HOW_TO_GET_IT
        return f"live is off: {self.error or 'nginx did not start'}"

    def stop(self) -> None:
        health.register("live", None)
        replay.register_local(None)
        if self.mirror is not None:
            self.mirror.stop()
            self.mirror = None
        if self.process is not None:
            terminate(self.process)
            self.process = None

    # -- recordings ------------------------------------------------------------------------
    async def recording_finished(self, event_id: uuid.UUID, name: str) -> None:
        """Called by the API once a broadcast ended: the recording goes on in the background."""
        task = asyncio.get_running_loop().create_task(
            self._hand_over(event_id, name), name=f"replay-{event_id}"
        )
        _background.add(task)
        task.add_done_callback(_background.discard)

    async def _hand_over(self, event_id: uuid.UUID, name: str) -> None:
        path = await self._closed_recording(name)
        if path is None:
            log.warning("no recording of live stream %s to replay", name)
            return
        await replay.store_recording(path, event_id)

    async def _closed_recording(self, name: str) -> Path | None:
        """The newest FLV of `name` once nginx has stopped writing it (its size holds still).
        Watched from the loop, each look a short call in a thread: a server stopping meanwhile
        cancels the wait at once (a thread sleeping through it held the shutdown for up to
        RECORDING_WAIT_S; the recording stays in the recordings folder)."""
        deadline = time.monotonic() + RECORDING_WAIT_S
        last: tuple[Path, int] | None = None
        stable_since = time.monotonic()
        while time.monotonic() < deadline:
            current = await asyncio.to_thread(self._newest_recording, name)
            if current is not None:
                if current != last:
                    last, stable_since = current, time.monotonic()
                elif current[1] > 0 and time.monotonic() - stable_since >= RECORDING_SETTLE_S:
                    return current[0]
            await asyncio.sleep(0.2)
        return None

    def _newest_recording(self, name: str) -> tuple[Path, int] | None:
        files = sorted(self.record_dir.glob(f"{name}-*.flv"), key=lambda p: p.stat().st_mtime)
        return (files[-1], files[-1].stat().st_size) if files else None


_background: set[asyncio.Task[Any]] = set()
