"""The web app's two budgets (issue 10), measured, not asserted:

1. First-load JavaScript of the home route, gzip: the entry chunk and every chunk it preloads
   (what a browser must fetch before the home page runs). Budget: <= 150 KB. hls.js and the
   staff area (charts) must not be part of it.
2. Time from clicking Play on a film page to the first decoded frame, through the app, against
   a bare page that only loads hls.js and attaches the same signed manifest, side by side in the
   same Chromium run, interleaved, fresh browser contexts each round (cold caches for both).
   Budget: app <= 1.5x bare.

It starts `cinema serve` in a temporary directory (the first start generates and transcodes the
demo films' videos), drives Debian's chromium with Playwright, and removes everything after.

    make web && .venv/bin/python bench/web_budget.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from playwright.async_api import Browser, async_playwright

from cinema.local.services.common import free_port  # the one port probe

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "web" / "dist"
HLS_JS = ROOT / "web" / "node_modules" / "hls.js" / "dist" / "hls.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"]  # fmt: skip
API = "/api/v1"
BUDGET_KB = 150
BUDGET_RATIO = 1.5

BARE_PAGE = """<!doctype html><meta charset=utf-8><title>bare hls.js</title>
<video muted playsinline style="width:640px"></video>
<script src="/__bench/hls.min.js"></script>
<script>
  const url = %s;
  const query = new URL(url).search;
  const hls = new Hls({ xhrSetup: (xhr, u) => xhr.open('GET', u.includes('Signature=') ? u : u + query, true) });
  hls.loadSource(url);
  hls.attachMedia(document.querySelector('video'));
  hls.on(Hls.Events.MANIFEST_PARSED, () => document.querySelector('video').play());
</script>"""


def say(message: str = "") -> None:
    print(message, flush=True)


def first_load() -> tuple[float, list[str]]:
    """gzip KB of the entry module and the chunks index.html preloads with it."""
    html = (DIST / "index.html").read_text(encoding="utf-8")
    files = re.findall(r'<script type="module"[^>]*src="/([^"]+)"', html)
    files += re.findall(r'<link rel="modulepreload"[^>]*href="/([^"]+)"', html)
    total = sum(len(gzip.compress((DIST / name).read_bytes(), 9)) for name in files)
    return total / 1024, files


class Platform:
    """`cinema serve` in a temporary directory, as a person starts it."""

    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        env = {k: v for k, v in os.environ.items() if not k.startswith("CINEMA_")}
        env.update(CINEMA_DATA_DIR=str(data_dir), CINEMA_PORT=str(self.port), CINEMA_LOG_LEVEL="WARNING")
        cinema = Path(sys.executable).parent / "cinema"
        self.process = subprocess.Popen(
            [str(cinema), "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )

    def wait_ready(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if "ready in" in line:
                break
        else:
            raise RuntimeError("cinema serve exited before it was ready")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}{API}/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("the API never answered")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.communicate(timeout=60)


def playable_film(http: httpx.Client, admin_auth: dict[str, str]) -> str:
    """A demo film whose generated video went through the pipeline (newest free films first)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        cursor, free = None, []
        while True:
            page = http.get(
                f"{API}/films",
                params={"limit": 100, "sort": "-year", **({"cursor": cursor} if cursor else {})},
            ).json()
            free += [f["id"] for f in page["items"] if f["access"] == "free"]
            if not (cursor := page["next_cursor"]):
                break
        for film_id in free[:3]:
            if http.get(f"{API}/admin/films/{film_id}/media", headers=admin_auth).json()["status"] == "ready":
                return film_id
        time.sleep(1)
    raise RuntimeError("no demo film became playable")


async def first_frame_ms(page, started: float, timeout_s: float = 30) -> float:
    """Polls until the <video> has decoded data for its current position (readyState >= 2)."""
    while time.perf_counter() - started < timeout_s:
        if await page.evaluate("(document.querySelector('video')?.readyState ?? 0) >= 2"):
            return (time.perf_counter() - started) * 1000
        await asyncio.sleep(0.005)
    raise RuntimeError("no frame was decoded")


async def through_app(browser: Browser, base: str, film_id: str, email: str, password: str) -> float:
    context = await browser.new_context(base_url=base)
    try:
        # sign in as the app does: the refresh cookie lands in this context's jar
        await context.request.post(f"{API}/auth/token", form={"username": email, "password": password})
        page = await context.new_page()
        await page.goto(f"/films/{film_id}")
        play = page.get_by_role("link", name=re.compile("Смотреть|Продолжить"))
        await play.wait_for()
        started = time.perf_counter()
        await play.click()
        return await first_frame_ms(page, started)
    finally:
        await context.close()


async def bare(browser: Browser, base: str, manifest_url: str) -> float:
    context = await browser.new_context(base_url=base)
    try:
        page = await context.new_page()
        html = BARE_PAGE % json.dumps(manifest_url)
        await page.route(
            "**/__bench/bare.html", lambda route: route.fulfill(body=html, content_type="text/html")
        )
        await page.route(
            "**/__bench/hls.min.js",
            lambda route: route.fulfill(path=str(HLS_JS), content_type="application/javascript"),
        )
        started = time.perf_counter()
        await page.goto("/__bench/bare.html")
        return await first_frame_ms(page, started)
    finally:
        await context.close()


def prepare(platform: Platform) -> tuple[str, str, str, str]:
    """A playable film and a signed-in viewer: (film id, email, password, access token)."""
    admin = json.loads((platform.data_dir / "admin-credentials.json").read_text())
    with httpx.Client(base_url=platform.base, timeout=60) as http:
        token = http.post(
            f"{API}/auth/token", data={"username": admin["email"], "password": admin["password"]}
        )
        film_id = playable_film(http, {"Authorization": f"Bearer {token.json()['access_token']}"})
        email, password = f"bench-{uuid.uuid4().hex[:8]}@kino.io", "bench-password-1"
        http.post(f"{API}/auth/register", json={"email": email, "password": password}).raise_for_status()
        viewer = http.post(f"{API}/auth/token", data={"username": email, "password": password}).json()
    return film_id, email, password, viewer["access_token"]


async def play_to_frame(platform: Platform, rounds: int) -> tuple[list[float], list[float]]:
    film_id, email, password, token = await asyncio.to_thread(prepare, platform)
    app_ms: list[float] = []
    bare_ms: list[float] = []
    async with (
        httpx.AsyncClient(base_url=platform.base, headers={"Authorization": f"Bearer {token}"}) as http,
        async_playwright() as playwright,
    ):
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        await through_app(browser, platform.base, film_id, email, password)  # warm the server side
        for n in range(rounds):
            manifest = (await http.get(f"{API}/films/{film_id}/play")).json()["manifest_url"]
            for name in ("app", "bare") if n % 2 == 0 else ("bare", "app"):
                if name == "app":
                    app_ms.append(await through_app(browser, platform.base, film_id, email, password))
                else:
                    bare_ms.append(await bare(browser, platform.base, manifest))
            say(f"  round {n + 1}: app {app_ms[-1]:.0f} ms, bare {bare_ms[-1]:.0f} ms")
        await browser.close()
    return app_ms, bare_ms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    if not (DIST / "index.html").exists():
        say("web/dist is not built: run `make web` first")
        return 2

    kb, files = first_load()
    say(f"first-load JavaScript of the home route: {kb:.1f} KB gzip ({', '.join(files)})")
    heavy = [
        name for name in files for marker in (b"hls.js", b"recharts") if marker in (DIST / name).read_bytes()
    ]
    say(
        f"  budget {BUDGET_KB} KB: {'PASS' if kb <= BUDGET_KB else 'FAIL'}; hls.js / charts in it: {heavy or 'none'}"
    )

    with tempfile.TemporaryDirectory(prefix="cinema-web-bench-", ignore_cleanup_errors=True) as tmp:
        platform = Platform(Path(tmp) / "state")
        try:
            platform.wait_ready()
            say("platform up; waiting for a demo film's video, then measuring Play -> first frame")
            app_ms, bare_ms = asyncio.run(play_to_frame(platform, args.rounds))
        finally:
            platform.stop()
    app, base = statistics.median(app_ms), statistics.median(bare_ms)
    ratio = app / base
    say(f"Play click -> first decoded frame: app median {app:.0f} ms, bare hls.js page median {base:.0f} ms")
    say(
        f"  ratio app / bare = {ratio:.2f}x (budget <= {BUDGET_RATIO}x: {'PASS' if ratio <= BUDGET_RATIO else 'FAIL'})"
    )
    return 0 if kb <= BUDGET_KB and ratio <= BUDGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
