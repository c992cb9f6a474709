"""GET /me/films/{id}: the film page's personal state in one call, from each owning domain."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from tests.media_rows import insert_upload

from cinema.core import db

API = "/api/v1"


async def _state(client, account, film_id: str) -> dict:
    response = await client.get(f"{API}/me/films/{film_id}", headers=account.auth)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_film_never_touched(client, catalog, viewer):
    film = await catalog.film(access="subscription")
    assert await _state(client, viewer, film["id"]) == {
        "film_id": film["id"],
        "favorite": False,
        "my_rating": None,
        "can_watch": False,
        "position_seconds": None,
        "completed": False,
    }


async def test_favorite_rating_entitlement_and_position_come_together(client, catalog, viewer):
    film = await catalog.film(access="free", duration_seconds=1000)
    await insert_upload(film["id"], ready=True, duration=1000)
    assert (await client.put(f"{API}/me/favorites/{film['id']}", headers=viewer.auth)).status_code == 204
    rated = await client.put(f"{API}/films/{film['id']}/rating", json={"score": 7}, headers=viewer.auth)
    assert rated.status_code == 200
    heartbeat = await client.put(
        f"{API}/films/{film['id']}/progress", json={"position_seconds": 420}, headers=viewer.auth
    )
    assert heartbeat.status_code == 204
    assert await _state(client, viewer, film["id"]) == {
        "film_id": film["id"],
        "favorite": True,
        "my_rating": 7,
        "can_watch": True,
        "position_seconds": 420,
        "completed": False,
    }


async def test_completed_and_a_subscription_entitles(client, catalog, viewer):
    film = await catalog.film(access="subscription", duration_seconds=1000)
    async with db.engine().begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO watch_progress (profile_id, film_id, position_seconds, duration_seconds)"
                " VALUES (:p, :f, 950, 1000)"
            ),
            {"p": viewer.profile_id, "f": film["id"]},
        )
        await conn.execute(
            text(
                "INSERT INTO subscriptions (stripe_subscription_id, stripe_customer_id, user_id, status)"
                " VALUES (:s, 'cus_x', :u, 'active')"
            ),
            {"s": f"sub_{uuid.uuid4().hex}", "u": viewer.id},
        )
    state = await _state(client, viewer, film["id"])
    assert (state["can_watch"], state["position_seconds"], state["completed"]) == (True, 950, True)


async def test_another_users_state_is_not_yours(client, catalog, accounts):
    film = await catalog.film()
    someone, me = await accounts.create(), await accounts.create()
    await client.put(f"{API}/me/favorites/{film['id']}", headers=someone.auth)
    await client.put(f"{API}/films/{film['id']}/rating", json={"score": 3}, headers=someone.auth)
    state = await _state(client, me, film["id"])
    assert (state["favorite"], state["my_rating"]) == (False, None)


async def test_unknown_or_unpublished_film_is_404_and_anonymous_is_401(client, catalog, viewer, admin):
    draft = await catalog.film(publish=False)
    assert (await client.get(f"{API}/me/films/{draft['id']}", headers=viewer.auth)).status_code == 404
    assert (await client.get(f"{API}/me/films/{uuid.uuid4()}", headers=viewer.auth)).status_code == 404
    assert (await client.get(f"{API}/me/films/not-a-uuid", headers=viewer.auth)).status_code == 422
    assert (await client.get(f"{API}/me/films/{draft['id']}")).status_code == 401
    staff = await _state(client, admin, draft["id"])  # staff see drafts, as on GET /films/{id}
    assert staff["can_watch"] is True
