"""The refresh token as an httpOnly cookie: what the web app relies on to stay signed in
across reloads while keeping the access token in memory only."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from cinema.core.settings import get_settings

API = "/api/v1"
COOKIE = "cinema_refresh"


@pytest.fixture
async def browser(app, _engine_lifetime) -> AsyncIterator[httpx.AsyncClient]:
    """A client on a loopback origin, as the local web app is: the cookie is not Secure there,
    so httpx's cookie jar sends it back over http like a browser would."""
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as http:
        yield http


async def _sign_in(http: httpx.AsyncClient, accounts) -> tuple[object, httpx.Response]:
    account = await accounts.create()
    response = await http.post(
        f"{API}/auth/token", data={"username": account.email, "password": account.password}
    )
    assert response.status_code == 200, response.text
    return account, response


def _set_cookie(response: httpx.Response) -> str:
    return "; ".join(v for k, v in response.headers.multi_items() if k == "set-cookie")


async def test_sign_in_sets_an_http_only_strict_cookie_scoped_to_auth(browser, accounts):
    _, response = await _sign_in(browser, accounts)
    header = _set_cookie(response)
    assert f"{COOKIE}={response.json()['refresh_token']}" in header
    assert "HttpOnly" in header
    assert "Path=/api/v1/auth" in header
    assert "SameSite=strict" in header
    assert f"Max-Age={get_settings().refresh_token_days * 86400}" in header
    assert "Secure" not in header  # loopback: http://127.0.0.1 has no TLS


async def test_the_cookie_is_secure_on_any_other_host(client, accounts):
    account = await accounts.create()
    response = await client.post(  # client's host is "testserver"
        f"{API}/auth/token", data={"username": account.email, "password": account.password}
    )
    assert "Secure" in _set_cookie(response)


async def test_a_reload_restores_the_session_with_the_cookie_and_no_body(browser, accounts):
    account, signed_in = await _sign_in(browser, accounts)
    restored = await browser.post(f"{API}/auth/refresh")  # no body, no content type
    assert restored.status_code == 200, restored.text
    pair = restored.json()
    assert pair["refresh_token"] != signed_in.json()["refresh_token"]
    assert browser.cookies[COOKIE] == pair["refresh_token"]  # rotated in the cookie too
    me = await browser.get(f"{API}/users/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert me.json()["email"] == account.email
    again = await browser.post(f"{API}/auth/refresh", json={})  # an empty JSON object works too
    assert again.status_code == 200
    # what the web app sends: a JSON content type, no body at all
    web_app = await browser.post(
        f"{API}/auth/refresh",
        headers={"Content-Type": "application/json", "X-Requested-With": "cinema-web"},
    )
    assert web_app.status_code == 200, web_app.text


async def test_no_cookie_and_no_body_is_401(browser):
    response = await browser.post(f"{API}/auth/refresh")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    typed = await browser.post(f"{API}/auth/refresh", headers={"Content-Type": "application/json"})
    assert typed.status_code == 401


async def test_a_spent_cookie_is_401_and_cleared(browser, accounts):
    _, signed_in = await _sign_in(browser, accounts)
    old = signed_in.json()["refresh_token"]
    assert (await browser.post(f"{API}/auth/refresh")).status_code == 200
    browser.cookies.set(COOKIE, old, domain="127.0.0.1", path="/api/v1/auth")
    replayed = await browser.post(f"{API}/auth/refresh")
    assert replayed.status_code == 401
    assert f'{COOKIE}=""' in _set_cookie(replayed)
    assert "Max-Age=0" in _set_cookie(replayed)
    assert COOKIE not in browser.cookies


async def test_the_body_form_still_works_and_wins_over_the_cookie(browser, client, accounts):
    _, _signed_in = await _sign_in(browser, accounts)
    other = await accounts.create()
    response = await browser.post(f"{API}/auth/refresh", json={"refresh_token": other.refresh_token})
    assert response.status_code == 200
    me = await client.get(
        f"{API}/users/me", headers={"Authorization": f"Bearer {response.json()['access_token']}"}
    )
    assert me.json()["email"] == other.email
    # the browser's own cookie token was not spent by that
    assert (await browser.post(f"{API}/auth/refresh")).status_code == 200


async def test_a_cookie_refresh_from_another_site_is_refused(browser, accounts):
    await _sign_in(browser, accounts)
    foreign = await browser.post(f"{API}/auth/refresh", headers={"Origin": "https://evil.example"})
    cross = await browser.post(f"{API}/auth/refresh", headers={"Sec-Fetch-Site": "cross-site"})
    own = await browser.post(
        f"{API}/auth/refresh", headers={"Origin": "http://127.0.0.1:8000", "Sec-Fetch-Site": "same-origin"}
    )
    assert (foreign.status_code, cross.status_code, own.status_code) == (403, 403, 200)


async def test_a_cross_site_sign_in_sets_no_cookie(browser, accounts):
    account = await accounts.create()
    response = await browser.post(
        f"{API}/auth/token",
        data={"username": account.email, "password": account.password},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 200
    assert COOKIE not in _set_cookie(response)


async def test_logout_with_the_cookie_ends_the_session_and_clears_it(browser, accounts):
    _, signed_in = await _sign_in(browser, accounts)
    access = signed_in.json()["access_token"]
    out = await browser.post(f"{API}/auth/logout", headers={"Authorization": f"Bearer {access}"})
    assert out.status_code == 204
    assert "Max-Age=0" in _set_cookie(out)
    assert COOKIE not in browser.cookies
    # the family is revoked: the token the cookie held no longer refreshes
    spent = await browser.post(
        f"{API}/auth/refresh", json={"refresh_token": signed_in.json()["refresh_token"]}
    )
    assert spent.status_code == 401


async def test_logout_without_any_token_is_204_and_the_body_form_still_works(browser, client, accounts):
    account = await accounts.create()
    bare = await client.post(f"{API}/auth/logout", headers=account.auth)
    assert bare.status_code == 204
    body = await client.post(
        f"{API}/auth/logout", json={"refresh_token": account.refresh_token}, headers=account.auth
    )
    assert body.status_code == 204
    refused = await client.post(f"{API}/auth/refresh", json={"refresh_token": account.refresh_token})
    assert refused.status_code == 401


async def test_openapi_documents_the_cookie_and_an_optional_body(client):
    schema = (await client.get(f"{API}/openapi.json")).json()
    refresh = schema["paths"]["/api/v1/auth/refresh"]["post"]
    assert refresh["requestBody"].get("required", False) is False
    assert COOKIE in refresh["description"]
    assert {"401", "403", "422"} <= refresh["responses"].keys()
