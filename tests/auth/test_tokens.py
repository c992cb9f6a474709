from __future__ import annotations

import asyncio
import time
import uuid

import jwt
from sqlalchemy import text

from cinema.core import db
from cinema.core.settings import get_settings

API = "/api/v1"


async def test_login_gives_a_bearer_pair_that_opens_the_profile(client, accounts):
    account = await accounts.create()
    tokens = await accounts.login(account.email.upper(), account.password)
    assert tokens["token_type"] == "bearer"
    assert 60 <= tokens["expires_in"] <= 3600
    me = await client.get(f"{API}/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200
    assert me.json()["email"] == account.email


async def test_access_token_claims(client, accounts):
    account = await accounts.create()
    claims = jwt.decode(
        account.access_token,
        get_settings().jwt_secret.get_secret_value(),
        algorithms=["HS256"],
        issuer="cinema",
    )
    assert claims["sub"] == str(account.id)
    assert claims["role"] == "user"
    assert {"exp", "iat", "jti"} <= claims.keys()
    assert 14 * 60 <= claims["exp"] - claims["iat"] <= 16 * 60


async def test_wrong_password_and_unknown_email_answer_alike(client, accounts):
    account = await accounts.create()
    wrong = await client.post(
        f"{API}/auth/token", data={"username": account.email, "password": "not the password"}
    )
    unknown = await client.post(
        f"{API}/auth/token", data={"username": "nobody@kino.io", "password": "whatever12"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.headers["www-authenticate"] == "Bearer"


async def test_unknown_email_costs_about_as_much_as_a_wrong_password(client, accounts):
    account = await accounts.create()

    async def timed(username: str) -> float:
        started = time.perf_counter()
        await client.post(f"{API}/auth/token", data={"username": username, "password": "not the password"})
        return time.perf_counter() - started

    known = sorted([await timed(account.email) for _ in range(3)])[1]
    unknown = sorted([await timed(f"ghost{i}@kino.io") for i in range(3)])[1]
    # Both verify one argon2 hash; without the dummy hash an unknown email is ~100x faster.
    assert unknown > known * 0.4


async def test_missing_and_malformed_tokens_get_401_with_challenge(client):
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic abc"}):
        response = await client.get(f"{API}/users/me", headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"


def _forge(claims: dict, *, key: str | None = None, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key or get_settings().jwt_secret.get_secret_value(), algorithm=algorithm)


async def test_expired_forged_and_unsigned_tokens_are_refused(client, accounts):
    account = await accounts.create()
    now = int(time.time())
    base = {"sub": str(account.id), "role": "admin", "iat": now, "jti": "x", "iss": "cinema"}
    expired = _forge({**base, "exp": now - 5})
    wrong_key = _forge({**base, "exp": now + 600}, key="another-secret-of-sufficient-length-0123456789")
    unsigned = jwt.encode({**base, "exp": now + 600}, None, algorithm="none")
    missing_jti = _forge({k: v for k, v in base.items() if k != "jti"} | {"exp": now + 600})
    for token in (expired, wrong_key, unsigned, missing_jti):
        response = await client.get(f"{API}/users/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token


async def test_a_token_for_a_deleted_account_is_refused(client):
    token = _forge(
        {
            "sub": str(uuid.uuid4()),
            "role": "user",
            "iat": 1,
            "exp": int(time.time()) + 60,
            "jti": "j",
            "iss": "cinema",
        }
    )
    response = await client.get(f"{API}/users/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_refresh_rotates_and_the_spent_token_is_refused(client, accounts):
    account = await accounts.create()
    first = await client.post(f"{API}/auth/refresh", json={"refresh_token": account.refresh_token})
    assert first.status_code == 200
    pair = first.json()
    assert pair["refresh_token"] != account.refresh_token
    me = await client.get(f"{API}/users/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert me.status_code == 200


async def test_reusing_a_spent_refresh_token_revokes_the_whole_family(client, accounts):
    account = await accounts.create()
    rotated = (await client.post(f"{API}/auth/refresh", json={"refresh_token": account.refresh_token})).json()
    replay = await client.post(f"{API}/auth/refresh", json={"refresh_token": account.refresh_token})
    assert replay.status_code == 401
    # The legitimate holder's newer token died with the family: the thief gains nothing.
    after = await client.post(f"{API}/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert after.status_code == 401


async def test_other_sessions_survive_a_replay_in_one_family(client, accounts):
    account = await accounts.create()
    other_session = await accounts.login(account.email, account.password)
    await client.post(f"{API}/auth/refresh", json={"refresh_token": account.refresh_token})
    await client.post(f"{API}/auth/refresh", json={"refresh_token": account.refresh_token})
    still = await client.post(f"{API}/auth/refresh", json={"refresh_token": other_session["refresh_token"]})
    assert still.status_code == 200


async def test_unknown_and_expired_refresh_tokens_are_refused(client, accounts):
    account = await accounts.create()
    unknown = await client.post(f"{API}/auth/refresh", json={"refresh_token": "not-a-token"})
    async with db.engine().begin() as conn:
        await conn.execute(text("UPDATE refresh_tokens SET expires_at = now() - interval '1 second'"))
    expired = await client.post(f"{API}/auth/refresh", json={"refresh_token": account.refresh_token})
    empty = await client.post(f"{API}/auth/refresh", json={"refresh_token": ""})
    assert (unknown.status_code, expired.status_code, empty.status_code) == (401, 401, 422)


async def test_logout_ends_that_session_only(client, accounts):
    account = await accounts.create()
    other = await accounts.login(account.email, account.password)
    out = await client.post(
        f"{API}/auth/logout", json={"refresh_token": account.refresh_token}, headers=account.auth
    )
    assert out.status_code == 204
    dead = await client.post(f"{API}/auth/refresh", json={"refresh_token": account.refresh_token})
    alive = await client.post(f"{API}/auth/refresh", json={"refresh_token": other["refresh_token"]})
    assert (dead.status_code, alive.status_code) == (401, 200)


async def test_logout_needs_a_signed_in_caller_and_leaves_others_tokens_alone(client, accounts):
    victim = await accounts.create()
    attacker = await accounts.create()
    anonymous = await client.post(f"{API}/auth/logout", json={"refresh_token": victim.refresh_token})
    foreign = await client.post(
        f"{API}/auth/logout", json={"refresh_token": victim.refresh_token}, headers=attacker.auth
    )
    assert (anonymous.status_code, foreign.status_code) == (401, 204)
    still = await client.post(f"{API}/auth/refresh", json={"refresh_token": victim.refresh_token})
    assert still.status_code == 200


async def test_concurrent_use_of_one_refresh_token_yields_one_pair_and_revokes_the_family(client, accounts):
    account = await accounts.create()
    responses = await asyncio.gather(
        *(client.post(f"{API}/auth/refresh", json={"refresh_token": account.refresh_token}) for _ in range(4))
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 401, 401, 401]
    winner = next(r.json() for r in responses if r.status_code == 200)
    after = await client.post(f"{API}/auth/refresh", json={"refresh_token": winner["refresh_token"]})
    assert after.status_code == 401


async def test_a_disabled_account_answers_like_bad_credentials_until_the_password_is_right(
    client, accounts, admin
):
    account, active = await accounts.create(), await accounts.create()
    off = await client.patch(f"{API}/admin/users/{account.id}", json={"is_active": False}, headers=admin.auth)
    assert off.status_code == 200

    async def sign_in(email: str, password: str):
        return await client.post(f"{API}/auth/token", data={"username": email, "password": password})

    disabled_wrong = await sign_in(account.email, "not the password")
    active_wrong = await sign_in(active.email, "not the password")
    assert disabled_wrong.status_code == active_wrong.status_code == 401
    assert disabled_wrong.json() == active_wrong.json()
    assert disabled_wrong.headers.get("www-authenticate") == active_wrong.headers.get("www-authenticate")
    right = await sign_in(account.email, account.password)
    assert right.status_code == 403
    assert right.json() == {"detail": "this account is disabled"}
    assert "set-cookie" not in right.headers
