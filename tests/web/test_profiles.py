"""Profiles in the web app (issue 16): who is watching, a kids profile that never sees a film
above its limit and gets a simpler look, a PIN-protected profile behind the PIN prompt, history
that belongs to a profile, and the profiles managed (add, edit, delete) from the same screen."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.async_api import Page, expect
from tests.web.conftest import API, Staff, check_accessibility, shoot, sign_up

KIDS_SEES = ("0+", "6+")


def switcher(name: str) -> re.Pattern[str]:
    """The header's link to the "who is watching?" screen, naming the profile watching."""
    return re.compile(rf"^Профиль: {re.escape(name)} \(сменить профиль\)$")


class Viewer:
    """The same account through the API (its own session): what each profile is answered."""

    def __init__(self, base: str, email: str, password: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=60)
        token = self.http.post(f"{API}/auth/token", data={"username": email, "password": password})
        assert token.status_code == 200, token.text
        self.http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

    def profiles(self) -> list[dict[str, Any]]:
        answer = self.http.get(f"{API}/me/profiles")
        assert answer.status_code == 200, answer.text
        return answer.json()["items"]

    def profile(self, name: str) -> dict[str, Any]:
        return next(p for p in self.profiles() if p["name"] == name)

    def films(self, profile_id: str, **query: Any) -> list[dict[str, Any]]:
        answer = self.http.get(f"{API}/films", params=query, headers={"X-Profile-Id": profile_id})
        assert answer.status_code == 200, answer.text
        return answer.json()["items"]


async def card_ids(page: Page) -> list[str]:
    cards = page.locator(".grid .film-card")
    await expect(cards.first).to_be_visible()
    hrefs = await cards.evaluate_all("cards => cards.map(c => c.getAttribute('href'))")
    return [href.rsplit("/", 1)[-1] for href in hrefs]


async def add_profile(
    page: Page, name: str, *, kids: bool = False, rating: str | None = None, pin: str = ""
) -> None:
    await page.get_by_role("button", name="Добавить профиль").click()
    form = page.locator("form.profile-form")
    await form.get_by_label("Имя").fill(name)
    if kids:
        await form.get_by_label("Детский профиль").check()
        # a kids profile goes up to 12+ only: the select offers nothing above
        options = await form.get_by_label("Возрастное ограничение").locator("option").all_inner_texts()
        assert not any(o.startswith(("16+", "18+")) for o in options), options
    if rating:
        await form.get_by_label("Возрастное ограничение").select_option(rating)
    if pin:
        await form.get_by_label("PIN-код (необязательно)").fill(pin)
    if kids:
        await shoot(page, "profiles-manage-form")
    await form.get_by_role("button", name="Создать профиль").click()
    await expect(page.get_by_role("button", name=f"Изменить профиль {name}")).to_be_visible()


async def history_titles(page: Page) -> list[str]:
    await page.goto("/account/history")
    await expect(page.locator(".spinner:not(.spinner-inline)")).to_have_count(0)
    return await page.locator(".grid .film-card .film-card-title").all_inner_texts()


async def test_profiles_kids_limit_pin_and_history(page: Page, staff: Staff, web_platform: Any):
    email, password = await sign_up(page, name="Мама")
    viewer = Viewer(web_platform.base, email, password)
    first = viewer.profiles()
    assert len(first) == 1, first
    default_name = first[0]["name"]

    # The header shows who is watching; it leads to the "who is watching?" screen.
    await page.get_by_role("link", name=re.compile(r"^Профиль: .* \(сменить профиль\)$")).click()
    await expect(page.get_by_role("heading", name="Кто смотрит?")).to_be_visible()
    await page.get_by_role("button", name="Управление профилями").click()
    await add_profile(page, "Малыш", kids=True, rating="6+")
    await add_profile(page, "Папа", pin="4321")
    await page.get_by_role("button", name="Готово").click()
    await expect(page.get_by_role("button", name="Папа (защищён PIN-кодом)")).to_be_visible()
    await check_accessibility(page, "who is watching")
    await shoot(page, "profiles-who-is-watching")

    kids, dad = viewer.profile("Малыш"), viewer.profile("Папа")
    assert (kids["is_kids"], kids["max_age_rating"], kids["has_pin"]) == (True, "6+", False), kids
    assert (dad["is_kids"], dad["max_age_rating"], dad["has_pin"]) == (False, "18+", True), dad

    # The kids profile: the simpler look, and no film above 6+ anywhere in the catalog.
    await page.get_by_role("button", name="Малыш", exact=True).click()
    await expect(page.locator(".shell.kids")).to_be_visible()
    await expect(page.get_by_role("link", name=switcher("Малыш"))).to_be_visible()
    await expect(page.get_by_role("link", name="Кабинет")).to_have_count(0)
    await expect(page.get_by_role("link", name="Подписка")).to_have_count(0)
    await page.goto("/films")
    shown = await card_ids(page)
    answered = [f["id"] for f in viewer.films(kids["id"], limit=len(shown))]
    assert shown == answered, (shown, answered)
    rating_of = {f["id"]: f["age_rating"] for f in staff.films()}
    assert all(rating_of[i] in KIDS_SEES for i in shown), [rating_of[i] for i in shown]
    adult_first_page = [f["id"] for f in viewer.films(first[0]["id"], limit=len(shown))]
    assert adult_first_page != shown  # the default profile (18+) is answered other films
    await check_accessibility(page, "kids catalog")
    await shoot(page, "profiles-kids-catalog")
    await page.goto("/")
    await shoot(page, "profiles-kids-home")

    # A direct link to an 18+ film: a friendly page, on the film page and in the player.
    adult_film = next(f for f in staff.films() if f["age_rating"] == "18+")
    await page.goto(f"/films/{adult_film['id']}")
    await expect(page.get_by_role("heading", name="Этот фильм недоступен для профиля")).to_be_visible()
    await expect(page.get_by_text(adult_film["title"])).to_have_count(0)
    await check_accessibility(page, "not available")
    await shoot(page, "profiles-not-available")
    await page.goto(f"/watch/{adult_film['id']}")
    await expect(page.get_by_role("heading", name="Этот фильм недоступен для профиля")).to_be_visible()
    await shoot(page, "profiles-not-available-player")

    # Back to a grown-up through the PIN prompt: a wrong PIN first.
    await page.goto("/")
    await page.get_by_role("link", name=switcher("Малыш")).click()
    await expect(page.get_by_role("heading", name="Кто смотрит?")).to_be_visible()
    # a child does not manage the family's profiles
    await expect(page.get_by_role("button", name="Управление профилями")).to_have_count(0)
    await page.get_by_role("button", name="Папа (защищён PIN-кодом)").click()
    prompt = page.get_by_role("dialog", name="PIN профиля «Папа»")
    await prompt.get_by_label("PIN-код").fill("0000")
    await prompt.get_by_role("button", name="Продолжить").click()
    await expect(prompt.get_by_role("alert")).to_contain_text("Неверный PIN-код")
    await expect(prompt.get_by_label("PIN-код")).to_have_value("")
    await check_accessibility(page, "PIN prompt")
    await shoot(page, "profiles-pin-prompt")
    await prompt.get_by_label("PIN-код").fill("4321")
    await prompt.get_by_role("button", name="Продолжить").click()
    await expect(page.get_by_role("link", name=switcher("Папа"))).to_be_visible()
    await expect(page.locator(".shell.kids")).to_have_count(0)
    await page.goto(f"/films/{adult_film['id']}")
    await expect(page.get_by_role("heading", level=1, name=adult_film["title"])).to_be_visible()

    # History belongs to a profile: what Папа watched is his alone.
    free_film = next(f for f in staff.films() if f["access"] == "free" and f["age_rating"] in KIDS_SEES)
    watched = viewer.http.put(
        f"{API}/films/{free_film['id']}/progress",
        json={"position_seconds": 30},
        headers={"X-Profile-Id": dad["id"]},
    )
    assert watched.status_code in (200, 204), watched.text
    # heartbeats are written in batches: the history has it within a few seconds
    for _ in range(30):
        if free_film["title"] in await history_titles(page):
            break
        await page.wait_for_timeout(500)
    else:
        raise AssertionError(f"{free_film['title']} never reached Папа's history")
    await page.get_by_role("link", name=switcher("Папа")).click()
    await page.get_by_role("button", name=default_name, exact=True).click()
    await expect(page.get_by_role("link", name=switcher(default_name))).to_be_visible()
    assert free_film["title"] not in await history_titles(page)

    # Signing in again on an account with several profiles asks who is watching.
    await page.get_by_role("button", name="Выйти").click()
    await expect(page.get_by_role("link", name="Войти")).to_be_visible()
    assert await page.evaluate("localStorage.getItem('cinema.profile')") is None
    await page.goto("/login")
    await page.get_by_label("Эл. почта").fill(email)
    await page.get_by_label("Пароль", exact=True).fill(password)
    await page.get_by_role("button", name="Войти", exact=True).click()
    await expect(page.get_by_role("heading", name="Кто смотрит?")).to_be_visible()
    await page.get_by_role("button", name="Малыш", exact=True).click()
    await expect(page.locator(".shell.kids")).to_be_visible()


async def test_manage_profiles_edit_and_delete(page: Page, web_platform: Any):
    email, password = await sign_up(page, name="Хозяин")
    viewer = Viewer(web_platform.base, email, password)
    default_name = viewer.profiles()[0]["name"]
    await page.goto("/profiles")
    await page.get_by_role("button", name="Управление профилями").click()
    await add_profile(page, "Гость", pin="1111")

    # A protected profile's settings open only after its PIN.
    await page.get_by_role("button", name="Изменить профиль Гость").click()
    prompt = page.get_by_role("dialog", name="PIN профиля «Гость»")
    await prompt.get_by_label("PIN-код").fill("1111")
    await prompt.get_by_role("button", name="Продолжить").click()
    form = page.locator("form.profile-form")
    await form.get_by_label("Имя").fill("Гости")
    await form.get_by_label("Возрастное ограничение").select_option("16+")
    await form.get_by_label("Убрать PIN").check()
    await shoot(page, "profiles-edit-form")
    await form.get_by_role("button", name="Сохранить").click()
    await expect(page.get_by_role("button", name="Изменить профиль Гости")).to_be_visible()
    guests = viewer.profile("Гости")
    assert (guests["max_age_rating"], guests["has_pin"]) == ("16+", False), guests

    # Delete it (no PIN any more), then try the last one: the API refuses and we say why.
    await page.get_by_role("button", name="Изменить профиль Гости").click()
    await page.get_by_role("button", name="Удалить профиль").click()
    confirm = page.get_by_role("dialog", name="Удалить профиль «Гости»?")
    await confirm.get_by_role("button", name="Удалить", exact=True).click()
    await expect(page.get_by_role("button", name=f"Изменить профиль {default_name}")).to_be_visible()
    await expect(page.get_by_role("button", name="Изменить профиль Гости")).to_have_count(0)
    assert [p["name"] for p in viewer.profiles()] == [default_name]

    await page.get_by_role("button", name=f"Изменить профиль {default_name}").click()
    await page.get_by_role("button", name="Удалить профиль").click()
    confirm = page.get_by_role("dialog", name=f"Удалить профиль «{default_name}»?")
    await confirm.get_by_role("button", name="Удалить", exact=True).click()
    await expect(confirm.get_by_role("alert")).to_contain_text("единственный профиль")
    await shoot(page, "profiles-last-profile")

    # Too many wrong PINs: the prompt says how long to wait (the API's 429 and Retry-After).
    await confirm.get_by_role("button", name="Отмена").click()
    await page.locator("form.profile-form").get_by_role("button", name="Отмена").click()
    await add_profile(page, "Сейф", pin="2222")
    await page.get_by_role("button", name="Готово").click()
    await page.get_by_role("button", name="Сейф (защищён PIN-кодом)").click()
    prompt = page.get_by_role("dialog", name="PIN профиля «Сейф»")
    statuses = []
    for attempt in range(6):
        await prompt.get_by_label("PIN-код").fill(f"{attempt:04d}")
        async with page.expect_response(
            lambda r: "/me/profiles/" in r.url and r.request.method == "PATCH"
        ) as answer:
            await prompt.get_by_role("button", name="Продолжить").click()
        statuses.append((await answer.value).status)
        if statuses[-1] == 429:
            break
        await expect(prompt.get_by_role("alert")).to_contain_text("Неверный PIN-код")
    assert statuses[-1] == 429, statuses
    assert set(statuses[:-1]) == {403}, statuses
    await expect(prompt.get_by_role("alert")).to_contain_text(
        re.compile(r"Слишком много неверных попыток\. Попробуйте через \d+ (минут|секунд)")
    )
    await shoot(page, "profiles-pin-locked")
