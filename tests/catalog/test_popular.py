from __future__ import annotations

import uuid

import pytest

from cinema.catalog import popularity
from cinema.core import db

API = "/api/v1"


async def _views(film_id: str, count: int) -> None:
    async with db.session_factory()() as session:
        for _ in range(count):
            await popularity.record_view(session, uuid.UUID(film_id), None)
        await session.commit()


async def test_popular_orders_by_views_of_the_last_seven_days(client, catalog, admin):
    await catalog.film(title="Quiet")
    hit = await catalog.film(title="Hit")
    middle = await catalog.film(title="Middle")
    await _views(hit["id"], 5)
    await _views(middle["id"], 2)
    popularity._last_refresh = 0.0  # the per-process throttle: as if a minute had passed
    body = (await client.get(f"{API}/films/popular", params={"limit": 3})).json()
    assert [(f["title"], f["views_7d"]) for f in body["items"]][:2] == [("Hit", 5), ("Middle", 2)]
    assert [
        f["title"] for f in (await client.get(f"{API}/films", params={"sort": "-popular"})).json()["items"]
    ][:2] == [
        "Hit",
        "Middle",
    ]


async def test_popular_is_cached_for_a_while(client, catalog):
    film = await catalog.film(title="Rising")
    popularity._last_refresh = 0.0
    first = (await client.get(f"{API}/films/popular")).json()
    await _views(film["id"], 3)
    popularity._last_refresh = 0.0
    again = (await client.get(f"{API}/films/popular")).json()
    assert again == first  # served from Redis until the TTL (60 s) or a catalog write


async def test_unpublished_films_leave_the_popular_list(client, catalog, admin):
    film = await catalog.film(title="Gone soon")
    await _views(film["id"], 4)
    popularity._last_refresh = 0.0
    await client.patch(f"{API}/admin/films/{film['id']}", json={"status": "draft"}, headers=admin.auth)
    titles = [f["title"] for f in (await client.get(f"{API}/films/popular")).json()["items"]]
    assert "Gone soon" not in titles


@pytest.mark.parametrize("limit", ["0", "101", "abc", "-3", "1.5", ""])
async def test_popular_refuses_a_bad_limit_exactly_as_the_other_lists(client, limit):
    popular = await client.get(f"{API}/films/popular", params={"limit": limit})
    listing = await client.get(f"{API}/films", params={"limit": limit})
    assert popular.status_code == listing.status_code == 422
    assert popular.json() == listing.json()


async def test_popular_documents_its_limit(client):
    schema = (await client.get(f"{API}/openapi.json")).json()
    (parameter,) = schema["paths"][f"{API}/films/popular"]["get"]["parameters"]
    assert (parameter["name"], parameter["in"], parameter["schema"]["maximum"]) == ("limit", "query", 100)
