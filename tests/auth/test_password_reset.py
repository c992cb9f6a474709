from __future__ import annotations

import re

from sqlalchemy import text

from cinema.core import db
from cinema.core.settings import get_settings
from cinema.mail.outbox import read_outbox

API = "/api/v1"


async def _reset_token_for(client, email: str) -> str:
    outbox = (await client.get("/dev/outbox", params={"to": email})).json()["items"]
    assert outbox, "no reset mail was sent"
    match = re.search(r"token=([A-Za-z0-9_\-]+)", outbox[0]["text"])
    assert match
    return match.group(1)


async def test_reset_through_the_outbox(client, accounts):
    account = await accounts.create()
    asked = await client.post(f"{API}/auth/password-reset", json={"email": account.email})
    assert asked.status_code == 202
    token = await _reset_token_for(client, account.email)

    done = await client.post(
        f"{API}/auth/password-reset/confirm", json={"token": token, "new_password": "a brand new secret"}
    )
    assert done.status_code == 204
    old = await client.post(
        f"{API}/auth/token", data={"username": account.email, "password": account.password}
    )
    new = await client.post(
        f"{API}/auth/token", data={"username": account.email, "password": "a brand new secret"}
    )
    assert (old.status_code, new.status_code) == (401, 200)
    # Every session signed in with the old password is over.
    refresh = await client.post(f"{API}/auth/refresh", json={"refresh_token": account.refresh_token})
    assert refresh.status_code == 401


async def test_unknown_email_gets_the_same_answer_and_no_mail(client):
    response = await client.post(f"{API}/auth/password-reset", json={"email": "ghost@kino.io"})
    assert response.status_code == 202
    assert read_outbox(get_settings().outbox_dir, to="ghost@kino.io") == []


async def test_known_and_unknown_emails_are_indistinguishable(client, accounts):
    account = await accounts.create()
    known = await client.post(f"{API}/auth/password-reset", json={"email": account.email})
    unknown = await client.post(f"{API}/auth/password-reset", json={"email": "ghost@kino.io"})
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())


async def test_a_reset_token_works_once(client, accounts):
    account = await accounts.create()
    await client.post(f"{API}/auth/password-reset", json={"email": account.email})
    token = await _reset_token_for(client, account.email)
    first = await client.post(
        f"{API}/auth/password-reset/confirm", json={"token": token, "new_password": "first new pass"}
    )
    second = await client.post(
        f"{API}/auth/password-reset/confirm", json={"token": token, "new_password": "second new pass"}
    )
    assert (first.status_code, second.status_code) == (204, 400)
    login = await client.post(
        f"{API}/auth/token", data={"username": account.email, "password": "first new pass"}
    )
    assert login.status_code == 200


async def test_an_expired_reset_token_is_refused(client, accounts):
    account = await accounts.create()
    await client.post(f"{API}/auth/password-reset", json={"email": account.email})
    token = await _reset_token_for(client, account.email)
    async with db.engine().begin() as conn:
        await conn.execute(text("UPDATE password_reset_tokens SET expires_at = now() - interval '1 second'"))
    response = await client.post(
        f"{API}/auth/password-reset/confirm", json={"token": token, "new_password": "too late now"}
    )
    assert response.status_code == 400
    assert "expired" in response.json()["detail"]


async def test_only_the_newest_reset_link_works(client, accounts):
    account = await accounts.create()
    await client.post(f"{API}/auth/password-reset", json={"email": account.email})
    older = await _reset_token_for(client, account.email)
    await client.post(f"{API}/auth/password-reset", json={"email": account.email})
    newer = await _reset_token_for(client, account.email)
    assert older != newer
    stale = await client.post(
        f"{API}/auth/password-reset/confirm", json={"token": older, "new_password": "from old link"}
    )
    fresh = await client.post(
        f"{API}/auth/password-reset/confirm", json={"token": newer, "new_password": "from new link"}
    )
    assert (stale.status_code, fresh.status_code) == (400, 204)


async def test_confirm_checks_the_password_policy_and_keeps_the_token(client, accounts):
    account = await accounts.create()
    await client.post(f"{API}/auth/password-reset", json={"email": account.email})
    token = await _reset_token_for(client, account.email)
    weak = await client.post(
        f"{API}/auth/password-reset/confirm", json={"token": token, "new_password": account.email}
    )
    assert weak.status_code == 422
    ok = await client.post(
        f"{API}/auth/password-reset/confirm", json={"token": token, "new_password": "a strong one now"}
    )
    assert ok.status_code == 204


async def test_garbage_reset_token_is_refused(client):
    response = await client.post(
        f"{API}/auth/password-reset/confirm", json={"token": "garbage", "new_password": "whatever it is"}
    )
    assert response.status_code == 400


async def test_reset_requests_are_rate_limited_per_account(client, accounts):
    account = await accounts.create()
    limit = get_settings().reset_account_limit
    codes = [
        (await client.post(f"{API}/auth/password-reset", json={"email": account.email})).status_code
        for _ in range(limit + 1)
    ]
    assert codes == [202] * limit + [429]
    assert len(read_outbox(get_settings().outbox_dir, to=account.email)) == limit


async def test_outbox_page_lists_mail_as_html(client, accounts):
    account = await accounts.create()
    await client.post(f"{API}/auth/password-reset", json={"email": account.email})
    page = await client.get("/dev/outbox.html")
    assert page.status_code == 200
    assert "Reset your Cinema password" in page.text
    assert page.headers["content-type"].startswith("text/html")


async def test_reset_request_time_does_not_tell_whether_the_email_exists(client, accounts, monkeypatch):
    """The answer costs the same whether an account exists or not: the lookup, the token and
    the mail happen after the response, in a job of fixed length (what a client could time,
    the whole app call, is measured here: ASGITransport waits for background tasks too)."""
    import statistics  # noqa: PLC0415
    import time  # noqa: PLC0415

    monkeypatch.setattr(get_settings(), "reset_account_limit", 100)
    monkeypatch.setattr(get_settings(), "reset_ip_limit", 100)
    known = [await accounts.create() for _ in range(2)]

    async def timed(email: str) -> float:
        started = time.perf_counter()
        response = await client.post(f"{API}/auth/password-reset", json={"email": email})
        assert response.status_code == 202
        return time.perf_counter() - started

    samples: dict[str, list[float]] = {"known": [], "unknown": []}
    for i in range(7):  # interleaved, so that machine noise hits both alike
        samples["known"].append(await timed(known[i % 2].email))
        samples["unknown"].append(await timed(f"ghost{i}@kino.io"))
    known_median, unknown_median = (statistics.median(v) for v in samples.values())
    assert abs(known_median - unknown_median) <= 0.25 * max(known_median, unknown_median), samples
