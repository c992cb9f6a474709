from __future__ import annotations

from sqlalchemy import text

from cinema.core import cache, db
from cinema.core.settings import get_settings

API = "/api/v1"


async def _sneak_title(film_id: str, title: str) -> None:
    """A change behind the API's back: only the cache can explain an old answer after it."""
    async with db.engine().begin() as conn:
        await conn.execute(text("UPDATE films SET title = :t WHERE id = :id"), {"t": title, "id": film_id})


async def test_film_page_is_served_from_cache_until_an_admin_edit(client, catalog, admin):
    film = await catalog.film(title="Cached")
    assert (await client.get(f"{API}/films/{film['id']}")).json()["title"] == "Cached"
    await _sneak_title(film["id"], "Sneaky")
    assert (await client.get(f"{API}/films/{film['id']}")).json()["title"] == "Cached"  # a cache hit
    await client.patch(f"{API}/admin/films/{film['id']}", json={"description": "edited"}, headers=admin.auth)
    fresh = (await client.get(f"{API}/films/{film['id']}")).json()
    assert (fresh["title"], fresh["description"]) == ("Sneaky", "edited")


async def test_first_page_of_a_listing_is_cached_and_invalidated_by_writes(client, catalog, admin):
    film = await catalog.film(title="Listed", genres=["drama"])
    params = {"genre": "drama", "sort": "title"}
    assert [f["title"] for f in (await client.get(f"{API}/films", params=params)).json()["items"]] == [
        "Listed"
    ]
    await _sneak_title(film["id"], "Sneaky")
    assert [f["title"] for f in (await client.get(f"{API}/films", params=params)).json()["items"]] == [
        "Listed"
    ]
    await catalog.film(title="Another", genres=["drama"])  # any catalog write retires cached listings
    titles = [f["title"] for f in (await client.get(f"{API}/films", params=params)).json()["items"]]
    assert titles == ["Another", "Sneaky"]


async def test_deleting_and_unpublishing_invalidate_the_film_page(client, catalog, admin):
    kept, gone = await catalog.film(title="Kept"), await catalog.film(title="Gone")
    for film in (kept, gone):
        assert (await client.get(f"{API}/films/{film['id']}")).status_code == 200
    await client.patch(f"{API}/admin/films/{kept['id']}", json={"status": "draft"}, headers=admin.auth)
    await client.delete(f"{API}/admin/films/{gone['id']}", headers=admin.auth)
    assert (await client.get(f"{API}/films/{kept['id']}")).status_code == 404
    assert (await client.get(f"{API}/films/{gone['id']}")).status_code == 404


async def test_staff_never_get_or_fill_the_public_cache(client, catalog, admin):
    film = await catalog.film(title="Public")
    await client.patch(f"{API}/admin/films/{film['id']}", json={"status": "draft"}, headers=admin.auth)
    assert (await client.get(f"{API}/films/{film['id']}", headers=admin.auth)).status_code == 200
    assert (await client.get(f"{API}/films/{film['id']}")).status_code == 404


async def test_with_redis_down_the_same_answers_come_from_postgresql(client, catalog, admin, monkeypatch):
    film = await catalog.film(title="Resilient", genres=["drama"])
    before = {
        "detail": (await client.get(f"{API}/films/{film['id']}")).json(),
        "list": (await client.get(f"{API}/films", params={"genre": "drama"})).json(),
        "popular": (await client.get(f"{API}/films/popular")).json(),
    }
    monkeypatch.setattr(get_settings(), "redis_url", "redis://127.0.0.1:1/0")
    cache.reset()
    after = {
        "detail": (await client.get(f"{API}/films/{film['id']}")).json(),
        "list": (await client.get(f"{API}/films", params={"genre": "drama"})).json(),
        "popular": (await client.get(f"{API}/films/popular")).json(),
    }
    assert after == before
    edited = await client.patch(
        f"{API}/admin/films/{film['id']}", json={"title": "Still works"}, headers=admin.auth
    )
    assert edited.status_code == 200
    assert (await client.get(f"{API}/films/{film['id']}")).json()["title"] == "Still works"
    assert (await client.get(f"{API}/health")).json()["cache"] == "degraded"


async def test_a_rating_retires_the_film_page_and_the_listings_by_rating_only(client, catalog, viewer):
    """Issue 12, point 1: a rating is not an admin write; listings that neither order nor filter
    by rating keep their cache (and the film's old average until their TTL)."""
    film = await catalog.film(title="Rated", genres=["drama"])
    listings = {
        "by title": {"genre": "drama", "sort": "title"},
        "by rating": {"genre": "drama", "sort": "-rating"},
        "rating at least": {"genre": "drama", "rating_min": 5},
    }

    async def read() -> dict[str, list[tuple[str, float]]]:
        answers = {name: (await client.get(f"{API}/films", params=p)).json() for name, p in listings.items()}
        page = (await client.get(f"{API}/films/{film['id']}")).json()
        return {
            "page": [(page["title"], page["rating_avg"])],
            **{name: [(f["title"], f["rating_avg"]) for f in a["items"]] for name, a in answers.items()},
        }

    assert await read() == {
        "page": [("Rated", 0)],
        "by title": [("Rated", 0)],
        "by rating": [("Rated", 0)],
        "rating at least": [],
    }
    await _sneak_title(film["id"], "Sneaky")  # only a rebuilt answer shows it
    rated = await client.put(f"{API}/films/{film['id']}/rating", json={"score": 9}, headers=viewer.auth)
    assert rated.status_code == 200
    assert await read() == {
        "page": [("Sneaky", 9)],
        "by title": [("Rated", 0)],  # kept its cache
        "by rating": [("Sneaky", 9)],
        "rating at least": [("Sneaky", 9)],
    }
