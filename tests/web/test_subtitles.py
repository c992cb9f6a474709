"""Subtitles in the web app: the admin's film editor lists, uploads (with the bad line named)
and deletes tracks; the player offers them with an Off choice, shows a cue, and remembers the
choice per profile."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect
from tests.web.conftest import (
    AXE,
    DESKTOP,
    PHONE,
    SHOTS,
    Staff,
    check_accessibility,
    settle,
    shoot,
    sign_in,
    sign_up,
    wait_playing,
)

CUE = "Привет из субтитров"
VTT = f"WEBVTT\n\n1\n00:00:00.000 --> 00:00:06.000\n{CUE}\n".encode()
SRT = b"1\n00:00:00,000 --> 00:00:06,000\nHello from the subtitles\n"


@pytest.fixture(scope="module")
def subtitled(staff: Staff, clip: bytes) -> dict[str, Any]:
    film = staff.create_film(title="Фильм с субтитрами", access="free", duration_seconds=6)
    staff.upload(film["id"], clip)
    staff.wait_ready(film["id"])
    for language, label, data, name in (("ru", "Русский", VTT, "ru.vtt"), ("en", "English", SRT, "en.srt")):
        answer = staff.http.post(
            f"/api/v1/admin/films/{film['id']}/subtitles",
            data={"language": language, "label": label},
            files={"file": (name, data)},
        )
        assert answer.status_code == 201, answer.text
    return film


async def check_section(page: Page, selector: str) -> None:
    """axe-core on one part of the page (the rest of the admin page is not this feature's)."""
    if not await page.evaluate("typeof axe !== 'undefined'"):
        await page.evaluate(AXE.read_text(encoding="utf-8"))
    result = await page.evaluate(f"async () => (await axe.run({selector!r})).violations")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']}" for v in result if v["impact"] in ("serious", "critical")
    ]
    assert not bad, bad


async def shoot_section(page: Page, selector: str, name: str) -> None:
    """Like `shoot`, with the section at the top of the screen (below the sticky header) at
    both widths, rather than the top of a long page."""
    await settle(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, size in (("desktop", DESKTOP), ("phone", PHONE)):
        await page.set_viewport_size(size)
        top = await page.locator(selector).evaluate("e => e.getBoundingClientRect().top + window.scrollY")
        header = await page.locator("header").first.evaluate("e => e.getBoundingClientRect().height")
        await page.evaluate(f"window.scrollTo(0, {top - header - 12})")
        await page.wait_for_timeout(150)
        await page.screenshot(path=str(SHOTS / f"{name}-{width}.png"))
    await page.set_viewport_size(DESKTOP)


async def active_cues(page: Page) -> list[str]:
    return await page.evaluate(
        "[...document.querySelector('video').textTracks].filter(t => t.mode === 'showing')"
        ".flatMap(t => [...(t.activeCues || [])].map(c => c.text))"
    )


async def test_the_player_offers_the_tracks_shows_a_cue_and_remembers(page: Page, subtitled: dict[str, Any]):
    await sign_up(page)
    await page.goto(f"/watch/{subtitled['id']}")
    choice = page.get_by_label("Субтитры")
    await expect(choice).to_be_visible()
    await expect(choice.locator("option")).to_have_text(["Без субтитров", "English", "Русский"])
    await expect(choice).to_have_value("off")  # nothing chosen yet: off
    await wait_playing(page, 0.3)
    await choice.select_option("ru")
    deadline = time.monotonic() + 20
    while CUE not in await active_cues(page):
        assert time.monotonic() < deadline, await active_cues(page)
        await page.wait_for_timeout(200)
    profile = await page.evaluate("localStorage.getItem('cinema.profile') ?? 'default'")
    assert await page.evaluate(f"localStorage.getItem('cinema.subtitles.{profile}')") == "ru"
    await page.evaluate("document.querySelector('video').pause()")
    await check_accessibility(page, "player with subtitles")
    await shoot(page, "player-subtitles")

    await page.reload()  # the choice holds for this profile
    await expect(page.get_by_label("Субтитры")).to_have_value("ru")
    await page.get_by_label("Субтитры").select_option("off")
    assert await page.evaluate(f"localStorage.getItem('cinema.subtitles.{profile}')") == "off"
    assert await active_cues(page) == []


async def test_the_admin_uploads_sees_the_bad_line_and_deletes(
    page: Page, staff: Staff, subtitled: dict[str, Any], tmp_path
):
    await sign_in(page, staff.email, staff.password)
    await page.goto(f"/admin/films/{subtitled['id']}")
    section = page.locator("section.subtitles-admin")
    await expect(section.get_by_role("row")).to_have_count(3)  # the header and two tracks
    bad = tmp_path / "bad.srt"
    bad.write_bytes(b"1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:03,000 -> 00:00:04,000\nbroken\n")
    await section.get_by_label("Язык").fill("de")
    await section.get_by_label("Название в плеере").fill("Deutsch")
    await section.get_by_label("Файл").set_input_files(str(bad))
    await section.get_by_role("button", name="Загрузить субтитры").click()
    await expect(section.get_by_role("alert")).to_contain_text("ошибка в строке 6")
    await check_section(page, "section.subtitles-admin")
    await shoot_section(page, "section.subtitles-admin", "admin-subtitles")

    good = tmp_path / "de.vtt"
    good.write_bytes(b"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nHallo\n")
    await section.get_by_label("Язык").fill("DE")
    await section.get_by_label("Файл").set_input_files(str(good))
    await section.get_by_role("button", name="Загрузить субтитры").click()
    await expect(section.get_by_role("status")).to_contain_text("Deutsch")
    await expect(section.get_by_role("row")).to_have_count(4)
    await expect(section.get_by_role("cell", name="de", exact=True)).to_be_visible()

    page.once("dialog", lambda dialog: dialog.accept())
    await section.get_by_role("button", name="Удалить субтитры «Deutsch»").click()
    await expect(section.get_by_role("row")).to_have_count(3)


def test_ffmpeg_reads_the_subtitles_group_of_the_signed_master(staff: Staff, subtitled: dict[str, Any]):
    """An HLS client other than hls.js: ffmpeg opens the signed master through the edge (the
    grant's cookies), sees a WebVTT stream per track, and reads the cue text back."""
    import subprocess  # noqa: PLC0415

    import imageio_ffmpeg  # noqa: PLC0415

    play = staff.http.get(f"/api/v1/films/{subtitled['id']}/play").json()
    cookie = "; ".join(f"{name}={value}" for name, value in play["cookies"].items())
    master = play["manifest_url"].split("?")[0]
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-headers", f"Cookie: {cookie}\r\n"]
    probe = subprocess.run([*command, "-i", master], capture_output=True, text=True, timeout=60, check=False)
    for language in ("en", "ru"):  # each track a WebVTT stream, with the segments' start time
        assert re.search(rf"Stream #0:\d+\S*\({language}\): Subtitle: webvtt", probe.stderr), probe.stderr[
            -3000:
        ]
    # ffmpeg's HLS demuxer lists subtitle renditions but does not read their packets: the cue
    # text is read from the rendition's own playlist, as the master names it
    listed = httpx.get(master, headers={"Cookie": cookie}).text
    uri = re.search(r'TYPE=SUBTITLES,[^\n]*LANGUAGE="ru"[^\n]*URI="([^"]+)"', listed)
    assert uri is not None, listed
    playlist = master.rsplit("/", 1)[0] + "/" + uri[1]
    cues = subprocess.run(
        [*command, "-i", playlist, "-f", "webvtt", "-"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert CUE in cues.stdout, (cues.stdout[-500:], cues.stderr[-800:])
