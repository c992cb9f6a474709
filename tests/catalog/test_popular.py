from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text

from cinema.catalog import jobs, popularity
from cinema.catalog import repository as repo
from cinema.core import db

API = "/api/v1"


async def _views(film_id: str, count: int) -> None:
    async with db.session_factory()() as session:
        for _ in range(count):
            await popularity.record_view(session, uuid.UUID(film_id))
        await session.commit()


async def test_popular_orders_by_views_of_the_last_seven_days(client, catalog, admin):
    await catalog.film(title="Quiet")
    hit = await catalog.film(title="Hit")
    middle = await catalog.film(title="Middle")
    await _views(hit["id"], 5)
    await _views(middle["id"], 2)
    assert await jobs.refresh_popularity() == {"films_changed": 2}  # the scheduled job's run
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
    await jobs.refresh_popularity()
    first = (await client.get(f"{API}/films/popular")).json()
    await _views(film["id"], 3)
    await jobs.refresh_popularity()
    again = (await client.get(f"{API}/films/popular")).json()
    assert again == first  # served from Redis until the TTL (60 s) or a catalog write


async def test_unpublished_films_leave_the_popular_list(client, catalog, admin):
    film = await catalog.film(title="Gone soon")
    await _views(film["id"], 4)
    await jobs.refresh_popularity()
    await client.patch(f"{API}/admin/films/{film['id']}", json={"status": "draft"}, headers=admin.auth)
    titles = [f["title"] for f in (await client.get(f"{API}/films/popular")).json()["items"]]
    assert "Gone soon" not in titles


async def test_the_refresh_counts_the_last_seven_days_only(client, catalog):
    film = await catalog.film(title="Old news")
    async with db.engine().begin() as conn:  # 3 views 6 days ago, 100 views 7 days ago
        await conn.execute(
            text("INSERT INTO film_views_daily (film_id, day, views) VALUES (:f, :d6, 3), (:f, :d7, 100)"),
            {
                "f": film["id"],
                "d6": popularity.today() - timedelta(days=6),
                "d7": popularity.today() - timedelta(days=7),
            },
        )
    assert await jobs.refresh_popularity() == {"films_changed": 1}
    assert await jobs.refresh_popularity() == {"films_changed": 0}  # only what changed is written
    body = (await client.get(f"{API}/films/popular")).json()
    assert [(f["title"], f["views_7d"]) for f in body["items"]] == [("Old news", 3)]


async def test_a_refresh_already_running_is_not_run_twice(catalog):
    film = await catalog.film(title="Busy")
    await _views(film["id"], 1)
    async with db.session_factory()() as session:  # another run holds the lock
        assert await session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": repo.POPULARITY_LOCK})
        assert await jobs.refresh_popularity() == {"skipped": True}
        await session.rollback()
    assert await jobs.refresh_popularity() == {"films_changed": 1}


async def test_the_schedule_names_a_job_or_fails():
    assert (await jobs.handle({"job": "refresh-popularity"}))["job"] == "refresh-popularity"
    for event in ({"job": "no-such-job"}, {}, {"job": ["refresh-popularity"]}):
        with pytest.raises(jobs.UnknownJob):
            await jobs.handle(event)


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
