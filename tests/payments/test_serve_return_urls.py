"""`cinema serve` with the web app built: Stripe (the local one) sends people back to the web
app's routes, and the password-reset mail links to its page."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from cinema.core.settings import Settings, use_settings
from cinema.local.stack import stripe_settings

API = "/api/v1"
APP = "http://127.0.0.1:8000"  # what `cinema serve` serves on by default


@pytest.fixture
def environ() -> Iterator[dict[str, str]]:
    """os.environ without the settings `cinema serve` chooses when they are unset."""
    saved = dict(os.environ)
    for name in (
        "CINEMA_STRIPE_API_KEY",
        "CINEMA_CHECKOUT_SUCCESS_URL",
        "CINEMA_CHECKOUT_CANCEL_URL",
        "CINEMA_PORTAL_RETURN_URL",
        "CINEMA_WEB_URL",
        "CINEMA_PUBLIC_URL",
    ):
        os.environ.pop(name, None)
    yield os.environ
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def served_with_the_web_app(environ, tmp_path) -> Iterator[None]:
    """The settings `cinema serve` chooses when a build is there and nothing else is configured."""
    chosen, _ = stripe_settings(tmp_path, APP, web_app=True)
    use_settings(Settings(**chosen))
    yield
    use_settings(None)


async def test_checkout_and_the_portal_return_to_the_web_app(
    client, viewer, catalog, fake, served_with_the_web_app
):
    film = await catalog.film(access="purchase", price={"amount": 24900, "currency": "RUB"})
    checkout = await client.post(
        f"{API}/payments/checkout", json={"kind": "film", "film_id": film["id"]}, headers=viewer.auth
    )
    assert checkout.status_code == 201, checkout.text
    page = await client.get(checkout.json()["checkout_url"])
    assert f"href='{APP}/payments/cancel'" in page.text
    paid = await client.post(
        f"{urlsplit(checkout.json()['checkout_url']).path}/pay", data={"outcome": "succeeded"}
    )
    assert paid.status_code == 303
    assert paid.headers["location"] == f"{APP}/payments/success?session_id={checkout.json()['session_id']}"
    portal = await client.post(f"{API}/payments/portal", headers=viewer.auth)
    portal_page = await client.get(urlsplit(portal.json()["url"]).path)
    assert f"href='{APP}/account'" in portal_page.text


def test_without_a_build_the_local_stripe_keeps_its_own_pages(environ, tmp_path):
    before = dict(environ)
    chosen, _ = stripe_settings(tmp_path, APP, web_app=False)
    assert chosen["checkout_success_url"] == f"{APP}/dev/stripe/done?session_id={{CHECKOUT_SESSION_ID}}"
    assert chosen["checkout_cancel_url"] == f"{APP}/dev/stripe/"
    assert environ == before  # chosen, not written into the environment


def test_with_a_build_no_return_url_is_forced(environ, tmp_path):
    chosen, _ = stripe_settings(tmp_path, APP, web_app=True)
    assert "checkout_success_url" not in chosen
    assert "portal_return_url" not in chosen


def test_what_the_environment_names_wins_over_the_local_choice(environ, tmp_path):
    environ["CINEMA_CHECKOUT_CANCEL_URL"] = "https://example.test/cancel"
    chosen, _ = stripe_settings(tmp_path, APP, web_app=False)
    assert "checkout_cancel_url" not in chosen
    environ["CINEMA_STRIPE_API_KEY"] = "sk_test_a_real_account"
    chosen, line = stripe_settings(tmp_path, APP, web_app=False)
    assert "stripe_api_key" not in chosen
    assert "stripe_api_base" not in chosen
    assert "your key" in line


async def test_the_reset_mail_links_to_the_web_apps_page(client, accounts, served_with_the_web_app):
    account = await accounts.create()
    assert (await client.post(f"{API}/auth/password-reset", json={"email": account.email})).status_code == 202
    mail = (await client.get("/dev/outbox", params={"to": account.email})).json()["items"][0]["text"]
    assert re.search(rf"{re.escape(APP)}/reset-password\?token=[A-Za-z0-9_\-]+", mail)
