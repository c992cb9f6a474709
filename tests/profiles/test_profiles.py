"""Profiles of an account through the API: made at sign-up, at most five, never none, PINs,
the per-request choice (X-Profile-Id), and what belongs to a profile."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import text
from tests.media_rows import insert_upload

from cinema.core import db

API = "/api/v1"
PROFILES = f"{API}/me/profiles"


def _as(account, profile_id) -> dict[str, str]:
    return {**account.auth, "X-Profile-Id": str(profile_id)}


async def _profiles(client, account) -> list[dict]:
    response = await client.get(PROFILES, headers=account.auth)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def _add(client, account, **body) -> dict:
    response = await client.post(PROFILES, json={"name": "Kid", **body}, headers=account.auth)
    assert response.status_code == 201, response.text
    return response.json()


async def test_sign_up_makes_the_first_profile(client, accounts):
    account = await accounts.create()
    (first,) = await _profiles(client, account)
    assert first == {
        "id": str(account.profile_id),
        "name": account.email.split("@")[0],
        "max_age_rating": "18+",
        "is_kids": False,
        "has_pin": False,
    }


async def test_five_at_most_and_never_none(client, viewer):
    made = [await _add(client, viewer, name=f"P{i}") for i in range(4)]
    assert [p["name"] for p in await _profiles(client, viewer)][1:] == ["P0", "P1", "P2", "P3"]  # in order
    sixth = await client.post(PROFILES, json={"name": "P5"}, headers=viewer.auth)
    assert sixth.status_code == 409
    for profile in made:
        assert (await client.delete(f"{PROFILES}/{profile['id']}", headers=viewer.auth)).status_code == 204
    last = await client.delete(f"{PROFILES}/{viewer.profile_id}", headers=viewer.auth)
    assert last.status_code == 409
    assert "last profile" in last.json()["detail"]


async def test_parallel_additions_never_pass_five(client, viewer):
    answers = await asyncio.gather(
        *(client.post(PROFILES, json={"name": f"P{i}"}, headers=viewer.auth) for i in range(8))
    )
    assert sorted(a.status_code for a in answers) == [201] * 4 + [409] * 4
    assert len(await _profiles(client, viewer)) == 5


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 41}, "name"),
        ({"name": "Kid", "max_age_rating": "21+"}, "max_age_rating"),
        ({"name": "Kid", "pin": "12a4"}, "pin"),
        ({"name": "Kid", "pin": "12345"}, "pin"),
        ({"name": "Kid", "is_kids": True, "max_age_rating": "16+"}, "max_age_rating"),
    ],
)
async def test_bad_profiles_are_refused_and_say_where(client, viewer, body, where):
    response = await client.post(PROFILES, json=body, headers=viewer.auth)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][-1] == where
    assert "12a4" not in response.text  # a PIN is never echoed
    assert "12345" not in response.text
    assert len(await _profiles(client, viewer)) == 1  # nothing was made


async def test_a_kids_profile_defaults_to_six_plus(client, viewer):
    kid = await _add(client, viewer, is_kids=True)
    assert (kid["is_kids"], kid["max_age_rating"], kid["has_pin"]) == (True, "6+", False)
    turned = await client.patch(
        f"{PROFILES}/{viewer.profile_id}", json={"is_kids": True}, headers=viewer.auth
    )
    assert turned.json()["max_age_rating"] == "6+"  # an 18+ profile made a kids one comes down


async def test_a_pin_guards_changes_and_deletion(client, viewer):
    parent = await _add(client, viewer, name="Parent", pin="4321")
    assert parent["has_pin"] is True
    url = f"{PROFILES}/{parent['id']}"
    assert (await client.patch(url, json={"name": "X"}, headers=viewer.auth)).status_code == 403
    wrong = await client.patch(url, json={"name": "X", "pin": "0000"}, headers=viewer.auth)
    assert (wrong.status_code, wrong.json()["detail"]) == (403, "wrong PIN")
    check = await client.patch(url, json={"pin": "4321"}, headers=viewer.auth)  # the web app's PIN prompt
    assert (check.status_code, check.json()["name"]) == (200, "Parent")
    renamed = await client.patch(
        url, json={"name": "Mum", "pin": "4321", "new_pin": "1111"}, headers=viewer.auth
    )
    assert renamed.json()["name"] == "Mum"
    assert (await client.delete(url, headers=viewer.auth)).status_code == 403
    assert (await client.delete(url, headers={**viewer.auth, "X-Profile-Pin": "4321"})).status_code == 403
    cleared = await client.patch(url, json={"pin": "1111", "new_pin": None}, headers=viewer.auth)
    assert cleared.json()["has_pin"] is False
    assert (await client.delete(url, headers=viewer.auth)).status_code == 204


async def test_wrong_pins_run_out(client, viewer):
    locked = await _add(client, viewer, pin="2468")
    url = f"{PROFILES}/{locked['id']}"
    codes = [
        (await client.patch(url, json={"pin": "1357"}, headers=viewer.auth)).status_code for _ in range(5)
    ]
    assert codes == [403] * 5
    refused = await client.patch(url, json={"pin": "2468"}, headers=viewer.auth)  # even the right one, now
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0


async def test_a_right_pin_does_not_count(client, viewer):
    locked = await _add(client, viewer, pin="2468")
    url = f"{PROFILES}/{locked['id']}"
    for _ in range(8):
        assert (await client.patch(url, json={"pin": "2468"}, headers=viewer.auth)).status_code == 200


async def test_another_accounts_profile_does_not_exist(client, accounts):
    me, stranger = await accounts.create(), await accounts.create()
    theirs = await _add(client, stranger)
    assert (
        await client.patch(f"{PROFILES}/{theirs['id']}", json={"name": "x"}, headers=me.auth)
    ).status_code == 404
    assert (await client.delete(f"{PROFILES}/{theirs['id']}", headers=me.auth)).status_code == 404
    assert (await client.get(f"{API}/me/history", headers=_as(me, theirs["id"]))).status_code == 404
    assert (await client.get(f"{API}/me/history", headers=_as(me, uuid.uuid4()))).status_code == 404
    bad = await client.get(f"{API}/me/history", headers=_as(me, "not-a-uuid"))
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["header", "X-Profile-Id"]
    assert (await client.get(PROFILES)).status_code == 401
    assert (await client.post(PROFILES, json={"name": "x"})).status_code == 401


async def test_history_favorites_progress_and_ratings_belong_to_a_profile(client, catalog, viewer):
    film = await catalog.film(title="Один на двоих", access="free", duration_seconds=600)
    await insert_upload(film["id"], ready=True)
    kid = await _add(client, viewer, name="Kid")
    mine, theirs = viewer.auth, _as(viewer, kid["id"])
    assert (await client.get(f"{API}/films/{film['id']}/play", headers=mine)).status_code == 200
    beat = await client.put(
        f"{API}/films/{film['id']}/progress", json={"position_seconds": 120}, headers=mine
    )
    assert beat.status_code == 204
    assert (await client.put(f"{API}/me/favorites/{film['id']}", headers=mine)).status_code == 204
    rated = await client.put(f"{API}/films/{film['id']}/rating", json={"score": 9}, headers=mine)
    assert rated.status_code == 200

    async def state(headers) -> tuple:
        history = (await client.get(f"{API}/me/history", headers=headers)).json()
        favorites = (await client.get(f"{API}/me/favorites", headers=headers)).json()
        mine = (await client.get(f"{API}/me/films/{film['id']}", headers=headers)).json()
        return (
            history["total"],
            favorites["total"],
            mine["position_seconds"],
            mine["my_rating"],
            mine["favorite"],
        )

    assert await state(mine) == (1, 1, 120, 9, True)
    assert await state(theirs) == (0, 0, None, None, False)
    # the kid's own rating is theirs and counts in the film's average beside the other one
    their_rating = await client.put(f"{API}/films/{film['id']}/rating", json={"score": 5}, headers=theirs)
    assert (their_rating.json()["score"], their_rating.json()["rating_count"]) == (5, 2)
    assert (await client.get(f"{API}/films/{film['id']}/rating", headers=mine)).json()["score"] == 9

    # deleting a profile takes what was its own, and only that
    assert (await client.delete(f"{PROFILES}/{kid['id']}", headers=viewer.auth)).status_code == 204
    assert await state(mine) == (1, 1, 120, 9, True)
    assert (await client.get(f"{API}/films/{film['id']}/rating", headers=mine)).json()["rating_count"] == 1


@pytest.mark.usefixtures("services", "_engine_lifetime")
async def test_a_deleted_profile_is_refused_at_once_elsewhere(client, viewer):
    """The account's profiles travel with its auth state: a deletion on one server is seen by
    the very next request on another."""
    import httpx  # noqa: PLC0415

    from cinema.local.app import create_app  # noqa: PLC0415

    kid = await _add(client, viewer)
    transport = httpx.ASGITransport(app=create_app(), client=("203.0.113.9", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://other") as other:
        assert (await other.get(f"{API}/me/history", headers=_as(viewer, kid["id"]))).status_code == 200
        assert (await client.delete(f"{PROFILES}/{kid['id']}", headers=viewer.auth)).status_code == 204
        assert (await other.get(f"{API}/me/history", headers=_as(viewer, kid["id"]))).status_code == 404


async def test_every_user_row_gets_a_profile_however_it_is_made(client):
    """The database keeps the rule, so accounts made outside sign-up (the bootstrap admin, bulk
    loads) have a profile too."""
    user_id = uuid.uuid4()
    async with db.engine().begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO users (id, email, password_hash, display_name) VALUES (:id, :e, 'x', ' Анна ')"
            ),
            {"id": user_id, "e": f"{user_id.hex}@kino.io"},
        )
        rows = (
            await conn.execute(text("SELECT name FROM profiles WHERE user_id = :id"), {"id": user_id})
        ).all()
    assert [r.name for r in rows] == ["Анна"]
