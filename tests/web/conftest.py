"""The web app in real Chromium against a real platform: `cinema serve` (PostgreSQL, Redis, S3,
the ffmpeg worker, the local Stripe and CDN edge) serving the built app at `/`.

Debian's chromium is driven by Playwright (its own browser download cannot work here). Every
journey leaves screenshots at 1280×800 and 390×844 under web/test-results/screenshots/, and the
pages it visits are checked with axe-core.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect
from playwright.async_api import TimeoutError as PlaywrightTimeout
from tests.serving import Serving

WEB = Path(__file__).resolve().parents[2] / "web"
DIST_INDEX = WEB / "dist" / "index.html"
SHOTS = WEB / "test-results" / "screenshots"
AXE = WEB / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
API = "/api/v1"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# The flags a headless Chromium needs on a machine without outside network or a GPU.
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


class Staff:
    """The administrator's API session, for setting the stage a journey starts from."""

    def __init__(self, base: str, data_dir: Path) -> None:
        admin = json.loads((data_dir / "admin-credentials.json").read_text())
        self.email, self.password = admin["email"], admin["password"]
        self.http = httpx.Client(base_url=base, timeout=60)
        token = self.http.post(f"{API}/auth/token", data={"username": self.email, "password": self.password})
        assert token.status_code == 200, token.text
        self.http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

    def films(self, **query: Any) -> list[dict[str, Any]]:
        """Every page of the catalog listing."""
        films: list[dict[str, Any]] = []
        cursor = None
        while True:
            answer = self.http.get(
                f"{API}/films", params={"limit": 100, **query, **({"cursor": cursor} if cursor else {})}
            )
            assert answer.status_code == 200, answer.text
            films += answer.json()["items"]
            cursor = answer.json()["next_cursor"]
            if cursor is None:
                return films

    def media(self, film_id: str) -> dict[str, Any]:
        return self.http.get(f"{API}/admin/films/{film_id}/media").json()

    def wait_ready(self, film_id: str, timeout: float = 240) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            media = self.media(film_id)
            if media["status"] in ("ready", "failed"):
                assert media["status"] == "ready", media
                return media
            time.sleep(0.5)
        pytest.fail(f"film {film_id} never became ready: {self.media(film_id)}")

    def upload(self, film_id: str, clip: bytes) -> None:
        """The API's presigned multipart upload, as a script would do it (not the web app)."""
        upload = self.http.post(
            f"{API}/admin/films/{film_id}/upload",
            json={"filename": "clip.mp4", "content_type": "video/mp4", "size_bytes": len(clip)},
        ).json()
        parts = []
        for part in upload["parts"]:
            start = (part["part_number"] - 1) * upload["part_size"]
            put = httpx.put(part["url"], content=clip[start : start + upload["part_size"]], timeout=60)
            parts.append({"part_number": part["part_number"], "etag": put.headers["etag"]})
        done = self.http.post(
            f"{API}/admin/films/{film_id}/upload/complete",
            json={"upload_id": upload["upload_id"], "parts": parts},
        )
        assert done.status_code == 202, done.text

    def create_film(self, **fields: Any) -> dict[str, Any]:
        body = {"title": f"Тест {uuid.uuid4().hex[:6]}", "year": 2026, "duration_seconds": 8, **fields}
        film = self.http.post(f"{API}/admin/films", json=body)
        assert film.status_code == 201, film.text
        published = self.http.patch(f"{API}/admin/films/{film.json()['id']}", json={"status": "published"})
        assert published.status_code == 200, published.text
        return published.json()


@pytest.fixture(scope="session")
def web_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serving]:
    from cinema.local.services.backing import free_port  # noqa: PLC0415

    if not DIST_INDEX.exists():
        pytest.fail("web/dist is not built: `make web` builds it (`make test` does so before pytest)")
    serving = Serving(tmp_path_factory.mktemp("web") / "state", free_port())
    try:
        serving.wait_ready()
        yield serving
    finally:
        assert serving.stop() == 0


@pytest.fixture(scope="session")
def staff(web_platform: Serving) -> Iterator[Staff]:
    staff = Staff(web_platform.base, Path(web_platform.console_data_dir))
    yield staff
    staff.http.close()


@pytest.fixture(scope="session")
def demo_films(staff: Staff) -> list[dict[str, Any]]:
    """The free demo films whose generated videos went through the pipeline on first start
    (the newest free films: see cinema.local.demo_media)."""
    from cinema.local.demo_catalog import DEMO_FILE  # noqa: PLC0415

    # Only films of the demo catalog: a film another test created (free, of this year) is not one
    # of them, whatever order the tests ran in.
    demo_titles = {film["title"] for film in json.loads(DEMO_FILE.read_text())["films"]}
    free_demo = [f for f in staff.films(sort="-year") if f["access"] == "free" and f["title"] in demo_titles]
    deadline = time.monotonic() + 120  # the first start uploads their videos in the background
    while len(with_media := [f for f in free_demo if staff.media(f["id"])["status"] != "none"]) < 3:
        if time.monotonic() > deadline:
            pytest.fail(f"the demo videos were never uploaded: {with_media}")
        time.sleep(0.5)
    with_media = with_media[:3]
    for film in with_media:
        staff.wait_ready(film["id"])
    return with_media


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    if call.when == "call":
        item.call_failed = outcome.get_result().failed  # type: ignore[attr-defined]


@pytest.fixture
async def page(
    browser: Browser, web_platform: Serving, request: pytest.FixtureRequest
) -> AsyncIterator[Page]:
    context = await browser.new_context(base_url=web_platform.base, viewport=DESKTOP, locale="ru-RU")
    # a 2-core CI machine running the whole platform beside the browser is slow, not broken
    context.set_default_timeout(60_000)
    expect.set_options(timeout=15_000)
    page = await context.new_page()
    errors: list[str] = []
    log: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda m: log.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None,
    )
    page.on(
        "response",
        lambda r: log.append(f"{r.status} {r.request.method} {r.url}") if r.status >= 400 else None,
    )
    page.on("requestfailed", lambda r: log.append(f"failed {r.method} {r.url}: {r.failure}"))
    yield page
    if getattr(request.node, "call_failed", False):
        # A CI run leaves nothing else to look at: what the page did and what it showed.
        with contextlib.suppress(Exception):
            log.append(f"at {page.url}: " + (await page.inner_text("body", timeout=2_000))[:1500])
        await context.close()
        pytest.fail("the failed test's page:\n" + "\n".join(log[-60:]), pytrace=False)
    await context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


async def settle(page: Page) -> None:
    """Lets the page finish loading what it shows (a player keeps fetching: bounded wait)."""
    with contextlib.suppress(PlaywrightTimeout):
        await page.wait_for_load_state("networkidle", timeout=5_000)
    await expect(page.locator(".spinner:not(.spinner-inline)")).to_have_count(0, timeout=10_000)


async def shoot(page: Page, name: str) -> None:
    """The page as a person sees it, at desktop and at phone width."""
    await settle(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}-desktop.png"))
    await page.set_viewport_size(PHONE)
    await page.wait_for_timeout(150)
    await page.screenshot(path=str(SHOTS / f"{name}-phone.png"))
    await page.set_viewport_size(DESKTOP)


async def check_accessibility(page: Page, name: str) -> None:
    """axe-core on the page as it stands: no serious or critical violation."""
    await settle(page)
    # evaluated through the debugger protocol: the app's own CSP (script-src 'self') stays enforced
    if not await page.evaluate("typeof axe !== 'undefined'"):
        await page.evaluate(AXE.read_text(encoding="utf-8"))
    result = await page.evaluate("async () => (await axe.run(document)).violations")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{name}: {bad}"


async def sign_up(page: Page, *, name: str = "Зритель") -> tuple[str, str]:
    email = f"viewer-{uuid.uuid4().hex[:10]}@kino.io"
    password = f"pw-{uuid.uuid4().hex[:12]}"
    await page.goto("/register")
    await page.get_by_label("Имя").fill(name)
    await page.get_by_label("Эл. почта").fill(email)
    await page.get_by_label("Пароль", exact=True).fill(password)
    await page.get_by_role("button", name="Создать аккаунт").click()
    await page.get_by_role("link", name="Кабинет").wait_for()
    return email, password


async def sign_in(page: Page, email: str, password: str) -> None:
    await page.goto("/login")
    await page.get_by_label("Эл. почта").fill(email)
    await page.get_by_label("Пароль", exact=True).fill(password)
    await page.get_by_role("button", name="Войти", exact=True).click()
    await page.get_by_role("link", name="Кабинет").wait_for()


async def video_time(page: Page) -> float:
    return float(await page.evaluate("document.querySelector('video')?.currentTime ?? 0"))


async def wait_playing(page: Page, beyond: float, timeout_s: float = 30) -> float:
    """Until the <video> has played past `beyond` seconds (polled from here: the app's CSP
    forbids the string evaluation that page.wait_for_function would use)."""
    media: list[str] = []  # what the player fetched meanwhile, for the failure message

    def fetched(response: Any) -> None:
        if "/media/" in response.url:
            media.append(f"{time.monotonic() - started:5.1f}s {response.status} {response.url.split('?')[0]}")

    started = time.monotonic()
    page.on("response", fetched)
    try:
        while time.monotonic() < started + timeout_s:
            if (now := await video_time(page)) > beyond:
                return now
            await page.wait_for_timeout(100)
        state = await page.evaluate(
            "(() => { const v = document.querySelector('video'); if (!v) return 'no <video>';"
            " const b = [...Array(v.buffered.length).keys()].map(i => `${v.buffered.start(i)}-${v.buffered.end(i)}`);"
            " return `paused=${v.paused} readyState=${v.readyState} networkState=${v.networkState}"
            " error=${v.error?.code} buffered=[${b}]` })()"
        )
        pytest.fail(
            f"the video never played past {beyond} s (at {await video_time(page)} s): {state}\n"
            + "\n".join(media[-40:])
        )
    finally:
        page.remove_listener("response", fetched)


@pytest.fixture(scope="session")
def clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    from cinema.local.demo_media import make_test_clip  # noqa: PLC0415

    path = tmp_path_factory.mktemp("clip") / "clip.mp4"
    make_test_clip(path, seconds=6, size="640x360", preset="ultrafast")
    return path.read_bytes()


@pytest.fixture(scope="session")
def paid_films(staff: Staff, clip: bytes) -> dict[str, dict[str, Any]]:
    """A subscription film and a film sold singly, each with a playable video."""
    films = {
        "subscription": staff.create_film(title="Подписочный фильм", access="subscription"),
        "purchase": staff.create_film(
            title="Фильм на продажу", access="purchase", price={"amount": 19900, "currency": "RUB"}
        ),
    }
    for film in films.values():
        staff.upload(film["id"], clip)
    for film in films.values():
        staff.wait_ready(film["id"])
    return films
