from __future__ import annotations

import pytest
from sqlalchemy import event

from cinema.core import db

API = "/api/v1"


async def _walk(client, params: dict, limit: int = 2, headers: dict | None = None) -> list[dict]:
    seen, cursor = [], None
    for _ in range(100):
        page_params = params | {"limit": limit} | ({"cursor": cursor} if cursor else {})
        response = await client.get(f"{API}/films", params=page_params, headers=headers or {})
        assert response.status_code == 200, response.text
        page = response.json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("the cursor never ended")


@pytest.fixture
async def shelf(catalog):
    films = {
        "a": await catalog.film(title="Alpha", year=1979, countries=["SU"], genres=["drama"]),
        "b": await catalog.film(title="Bravo", year=1999, countries=["US"], genres=["sci-fi", "action"]),
        "c": await catalog.film(title="Charlie", year=2010, countries=["US", "GB"], genres=["sci-fi"]),
        "d": await catalog.film(title="Delta", year=2010, countries=["FR"], genres=["comedy"]),
        "e": await catalog.film(title="Echo", year=2023, countries=["RU"], genres=["drama", "comedy"]),
    }
    await catalog.film(title="Draft", year=2020, publish=False, genres=["drama"])
    return films


async def _titles(client, **params) -> list[str]:
    response = await client.get(f"{API}/films", params=params | {"limit": 100})
    assert response.status_code == 200, response.text
    return [f["title"] for f in response.json()["items"]]


async def test_every_filter_alone_and_combined(client, shelf):
    assert sorted(await _titles(client)) == ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]
    assert sorted(await _titles(client, genre="sci-fi")) == ["Bravo", "Charlie"]
    assert sorted(await _titles(client, genre=["drama", "comedy"])) == ["Alpha", "Delta", "Echo"]
    assert sorted(await _titles(client, year_from=2010)) == ["Charlie", "Delta", "Echo"]
    assert sorted(await _titles(client, year_to=1999)) == ["Alpha", "Bravo"]
    assert sorted(await _titles(client, year_from=2000, year_to=2015)) == ["Charlie", "Delta"]
    assert sorted(await _titles(client, country="US")) == ["Bravo", "Charlie"]
    assert sorted(await _titles(client, country="US", genre="sci-fi", year_from=2005)) == ["Charlie"]
    assert await _titles(client, rating_min=0.5) == []
    assert await _titles(client, genre="no-such") == []


async def test_total_counts_all_matches_not_the_page(client, shelf):
    page = (await client.get(f"{API}/films", params={"genre": "drama", "limit": 1})).json()
    assert (page["total"], len(page["items"])) == (2, 1)
    assert page["next_cursor"]


async def test_the_pages_after_the_first_tell_its_total_without_counting_again(client, shelf):
    statements: list[str] = []

    def record(*args) -> None:  # (conn, cursor, statement, ...)
        statements.append(args[2])

    first = (await client.get(f"{API}/films", params={"sort": "title", "limit": 2})).json()
    event.listen(db.engine().sync_engine, "before_cursor_execute", record)
    try:
        second = await client.get(
            f"{API}/films", params={"sort": "title", "limit": 2, "cursor": first["next_cursor"]}
        )
    finally:
        event.remove(db.engine().sync_engine, "before_cursor_execute", record)
    assert (first["total"], second.json()["total"]) == (5, 5)
    assert [s for s in statements if "count(" in s] == []
    assert [f["title"] for f in second.json()["items"]] == ["Charlie", "Delta"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("title", ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]),
        ("-title", ["Echo", "Delta", "Charlie", "Bravo", "Alpha"]),
        ("year", ["Alpha", "Bravo", "Charlie|Delta", "Charlie|Delta", "Echo"]),
        ("-year", ["Echo", "Charlie|Delta", "Charlie|Delta", "Bravo", "Alpha"]),
        ("new", ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]),
        ("-new", ["Echo", "Delta", "Charlie", "Bravo", "Alpha"]),
    ],
)
async def test_sorts(client, shelf, sort, expected):
    titles = await _titles(client, sort=sort)
    assert len(titles) == len(expected)
    for title, allowed in zip(titles, expected, strict=True):
        assert title in allowed.split("|")


@pytest.mark.parametrize(
    "sort", ["popular", "-popular", "rating", "-rating", "year", "-year", "title", "-title", "new", "-new"]
)
async def test_cursor_walk_yields_every_film_once_in_order(client, shelf, sort):
    walked = [f["title"] for f in await _walk(client, {"sort": sort})]
    assert walked == await _titles(client, sort=sort)
    assert len(set(walked)) == 5


async def test_cursor_walk_while_films_are_added(client, catalog, shelf):
    seen, cursor, added = [], None, []
    while True:
        params = {"sort": "title", "limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(f"{API}/films", params=params)).json()
        seen += [f["title"] for f in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        # new films land before and after the cursor position while we walk
        film = await catalog.film(title=f"Aardvark {len(added)}" if len(added) % 2 else f"Zulu {len(added)}")
        added.append(film["title"])
    assert len(seen) == len(set(seen))
    for original in ("Alpha", "Bravo", "Charlie", "Delta", "Echo"):
        assert original in seen
    assert all(t in seen for t in added if t.startswith("Zulu"))  # those sort after the cursor


async def test_staff_see_drafts_the_public_does_not(client, shelf, admin, viewer):
    assert "Draft" not in await _titles(client)
    assert "Draft" not in [
        f["title"] for f in (await client.get(f"{API}/films", headers=viewer.auth)).json()["items"]
    ]
    staff = (await client.get(f"{API}/films", params={"limit": 100}, headers=admin.auth)).json()
    assert "Draft" in [f["title"] for f in staff["items"]]
    assert staff["total"] == 6


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"sort": "budget"},
        {"sort": "--title"},
        {"year_from": 1500},
        {"rating_min": 11},
        {"country": "usa"},
        {"genre": "Not Slug"},
        {"cursor": "garbage!"},
        {"cursor": "WyJ4IiwgInkiXQ"},
        {"q": ""},
        {"q": "x" * 201},
        {"q": "bad\x00byte"},
    ],
)
async def test_bad_parameters_get_422(client, shelf, params):
    response = await client.get(f"{API}/films", params=params)
    assert response.status_code == 422, (params, response.text)


async def test_a_cursor_of_one_sort_is_refused_by_another(client, shelf):
    page = (await client.get(f"{API}/films", params={"sort": "title", "limit": 1})).json()
    response = await client.get(f"{API}/films", params={"sort": "year", "cursor": page["next_cursor"]})
    assert response.status_code == 422


async def test_film_detail_shape(client, catalog):
    film = await catalog.film(
        title="Матрица",
        original_title="The Matrix",
        genres=["sci-fi"],
        countries=["US"],
        people=[{"name": "Keanu Reeves", "role": "actor", "character": "Neo"}],
    )
    body = (await client.get(f"{API}/films/{film['id']}")).json()
    for field in (
        "id",
        "title",
        "original_title",
        "description",
        "year",
        "duration_seconds",
        "countries",
        "genres",
        "people",
        "age_rating",
        "rating_avg",
        "rating_count",
        "poster_url",
        "status",
        "access",
        "price",
    ):
        assert field in body
    assert body["people"][0]["character"] == "Neo"
    assert (await client.get(f"{API}/films/00000000-0000-0000-0000-000000000000")).status_code == 404
    assert (await client.get(f"{API}/films/not-a-uuid")).status_code == 422
