"""Staff in the web app: upload a film with a real multipart upload (and resume one after a
reload), watch it transcode, publish it, moderate a review, read the dashboard."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import pytest
from playwright.async_api import Browser, Page, Request, expect
from tests.web.conftest import (
    DESKTOP,
    Staff,
    check_accessibility,
    shoot,
    sign_in,
    sign_up,
    wait_playing,
)


@pytest.fixture(scope="module")
def three_part_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An 8 s clip of about 19 MB: three parts of the platform's 8 MiB (noise does not compress)."""
    path = tmp_path_factory.mktemp("upload") / "premiere.mp4"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-hide_banner", "-loglevel", "error",
         "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=8",
         "-f", "lavfi", "-i", "sine=frequency=440:duration=8",
         "-vf", "noise=alls=30:allf=t+u", "-c:v", "libx264", "-preset", "ultrafast", "-qp", "24",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)],
        check=True,
    )  # fmt: skip
    assert 16 * 2**20 < path.stat().st_size < 24 * 2**20, path.stat().st_size
    return path


def part_number(request: Request) -> int | None:
    found = re.search(r"[?&]partNumber=(\d+)", request.url)
    return int(found.group(1)) if request.method == "PUT" and found else None


async def test_admin_uploads_resumes_publishes_and_a_viewer_watches(
    page: Page, browser: Browser, staff: Staff, three_part_clip: Path, web_platform: Any
):
    sent: list[int] = []
    page.on("request", lambda r: (n := part_number(r)) and sent.append(n))
    await sign_in(page, staff.email, staff.password)
    await page.goto("/admin/films")
    await expect(page.get_by_role("row").nth(5)).to_be_visible()
    await check_accessibility(page, "admin films")
    await shoot(page, "admin-films")
    await page.get_by_role("link", name=re.compile("Новый фильм")).click()
    await page.get_by_label("Название", exact=True).fill("Премьера из браузера")
    await page.get_by_label("Доступ").select_option("free")
    await page.get_by_role("button", name="Создать черновик").click()
    await expect(page.get_by_role("heading", name="Премьера из браузера")).to_be_visible()
    film_id = page.url.rsplit("/", 1)[1]

    # The third part cannot get through: parts 1 and 2 land, then the page is reloaded.
    async def refuse(route):
        await route.abort("connectionreset")

    def third_part(url: str) -> bool:
        return "partNumber=3" in url

    await page.route(third_part, refuse)
    await page.get_by_label("Выбрать видеофайл").set_input_files(three_part_clip)
    await expect(page.locator(".progress-detail")).to_contain_text("частей 2 из 3", timeout=30_000)
    await page.reload()
    await expect(page.get_by_text(re.compile("Загрузка «premiere.mp4» .* не закончена"))).to_be_visible()
    await page.unroute(third_part, refuse)
    saved = await page.evaluate(f"localStorage.getItem('cinema.upload.{film_id}')")
    await check_accessibility(page, "upload")
    await shoot(page, "admin-upload-unfinished")

    before_resume = sorted(sent)
    await page.get_by_label("Выбрать тот же файл, чтобы продолжить").set_input_files(three_part_clip)
    bar = page.get_by_role("progressbar", name="Загрузка")
    await expect(bar).to_have_attribute("aria-valuenow", "100", timeout=30_000)
    await expect(page.locator(".progress-detail").first).to_contain_text("уже загружены")
    assert before_resume.count(1) == 1, before_resume
    assert before_resume.count(2) == 1, before_resume
    assert sent[len(before_resume) :] == [3], sent  # the finished parts were not sent again

    transcoding = page.get_by_role("progressbar", name="Перекодирование")
    await expect(transcoding).to_be_visible()
    await shoot(page, "admin-transcoding")
    await expect(page.get_by_role("status").filter(has_text="Видео готово")).to_be_visible(timeout=120_000)
    await expect(page.locator(".admin-film img.poster")).to_be_visible()  # the captured frame
    await page.get_by_role("button", name="Опубликовать").click()
    await expect(page.locator(".page-head .badge")).to_have_text("опубликован")
    await shoot(page, "admin-film-ready")

    # A page closed while the upload was being completed still remembers it: once the
    # server has the file, nothing is offered to resume.
    await page.evaluate(f"localStorage.setItem('cinema.upload.{film_id}', {json.dumps(saved)})")
    await page.reload()
    await expect(page.get_by_role("status").filter(has_text="Видео готово")).to_be_visible()
    await expect(page.get_by_text(re.compile("не закончена"))).to_have_count(0)
    assert await page.evaluate(f"localStorage.getItem('cinema.upload.{film_id}')") is None

    viewer = await browser.new_context(base_url=web_platform.base, viewport=DESKTOP, locale="ru-RU")
    watching = await viewer.new_page()
    await sign_up(watching)
    await watching.goto(f"/films/{film_id}")
    await watching.get_by_role("link", name=re.compile("Смотреть")).click()
    await wait_playing(watching, 2)
    await viewer.close()


async def test_a_moderator_hides_a_review(
    page: Page, browser: Browser, staff: Staff, demo_films: list[dict[str, Any]], web_platform: Any
):
    film = demo_films[2]
    await sign_up(page, name="Грубиян")
    await page.goto(f"/films/{film['id']}")
    await page.get_by_text("Написать рецензию").click()
    await page.get_by_label("Текст рецензии").fill("Спойлер: все умрут в конце.")
    await page.get_by_role("button", name="Опубликовать").click()
    await expect(page.get_by_text("Спойлер: все умрут в конце.")).to_be_visible()

    moderator_email, moderator_password = "moderator@kino.io", "moderator-password-1"
    registered = staff.http.post(
        "/api/v1/auth/register", json={"email": moderator_email, "password": moderator_password}
    )
    assert registered.status_code == 201, registered.text
    promoted = staff.http.patch(f"/api/v1/admin/users/{registered.json()['id']}", json={"role": "moderator"})
    assert promoted.status_code == 200, promoted.text

    mod = await browser.new_context(base_url=web_platform.base, viewport=DESKTOP, locale="ru-RU")
    moderating = await mod.new_page()
    await sign_in(moderating, moderator_email, moderator_password)
    await moderating.get_by_role("link", name="Управление").click()
    await expect(moderating.get_by_role("heading", name="Модерация")).to_be_visible()
    review = moderating.locator(".review").filter(has_text="Спойлер: все умрут в конце.")
    await review.get_by_role("button", name="Скрыть").click()
    await expect(moderating.locator(".review").filter(has_text="Спойлер: все умрут в конце.")).to_have_count(
        0
    )
    await shoot(moderating, "admin-moderation")
    await mod.close()

    other = await browser.new_context(base_url=web_platform.base, viewport=DESKTOP, locale="ru-RU")
    reader = await other.new_page()
    await reader.goto(f"/films/{film['id']}")
    await expect(reader.get_by_role("heading", name="Рецензии")).to_be_visible()
    await expect(reader.get_by_text("Спойлер: все умрут в конце.")).to_have_count(0)
    await other.close()
    await page.reload()  # its author still sees it, marked hidden
    await expect(page.locator(".review").filter(has_text="Спойлер")).to_contain_text("Скрыта модератором")


async def test_the_dashboard_charts_what_happened(
    page: Page, browser: Browser, staff: Staff, demo_films: list[dict[str, Any]], web_platform: Any
):
    # a viewer watches a 12 s demo film to the end: a view is counted
    await sign_up(page, name="Зритель до конца")
    await page.goto(f"/watch/{demo_films[0]['id']}")
    await wait_playing(page, 11, timeout_s=90)  # a loaded machine may stall the player a while
    await page.keyboard.press("Space")  # pause: the heartbeat that completes the view
    await page.wait_for_timeout(500)

    office = await browser.new_context(base_url=web_platform.base, viewport=DESKTOP, locale="ru-RU")
    admin = await office.new_page()
    await sign_in(admin, staff.email, staff.password)
    await admin.goto("/admin")
    signups = admin.get_by_role("figure", name="Регистрации")
    await expect(signups.locator("figcaption strong")).not_to_have_text("0")
    await expect(signups.locator(".recharts-bar-rectangle").first).to_be_visible()
    views = admin.get_by_role("figure", name="Просмотры")
    await expect(views.locator("figcaption strong")).not_to_have_text("0")
    await expect(
        admin.get_by_role("figure", name="Самые смотримые").get_by_role("listitem").first
    ).to_be_visible()
    await check_accessibility(admin, "dashboard")
    await shoot(admin, "admin-dashboard")
    await office.close()
