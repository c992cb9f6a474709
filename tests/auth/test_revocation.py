"""Revocation is immediate: an access token stops working the moment its user logs out, changes or
resets the password, has a refresh family revoked or is deactivated, not when it expires (issue 14)."""

from __future__ import annotations

import re

from cinema.core.settings import get_settings
from cinema.mail.outbox import read_outbox

API = "/api/v1"


async def _me(client, access_token: str) -> int:
    response = await client.get(f"{API}/users/me", headers={"Authorization": f"Bearer {access_token}"})
    return response.status_code


async def test_logout_ends_the_access_token_at_once_and_a_new_sign_in_works_at_once(client, accounts):
    account = await accounts.create()
    assert await _me(client, account.access_token) == 200
    out = await client.post(
        f"{API}/auth/logout", json={"refresh_token": account.refresh_token}, headers=account.auth
    )
    assert out.status_code == 204
    assert await _me(client, account.access_token) == 401
    # Issued in the same second as the revocation, after it: valid.
    fresh = await accounts.login(account.email, account.password)
    assert await _me(client, fresh["access_token"]) == 200


async def test_a_password_change_ends_every_access_token(client, accounts):
    account = await accounts.create()
    other_session = await accounts.login(account.email, account.password)
    changed = await client.post(
        f"{API}/users/me/password",
        json={"current_password": account.password, "new_password": "a new long secret"},
        headers=account.auth,
    )
    assert changed.status_code == 204
    assert await _me(client, account.access_token) == 401
    assert await _me(client, other_session["access_token"]) == 401
    fresh = await accounts.login(account.email, "a new long secret")
    assert await _me(client, fresh["access_token"]) == 200


async def test_a_password_reset_ends_every_access_token(client, accounts):
    account = await accounts.create()
    assert (await client.post(f"{API}/auth/password-reset", json={"email": account.email})).status_code == 202
    mail = read_outbox(get_settings().outbox_dir, to=account.email)
    token = re.search(r"token=([A-Za-z0-9_\-]+)", mail[0]["text"]).group(1)
    done = await client.post(
        f"{API}/auth/password-reset/confirm", json={"token": token, "new_password": "reset to this one"}
    )
    assert done.status_code == 204
    assert await _me(client, account.access_token) == 401
    fresh = await accounts.login(account.email, "reset to this one")
    assert await _me(client, fresh["access_token"]) == 200


async def test_a_revoked_refresh_family_takes_its_access_tokens_with_it(client, accounts):
    account = await accounts.create()
    rotated = (await client.post(f"{API}/auth/refresh", json={"refresh_token": account.refresh_token})).json()
    assert await _me(client, rotated["access_token"]) == 200
    replay = await client.post(f"{API}/auth/refresh", json={"refresh_token": account.refresh_token})
    assert replay.status_code == 401
    assert await _me(client, rotated["access_token"]) == 401
    assert await _me(client, account.access_token) == 401


async def test_deactivation_ends_access_tokens_for_good(client, accounts, admin):
    account = await accounts.create()
    off = await client.patch(f"{API}/admin/users/{account.id}", json={"is_active": False}, headers=admin.auth)
    assert off.status_code == 200
    on = await client.patch(f"{API}/admin/users/{account.id}", json={"is_active": True}, headers=admin.auth)
    assert on.status_code == 200
    # Reactivation does not bring the old session back; signing in again does.
    assert await _me(client, account.access_token) == 401
    fresh = await accounts.login(account.email, account.password)
    assert await _me(client, fresh["access_token"]) == 200
