"""The local dev tools (/dev/outbox, the local Stripe at /dev/stripe) exist only where they are
safe: in the local shape, in use (the outbox mailer, no real Stripe key), on a loopback bind
(or explicitly opened, with a warning), and they never answer a web page of another site that
points its DNS name at 127.0.0.1."""

from __future__ import annotations

import logging
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest
from tests.serving import CINEMA, _env

from cinema.core.settings import get_settings
from cinema.local import dev_tools
from cinema.local.services.backing import free_port

REMOTE = ("203.0.113.7", 50000)
LOOPBACK = ("127.0.0.1", 50001)


@asynccontextmanager
async def _http(app, peer: tuple[str, int], host: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=peer)
    async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as http:
        yield http


@pytest.fixture
def configured(monkeypatch) -> Iterator[pytest.MonkeyPatch]:
    """Settings for an app built by the test (the session's app is not rebuilt)."""
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()


def _build(monkeypatch: pytest.MonkeyPatch, **env: str):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    from cinema.local.app import create_app  # noqa: PLC0415

    return create_app()


async def test_the_outbox_answers_this_machine(app, services):
    for host in ("127.0.0.1:8000", "localhost:5173", "[::1]:8000", "localhost"):
        async with _http(app, LOOPBACK, host) as http:
            assert (await http.get("/dev/outbox")).status_code == 200, host
            assert (await http.get("/dev/outbox.html")).status_code == 200, host
            assert (await http.get("/dev/stripe/")).status_code == 200, host


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", "10.0.0.5:8000"]
)
async def test_a_page_of_another_site_rebound_to_loopback_gets_nothing(app, services, host):
    """DNS rebinding: the browser connects to 127.0.0.1 but names the attacker's host."""
    async with _http(app, LOOPBACK, host) as http:
        for path in ("/dev/outbox", "/dev/outbox.html", "/dev/stripe/"):
            assert (await http.get(path)).status_code == 404, path
        refund = await http.post("/dev/stripe/charges/ch_x/refund")
        assert refund.status_code == 404


async def test_nothing_is_mounted_on_a_public_bind(configured, services):
    app = _build(configured, CINEMA_HOST="0.0.0.0")  # noqa: S104 - the point of the test
    async with _http(app, LOOPBACK, "127.0.0.1:8000") as http:
        for path in ("/dev/outbox", "/dev/outbox.html", "/dev/stripe/", "/dev/stripe/v1/customers"):
            assert (await http.get(path)).status_code == 404, path


async def test_opened_on_purpose_the_local_stripe_serves_payers_but_not_the_outbox(
    configured, services, caplog
):
    with caplog.at_level(logging.WARNING, logger="cinema.local"):
        app = _build(configured, CINEMA_HOST="0.0.0.0", CINEMA_DEV_TOOLS_PUBLIC="true")  # noqa: S104
    assert any("CINEMA_DEV_TOOLS_PUBLIC" in r.getMessage() for r in caplog.records)
    async with _http(app, REMOTE, "cinema.example:8000") as http:
        # payers on other machines: the checkout pages and the key-guarded API
        assert (await http.get("/dev/stripe/checkout/cs_nope")).status_code == 404
        assert (await http.post("/dev/stripe/v1/customers", data={"email": "a@b.c"})).status_code == 401
        # the operator's tools stay on this machine; reset links are never on the network
        assert (await http.get("/dev/stripe/")).status_code == 404
        assert (await http.get("/dev/outbox")).status_code == 404
    async with _http(app, LOOPBACK, "127.0.0.1:8000") as http:
        assert (await http.get("/dev/stripe/")).status_code == 200
        assert (await http.get("/dev/outbox")).status_code == 404


async def test_a_real_stripe_key_unmounts_the_local_stripe(configured, services):
    app = _build(configured, CINEMA_STRIPE_API_KEY="sk_test_a_real_account")
    async with _http(app, LOOPBACK, "127.0.0.1:8000") as http:
        assert (await http.get("/dev/stripe/")).status_code == 404
        assert (await http.post("/dev/stripe/v1/customers")).status_code == 404
        assert (await http.get("/dev/outbox")).status_code == 200  # mail still goes to the outbox


async def test_mail_through_ses_unmounts_the_outbox(configured, services):
    app = _build(configured, CINEMA_MAILER="ses")
    async with _http(app, LOOPBACK, "127.0.0.1:8000") as http:
        assert (await http.get("/dev/outbox")).status_code == 404
        assert (await http.get("/dev/stripe/")).status_code == 200


@pytest.mark.parametrize(
    ("host", "public", "stripe_key", "verdict"),
    [
        ("127.0.0.1", False, "", "ok"),
        ("localhost", False, "", "ok"),
        ("::1", False, "", "ok"),
        ("0.0.0.0", False, "", "refuse"),  # noqa: S104
        ("192.168.1.10", False, "", "refuse"),
        ("0.0.0.0", True, "", "warn"),  # noqa: S104
        ("0.0.0.0", False, "sk_test_real", "warn"),  # noqa: S104 - only the outbox page is off
    ],
)
def test_the_bind_check_of_cinema_serve(configured, host, public, stripe_key, verdict):
    configured.setenv("CINEMA_HOST", host)
    configured.setenv("CINEMA_DEV_TOOLS_PUBLIC", str(public).lower())
    configured.setenv("CINEMA_STRIPE_API_KEY", stripe_key)
    configured.delenv("CINEMA_STRIPE_API_BASE", raising=False)
    get_settings.cache_clear()
    check = dev_tools.bind_check(get_settings())
    assert check.verdict == verdict, check
    if verdict != "ok":
        assert check.message


def test_cinema_serve_refuses_a_public_bind_with_the_dev_tools(tmp_path):
    env = _env(tmp_path / "state", free_port())
    done = subprocess.run(
        [CINEMA, "serve", "--host", "0.0.0.0"],  # noqa: S104
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "CINEMA_DEV_TOOLS_PUBLIC" in done.stdout
    assert not (tmp_path / "state" / "postgres").exists()  # refused before starting anything
