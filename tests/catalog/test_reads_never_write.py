"""Reads never write: every GET of the catalog (public and staff), on a cold cache, sends the
database reads only. What a read used to refresh on its way (the 7-day popularity) is scheduled
work now (cinema.catalog.jobs, tests/catalog/test_popular.py)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import event

from cinema.catalog import caching, popularity
from cinema.core import cache, db

API = "/api/v1"

READ = re.compile(r"\s*(SELECT|WITH|SHOW)\b", re.IGNORECASE)
# A SELECT can write too: a row lock, a function that changes rows (cinema_*_refresh, setval ...).
WRITES = re.compile(
    r"\b(INSERT|UPDATE|DELETE|MERGE|TRUNCATE|COPY)\b|\bFOR\s+(NO\s+KEY\s+)?(UPDATE|SHARE)\b"
    r"|_refresh\s*\(|\b(setval|nextval|pg_advisory\w*)\s*\(",
    re.IGNORECASE,
)


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """Every statement the application's engine sends (`statements[:] = []` starts afresh)."""
    recorded: list[str] = []

    def before(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        recorded.append(statement)

    engine = db.engine().sync_engine
    event.listen(engine, "before_cursor_execute", before)
    yield recorded
    event.remove(engine, "before_cursor_execute", before)


async def _cold() -> None:
    """Nothing cached: the next read goes to the database."""
    caching.clear_local()
    redis = cache.client()
    if redis is not None:
        await redis.flushdb()


async def test_no_catalog_get_writes(client, catalog, admin, statements):
    hit = await catalog.film(title="Сталкер", year=1979, countries=["SU"], genres=["drama"])
    await catalog.film(title="Solaris", year=1972, countries=["SU"], genres=["sci-fi"])
    draft = await catalog.film(title="Draft", publish=False)
    async with db.session_factory()() as session:
        await popularity.record_view(session, uuid.UUID(hit["id"]))
        await session.commit()
    first = (await client.get(f"{API}/films", params={"limit": 1})).json()
    assert first["next_cursor"]
    staff = admin.auth
    gets = [
        ("/films", {}, {}),
        ("/films", {"genre": ["drama", "sci-fi"], "year_from": 1970, "year_to": 1980}, {}),
        ("/films", {"country": "SU", "rating_min": 0, "sort": "-year", "limit": 1}, {}),
        ("/films", {"limit": 1, "cursor": first["next_cursor"]}, {}),
        ("/films", {"q": "сталкер"}, {}),
        ("/films", {"q": "stalkr", "sort": "title"}, {}),  # a typo: the trigram step
        ("/films", {"sort": "new"}, staff),
        ("/films/popular", {"limit": 5}, {}),
        (f"/films/{hit['id']}", {}, {}),
        (f"/films/{draft['id']}", {}, staff),
        (f"/films/{draft['id']}", {}, {}),  # 404
        ("/genres", {}, {}),
        ("/admin/films", {"status": "draft"}, staff),
        ("/admin/films", {"q": "solaris"}, staff),
        (f"/admin/films/{draft['id']}", {}, staff),
        ("/admin/stats", {"days": 7}, staff),
    ]
    for path, params, headers in gets:
        await _cold()
        statements[:] = []
        response = await client.get(f"{API}{path}", params=params, headers=headers)
        assert response.status_code in (200, 404), (path, response.text)
        assert statements, f"GET {path} did not reach the database (a cached answer?)"
        not_reads = [s for s in statements if not READ.match(s) or WRITES.search(s)]
        assert not_reads == [], f"GET {path} {params} sent {not_reads}"


async def test_the_popular_list_no_longer_refreshes_popularity(client, catalog, statements):
    film = await catalog.film(title="Watched")
    async with db.session_factory()() as session:
        await popularity.record_view(session, uuid.UUID(film["id"]))
        await session.commit()
    statements[:] = []
    body = (await client.get(f"{API}/films/popular")).json()
    # The view is counted, but films.popularity waits for the scheduled refresh.
    assert [(f["title"], f["views_7d"]) for f in body["items"]] == [("Watched", 0)]
    assert not any("film_views_daily" in s for s in statements)
