"""A `cinema serve` with live ingest, and ffmpeg publishers, for the real nginx-rtmp tests."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import imageio_ffmpeg

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
API = "/api/v1"


def push(url: str, seconds: float, log: Path) -> subprocess.Popen[bytes]:
    """ffmpeg publishing a test card in real time: 25 fps, 2 s GOPs (one per HLS fragment),
    yuv420p (what browsers play), AAC."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [
                FFMPEG, "-hide_banner", "-loglevel", "error", "-re",
                "-f", "lavfi", "-i", f"testsrc2=size=426x240:rate=25:duration={seconds}",
                "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
                "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
                "-g", "50", "-keyint_min", "50", "-sc_threshold", "0",
                "-c:a", "aac", "-b:a", "64k", "-f", "flv", url,
            ],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(10)


def refused_within(url: str, log: Path) -> tuple[int, float]:
    """(exit code, seconds) of a publisher nginx refuses."""
    started = time.monotonic()
    process = push(url, 10, log)
    try:
        code = process.wait(5)
    except subprocess.TimeoutExpired:
        stop(process)
        return 0, time.monotonic() - started
    return code, time.monotonic() - started


class Admin:
    def __init__(self, base: str, data_dir: Path) -> None:
        credentials = json.loads((data_dir / "admin-credentials.json").read_text())
        self.http = httpx.Client(base_url=base, timeout=30)
        token = self.http.post(
            f"{API}/auth/token", data={"username": credentials["email"], "password": credentials["password"]}
        ).json()
        self.auth = {"Authorization": f"Bearer {token['access_token']}"}

    def event(self, **fields: Any) -> dict[str, Any]:
        answer = self.http.post(f"{API}/admin/live", json={"title": "On air"} | fields, headers=self.auth)
        assert answer.status_code == 201, answer.text
        return answer.json()

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(f"{API}{path}", headers=self.auth, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.post(f"{API}{path}", headers=self.auth, **kwargs)

    def status(self, event_id: str) -> str:
        return str(self.http.get(f"{API}/live/{event_id}").json()["status"])

    def wait_status(self, event_id: str, wanted: str, timeout: float) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.status(event_id) == wanted:
                return time.monotonic() - started
            time.sleep(0.1)
        raise AssertionError(f"event {event_id} not {wanted} after {timeout} s: {self.status(event_id)}")


def rtmp_url(ingest: str, key: str) -> str:
    return f"{ingest}/{key}"


def with_cookies(play: dict[str, Any]) -> str:
    return "; ".join(f"{name}={value}" for name, value in play["cookies"].items())
