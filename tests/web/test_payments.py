"""Paying through the web app: the paywall, Stripe Checkout (the platform's local one, which
posts real signed webhooks), the success page that waits for access, then playback."""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import Page, expect
from tests.web.conftest import check_accessibility, shoot, sign_up, wait_playing


async def pay_on_checkout_page(page: Page) -> None:
    await expect(page).to_have_url(re.compile(r"/dev/stripe/checkout/"))
    await page.get_by_role("button", name=re.compile(r"^Pay [0-9]")).click()


async def test_paywall_subscribe_and_play(page: Page, paid_films: dict[str, dict[str, Any]]):
    film = paid_films["subscription"]
    await sign_up(page)
    await page.goto(f"/watch/{film['id']}")
    await expect(page.get_by_role("heading", name=re.compile("доступен по подписке"))).to_be_visible()
    await shoot(page, "paywall")

    await page.get_by_role("link", name="Оформить подписку").click()
    await expect(page.get_by_role("heading", name="Подписка", level=1)).to_be_visible()
    await shoot(page, "plans")
    await page.get_by_role("button", name="Оформить").first.click()
    await pay_on_checkout_page(page)

    await expect(page).to_have_url(re.compile(r"/payments/success"))
    await expect(page.get_by_role("heading", name="Оплата прошла")).to_be_visible(timeout=30_000)
    await check_accessibility(page, "checkout success")
    await shoot(page, "checkout-success")
    await page.get_by_role("link", name=re.compile("Смотреть")).click()
    await wait_playing(page, 1)

    await page.goto("/account/subscription")
    await expect(page.get_by_text("активна")).to_be_visible()


async def test_buy_a_film_and_find_the_payment_in_the_cabinet(
    page: Page, paid_films: dict[str, dict[str, Any]]
):
    film = paid_films["purchase"]
    await sign_up(page)
    await page.goto(f"/films/{film['id']}")
    buy = page.get_by_role("button", name=re.compile(r"Купить за 199"))
    await expect(buy).to_be_visible()
    await buy.click()
    await pay_on_checkout_page(page)

    await expect(page.get_by_role("heading", name="Оплата прошла")).to_be_visible(timeout=30_000)
    await page.get_by_role("link", name=re.compile("Смотреть")).click()
    await wait_playing(page, 1)

    await page.goto("/account/payments")
    row = page.get_by_role("row").filter(has_text=film["title"])
    await expect(row).to_contain_text("оплачен")
    await expect(row).to_contain_text("199")
    await shoot(page, "cabinet-payments")

    await page.goto(f"/films/{film['id']}")  # bought: the one action is Play now
    await expect(page.get_by_role("link", name=re.compile("Смотреть|Продолжить"))).to_be_visible()
