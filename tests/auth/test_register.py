from __future__ import annotations

import asyncio

import pytest

API = "/api/v1"


async def test_register_returns_the_account_without_secrets(client):
    response = await client.post(
        f"{API}/auth/register",
        json={"email": "Ada@Kino.io", "password": "correct horse battery", "display_name": "Ada"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "Ada@kino.io"  # the domain is normalised, the mailbox kept as typed
    assert body["role"] == "user"
    assert body["display_name"] == "Ada"
    assert "password" not in response.text
    assert "hash" not in response.text


async def test_display_name_defaults_to_the_mailbox_name(client):
    response = await client.post(
        f"{API}/auth/register", json={"email": "neo@matrix.io", "password": "red pill 1999"}
    )
    assert response.json()["display_name"] == "neo"


async def test_email_is_unique_regardless_of_case(client):
    first = await client.post(
        f"{API}/auth/register", json={"email": "case@kino.io", "password": "long enough pw"}
    )
    second = await client.post(
        f"{API}/auth/register", json={"email": "CASE@Kino.IO", "password": "long enough pw"}
    )
    assert (first.status_code, second.status_code) == (201, 409)
    assert "already exists" in second.json()["detail"]


async def test_racing_registrations_give_one_account(client):
    payload = {"email": "race@kino.io", "password": "long enough pw"}
    responses = await asyncio.gather(*(client.post(f"{API}/auth/register", json=payload) for _ in range(5)))
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409, 409]


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short", "at least 10"),
        ("x" * 257, "at most 256"),
        ("weak@kino.io", "email"),
        ("WEAK@KINO.IO", "email"),
        ("aaaaaaaaaaaa", "too simple"),
    ],
)
async def test_weak_passwords_are_refused_with_a_reason(client, password, reason):
    response = await client.post(f"{API}/auth/register", json={"email": "weak@kino.io", "password": password})
    assert response.status_code == 422
    assert reason in str(response.json()["detail"])


async def test_a_password_equal_to_the_mailbox_name_is_refused(client):
    response = await client.post(
        f"{API}/auth/register", json={"email": "longmailboxname@kino.io", "password": "longmailboxname"}
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    "payload",
    [
        {"email": "not-an-email", "password": "long enough pw"},
        {"password": "long enough pw"},
        {"email": "a@kino.io"},
        {"email": "a@kino.io", "password": "long enough pw", "role": "admin"},
        {"email": "a@kino.io", "password": "long enough pw", "display_name": ""},
    ],
)
async def test_malformed_registrations_get_422_and_create_nothing(client, payload):
    response = await client.post(f"{API}/auth/register", json=payload)
    assert response.status_code == 422
    retry = await client.post(
        f"{API}/auth/register", json={"email": "a@kino.io", "password": "long enough pw"}
    )
    assert retry.status_code == 201
    assert retry.json()["role"] == "user"


# ---- issue 14: one canonical form per address; lookalikes of an existing address refused -----


@pytest.mark.parametrize(
    "lookalike",
    [
        "ｓｔａｒ@kino.io",  # fullwidth letters
        "STAR@ｋｉｎｏ.io",  # fullwidth domain, other case
        "st\u1d43r@kino.io",  # modifier letter small a (a compatibility form)
        "stаr@kino.io",  # Cyrillic а
        "ѕtar@kino.io",  # Cyrillic dze
    ],
)
async def test_lookalikes_of_an_existing_address_are_refused(client, lookalike):
    first = await client.post(
        f"{API}/auth/register", json={"email": "star@kino.io", "password": "long enough pw"}
    )
    assert first.status_code == 201
    second = await client.post(
        f"{API}/auth/register", json={"email": lookalike, "password": "long enough pw"}
    )
    assert second.status_code == 409, second.text
    assert "already exists" in second.json()["detail"]


async def test_addresses_are_stored_nfkc_normalised_and_sign_in_accepts_any_form(client):
    created = await client.post(
        f"{API}/auth/register", json={"email": "\ufb01lm@kino.io", "password": "long enough pw"}
    )
    assert created.status_code == 201
    assert created.json()["email"] == "film@kino.io"  # the ligature ﬁ is two letters
    for username in ("film@kino.io", "\ufb01lm@kino.io", "ＦＩＬＭ@ＫＩＮＯ.ＩＯ"):
        response = await client.post(
            f"{API}/auth/token", data={"username": username, "password": "long enough pw"}
        )
        assert response.status_code == 200, username


async def test_the_address_is_validated_in_its_normal_form(client):
    # Fullwidth full stops are no dots, but NFKC makes them two dots in a row: not an address.
    response = await client.post(
        f"{API}/auth/register", json={"email": "a\uff0e\uff0eb@kino.io", "password": "long enough pw"}
    )
    assert response.status_code == 422
