"""`cinema serve` (what `make run` runs), as a person uses it: start, use, stop, start again."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
from tests.serving import CINEMA, Serving, _env

from cinema.local.services.backing import free_port


def _postgres_processes(data_dir: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(data_dir) in cmdline:
            found.append(proc)
    return found


def _demo_films_become_playable(http: httpx.Client, auth: dict[str, str]) -> None:
    """The first start gives three free demo films generated videos, transcoded in the background."""
    free_ids, cursor = [], None
    while True:
        page = http.get(
            "/api/v1/films", params={"limit": 100, "sort": "year"} | ({"cursor": cursor} if cursor else {})
        )
        free_ids += [f["id"] for f in page.json()["items"] if f["access"] == "free"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    deadline, ready = time.monotonic() + 240, []
    while time.monotonic() < deadline:
        states = {
            i: http.get(f"/api/v1/admin/films/{i}/media", headers=auth).json()["status"] for i in free_ids
        }
        ready = [i for i, state in states.items() if state == "ready"]
        if len(ready) >= 3 or "failed" in states.values():
            break
        time.sleep(0.5)
    assert len(ready) == 3, states
    play = http.get(f"/api/v1/films/{ready[0]}/play", headers=auth).json()
    assert httpx.get(play["manifest_url"], timeout=10).text.startswith("#EXTM3U")


def test_serve_runs_the_platform_and_a_restart_keeps_accounts(tmp_path: Path) -> None:
    data_dir = tmp_path / "state"
    port = free_port()
    first = Serving(data_dir, port)
    try:
        first.wait_ready()
        console = "".join(first.console)
        for what in ("postgresql", "redis", "s3", "/docs", "/dev/outbox.html"):
            assert what in console, console
        # the web app: where it is served from, or how to build it
        assert re.search(
            r"\n  web +(http://127\.0\.0\.1:\d+/ +\(the web app|not built .*Node\.js 20\+)", console
        )
        admin = json.loads((data_dir / "admin-credentials.json").read_text())
        assert admin["password"] in console  # shown once, on the first run
        assert oct((data_dir / "admin-credentials.json").stat().st_mode & 0o777) == "0o600"

        with httpx.Client(base_url=first.base, timeout=10) as http:
            assert http.get("/docs").status_code == 200
            reg = http.post(
                "/api/v1/auth/register", json={"email": "first@kino.io", "password": "survives restarts"}
            )
            assert reg.status_code == 201
            token = http.post(
                "/api/v1/auth/token", data={"username": admin["email"], "password": admin["password"]}
            )
            assert token.status_code == 200
            promote = http.patch(
                f"/api/v1/admin/users/{reg.json()['id']}",
                json={"role": "moderator"},
                headers={"Authorization": f"Bearer {token.json()['access_token']}"},
            )
            assert promote.json()["role"] == "moderator"
            _demo_films_become_playable(http, {"Authorization": f"Bearer {token.json()['access_token']}"})
    finally:
        code = first.stop()
    assert code == 0, "".join(first.console)
    assert _postgres_processes(data_dir) == []

    second = Serving(data_dir, port)
    try:
        second.wait_ready()
        console = "".join(second.console)
        assert admin["password"] not in console  # printed once only
        assert re.search(r"password in .*admin-credentials\.json", console)
        with httpx.Client(base_url=second.base, timeout=10) as http:
            token = http.post(
                "/api/v1/auth/token", data={"username": "first@kino.io", "password": "survives restarts"}
            )
            assert token.status_code == 200
            me = http.get(
                "/api/v1/users/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
            )
            assert me.json()["role"] == "moderator"
    finally:
        assert second.stop() == 0
    assert _postgres_processes(data_dir) == []


def test_serve_reports_a_port_in_use_and_still_cleans_up(tmp_path: Path) -> None:
    data_dir = tmp_path / "state"
    port = free_port()
    blocker = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.5)
        done = subprocess.run(
            [CINEMA, "serve"],
            env=_env(data_dir, port),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        blocker.terminate()
        blocker.wait()
    assert done.returncode == 1
    assert f"{port} is in use" in done.stdout
    assert _postgres_processes(data_dir) == []
