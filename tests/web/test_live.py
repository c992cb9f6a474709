"""Live in the web app: staff schedule a broadcast and get the OBS settings once; a viewer
finds it on air and watches it in the player (real nginx-rtmp and a real ffmpeg publisher)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, expect
from tests.live.broadcast import push, stop
from tests.web.conftest import DESKTOP, Staff, check_accessibility, shoot, sign_in, sign_up, wait_playing


async def test_staff_go_live_and_a_viewer_watches(
    page: Page, browser: Browser, staff: Staff, web_platform: Any, tmp_path: Path
):
    await sign_in(page, staff.email, staff.password)
    await page.goto("/admin/live")
    await page.get_by_label("Название трансляции").fill("Концерт в прямом эфире")
    await page.get_by_role("button", name="Запланировать").click()
    key_card = page.get_by_role("region", name="Ключ трансляции «Концерт в прямом эфире»")
    server = await key_card.get_by_label("Сервер").input_value()
    key = await key_card.get_by_label("Ключ потока").input_value()
    assert server.startswith("rtmp://")
    assert key not in await page.locator("table").inner_text()  # shown in the key card only
    await shoot(page, "admin-live")

    viewer = await browser.new_context(base_url=web_platform.base, viewport=DESKTOP, locale="ru-RU")
    watching = await viewer.new_page()
    await sign_up(watching)
    await watching.goto("/live")
    card = watching.locator(".live-card").filter(has_text="Концерт в прямом эфире")
    await card.get_by_role("link", name="Открыть").click()
    await expect(watching.get_by_role("heading", name="Трансляция ещё не началась")).to_be_visible()

    # the viewer waits on the page: it goes on air by itself, through the seconds in which the
    # event is live but its first fragment (and so its playlist) is not written yet
    publisher = push(f"{server.rstrip('/')}/{key}", 90, tmp_path / "ffmpeg.log")
    try:
        await wait_playing(watching, 2, timeout_s=45)
        await watching.goto("/live")
        await expect(card.get_by_text("в эфире")).to_be_visible(timeout=20_000)
        await check_accessibility(watching, "live list")
        await card.get_by_role("link", name="Смотреть эфир").click()
        await wait_playing(watching, 2, timeout_s=30)
        await shoot(watching, "live-player")
        await viewer.close()
    finally:
        stop(publisher)
