"""`cinema serve` with the web app built: Stripe (the local one) sends people back to the web
app's routes, and the password-reset mail links to its page."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from cinema.core.settings import get_settings
from cinema.local.stack import configure_stripe

API = "/api/v1"
APP = "http://127.0.0.1:8000"  # what `cinema serve` serves on by default


@pytest.fixture
def environ() -> Iterator[dict[str, str]]:
    """os.environ as the test leaves it is put back as it was (configure_stripe writes to it)."""
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
    get_settings.cache_clear()


@pytest.fixture
def served_with_the_web_app(environ, tmp_path) -> None:
    """The settings `cinema serve` leaves when a build is there and nothing else is configured."""
    configure_stripe(tmp_path, APP, web_app=True)
    get_settings.cache_clear()


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
    configure_stripe(tmp_path, APP, web_app=False)
    assert (
        environ["CINEMA_CHECKOUT_SUCCESS_URL"] == f"{APP}/dev/stripe/done?session_id={{CHECKOUT_SESSION_ID}}"
    )
    assert environ["CINEMA_CHECKOUT_CANCEL_URL"] == f"{APP}/dev/stripe/"


def test_with_a_build_no_return_url_is_forced(environ, tmp_path):
    configure_stripe(tmp_path, APP, web_app=True)
    assert "CINEMA_CHECKOUT_SUCCESS_URL" not in environ
    assert "CINEMA_PORTAL_RETURN_URL" not in environ


async def test_the_reset_mail_links_to_the_web_apps_page(client, accounts, served_with_the_web_app):
    account = await accounts.create()
    assert (await client.post(f"{API}/auth/password-reset", json={"email": account.email})).status_code == 202
    mail = (await client.get("/dev/outbox", params={"to": account.email})).json()["items"][0]["text"]
    assert re.search(rf"{re.escape(APP)}/reset-password\?token=[A-Za-z0-9_\-]+", mail)
