"""GET /films/{id}/similar: read from film_similar, which the scheduled job `refresh-similar`
fills (cinema.catalog.jobs) from what is known about the films and from co-viewing."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
import yaml  # cfn-lint's dependency
from sqlalchemy import text
from tests.catalog.test_reads_never_write import READ, WRITES, _cold, statements  # noqa: F401 - a fixture
from tests.functions.fresh_process import answers

from cinema.catalog import jobs
from cinema.catalog.similar import FilmFacts, same_series, series_keys
from cinema.core import db
from cinema.local import periodic
from cinema.profiles.dependencies import viewer_age_limit

ROOT = Path(__file__).parents[2]
EVENT = ROOT / "tests" / "events" / "scheduler_refresh_similar.json"
API = "/api/v1"


async def _similar(client, film: dict, **headers: str) -> list[str]:
    response = await client.get(f"{API}/films/{film['id']}/similar", headers=headers)
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


async def _watched(*pairs: tuple[int, dict]) -> None:
    """Viewer n watched the film, for each (n, film): each viewer an account made in the
    database, watching as the profile the database gives every account."""
    async with db.engine().begin() as conn:
        viewers: dict[int, uuid.UUID] = {}
        for n, film in pairs:
            if n not in viewers:
                user_id = uuid.uuid4()
                await conn.execute(
                    text("INSERT INTO users (id, email, password_hash) VALUES (:id, :email, 'not-a-login')"),
                    {"id": user_id, "email": f"viewer-{user_id.hex[:12]}@kino.io"},
                )
                viewers[n] = (
                    await conn.execute(text("SELECT id FROM profiles WHERE user_id = :u"), {"u": user_id})
                ).scalar_one()
            await conn.execute(
                text(
                    "INSERT INTO watch_progress (profile_id, film_id, position_seconds, duration_seconds)"
                    " VALUES (:viewer, :film, 600, 5400)"
                ),
                {"viewer": viewers[n], "film": film["id"]},
            )


async def test_the_job_fills_the_table_and_the_route_answers_best_first(client, catalog):
    matrix = await catalog.film(
        title="Матрица",
        original_title="The Matrix",
        year=1999,
        genres=["sci-fi", "action"],
        countries=["US"],
        people=[{"name": "Lana Wachowski", "role": "director"}, {"name": "Keanu Reeves", "role": "actor"}],
    )
    reloaded = await catalog.film(
        title="Матрица: Перезагрузка",
        original_title="The Matrix Reloaded",
        year=2003,
        genres=["sci-fi", "action"],
        countries=["US"],
        people=[{"name": "Lana Wachowski", "role": "director"}, {"name": "Keanu Reeves", "role": "actor"}],
    )
    await catalog.film(title="Другой боевик", year=2001, genres=["action"], countries=["US"])
    await catalog.film(title="Мелодрама", year=1950, genres=["romance"], countries=["FR"])
    draft = await catalog.film(
        title="Матрица: Воскрешение", year=2021, genres=["sci-fi", "action"], publish=False
    )

    assert await _similar(client, matrix) == []  # nothing until the job runs: not computed on a read
    # "Мелодрама" shares nothing with any film: its list stays empty, the others' change
    assert await jobs.refresh_similar() == {"films": 4, "lists_changed": 3}
    async with db.engine().connect() as conn:
        rows = (await conn.execute(text("SELECT count(*) FROM film_similar"))).scalar_one()
    assert rows > 0
    assert await jobs.refresh_similar() == {"films": 4, "lists_changed": 0}  # nothing changed

    titles = await _similar(client, matrix)
    assert titles[:2] == ["Матрица: Перезагрузка", "Другой боевик"]  # the series first, then genre
    assert "Матрица" not in titles
    assert draft["title"] not in titles
    assert (await _similar(client, reloaded))[0] == "Матрица"
    body = (await client.get(f"{API}/films/{matrix['id']}/similar")).json()
    assert set(body) == {"items", "total", "next_cursor"}
    assert body["total"] == len(body["items"])
    assert set(body["items"][0]) == set((await client.get(f"{API}/films/{reloaded['id']}")).json()) - {
        "description",
        "people",
        "created_at",
        "updated_at",
    }  # a list item of the catalog


async def test_unknown_draft_and_unpublished_films(client, catalog, admin):
    first = await catalog.film(title="Брат", year=1997, genres=["crime"])
    second = await catalog.film(title="Брат 2", year=2000, genres=["crime"])
    draft = await catalog.film(title="Брат 3", year=2004, genres=["crime"], publish=False)
    await jobs.refresh_similar()
    assert (await client.get(f"{API}/films/{uuid.uuid4()}/similar")).status_code == 404
    # a draft is a 404, as GET /films/{id} answers anyone but staff
    assert (await client.get(f"{API}/films/{draft['id']}/similar")).status_code == 404
    assert (await client.get(f"{API}/films/{draft['id']}")).status_code == 404
    assert await _similar(client, first) == ["Брат 2"]

    # unpublished after the job: gone at once (the admin's write retires the cached answer)
    response = await client.patch(
        f"{API}/admin/films/{second['id']}", json={"status": "draft"}, headers=admin.auth
    )
    assert response.status_code == 200
    assert await _similar(client, first) == []
    assert (await client.get(f"{API}/films/{second['id']}/similar")).status_code == 404
    assert await jobs.refresh_similar() == {"films": 1, "lists_changed": 2}  # both lists go


async def test_at_most_twelve(client, catalog):
    films = [await catalog.film(title=f"Комедия {n}", year=2000 + n, genres=["comedy"]) for n in range(15)]
    await jobs.refresh_similar()
    titles = await _similar(client, films[0])
    assert len(titles) == 12
    assert titles[:3] == ["Комедия 1", "Комедия 2", "Комедия 3"]  # the nearest years first


async def test_co_viewing_raises_a_pair_and_the_rewrite_retires_the_cache(client, catalog):
    base = await catalog.film(title="Основа", year=2000, genres=["drama"], countries=["RU"])
    await catalog.film(title="Похожая", year=2001, genres=["drama"], countries=["RU"])
    unlike = await catalog.film(title="Непохожая", year=1930, genres=["horror"], countries=["JP"])
    await jobs.refresh_similar()
    assert await _similar(client, base) == ["Похожая"]  # "Непохожая" shares nothing with it

    await _watched(*[(n, base) for n in range(6)], *[(n, unlike) for n in range(6)])
    assert await _similar(client, base) == ["Похожая"]  # cached, and the table is the job's
    assert (await jobs.refresh_similar())["lists_changed"] == 2  # theirs; not "Похожая"'s
    assert await _similar(client, base) == ["Непохожая", "Похожая"]  # its viewers watched both


async def test_the_age_limit_applies_and_is_in_the_cache_key(app, client, catalog):
    film = await catalog.film(title="Семейный", year=2000, genres=["family"], age_rating="6+")
    await catalog.film(title="Семейный 2", year=2002, genres=["family"], age_rating="18+")
    adult = await catalog.film(title="Семейный 3", year=2004, genres=["family"], age_rating="16+")
    await jobs.refresh_similar()
    assert await _similar(client, film) == ["Семейный 2", "Семейный 3"]
    app.dependency_overrides[viewer_age_limit] = lambda: "12+"
    try:
        assert await _similar(client, film) == []  # not the 18+ viewer's cached answer
        # a film above the limit: refused, as its page is
        assert (await client.get(f"{API}/films/{adult['id']}/similar")).status_code == 403
        app.dependency_overrides[viewer_age_limit] = lambda: "16+"
        assert await _similar(client, film) == ["Семейный 3"]
    finally:
        app.dependency_overrides.pop(viewer_age_limit, None)


async def test_a_kids_profile_sees_only_what_its_limit_allows(client, catalog, viewer):
    film = await catalog.film(title="Сказка", year=1970, genres=["family"], age_rating="0+")
    await catalog.film(title="Сказка 2", year=1972, genres=["family"], age_rating="6+")
    await catalog.film(title="Сказка 3", year=1974, genres=["family"], age_rating="12+")
    await jobs.refresh_similar()
    kids = await client.post(
        f"{API}/me/profiles",
        json={"name": "Дети", "is_kids": True, "max_age_rating": "6+"},
        headers=viewer.auth,
    )
    assert kids.status_code == 201, kids.text
    adult = await _similar(client, film, **viewer.auth)  # the account's first profile: no limit
    child = await _similar(client, film, **viewer.auth, **{"X-Profile-Id": kids.json()["id"]})
    assert (adult, child) == (["Сказка 2", "Сказка 3"], ["Сказка 2"])
    other = await client.get(
        f"{API}/films/{film['id']}/similar", headers={**viewer.auth, "X-Profile-Id": str(uuid.uuid4())}
    )
    assert other.status_code == 404  # not a profile of this account


async def test_the_read_never_writes(client, catalog, statements):  # noqa: F811 - the fixture
    film = await catalog.film(title="Солярис", year=1972, genres=["sci-fi"])
    await catalog.film(title="Сталкер", year=1979, genres=["sci-fi"])
    await jobs.refresh_similar()
    for film_id in (film["id"], uuid.uuid4()):
        await _cold()
        statements[:] = []
        response = await client.get(f"{API}/films/{film_id}/similar")
        assert response.status_code in (200, 404)
        assert statements
        assert [s for s in statements if not READ.match(s) or WRITES.search(s)] == []


def _facts(title: str, original: str = "") -> FilmFacts:
    none: frozenset[uuid.UUID] = frozenset()
    return FilmFacts(uuid.uuid4(), title, original or title, 2000, (), none, none, none, none)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (("Матрица", "The Matrix"), ("Матрица: Перезагрузка", "The Matrix Reloaded"), True),
        (("Крёстный отец", "The Godfather"), ("Крёстный отец 2", "The Godfather Part II"), True),
        (("Терминатор", "The Terminator"), ("Терминатор 2: Судный день", "Terminator 2: Judgment Day"), True),
        (
            ("Гарри Поттер и философский камень", "Harry Potter and the Philosopher's Stone"),
            ("Гарри Поттер и узник Азкабана", "Harry Potter and the Prisoner of Azkaban"),
            True,
        ),
        (("Брат", ""), ("Брат 2", ""), True),
        (
            ("Однажды в… Голливуде", "Once Upon a Time in Hollywood"),
            ("Однажды в Америке", "Once Upon a Time in America"),
            False,
        ),
        (("Звёздные войны: Эпизод 4", ""), ("Звёздный путь", "Star Trek"), False),
        (("1917", "1917"), ("12", "12"), False),
        (("Остров", ""), ("Остров проклятых", "Shutter Island"), False),
    ],
)
def test_title_series(a: tuple[str, str], b: tuple[str, str], same: bool):
    assert same_series(series_keys(_facts(*a)), series_keys(_facts(*b))) is same


async def test_the_scheduled_event_refreshes_the_similar_films(client, catalog):
    first = await catalog.film(title="Дюна", year=2021, genres=["sci-fi"])
    await catalog.film(title="Дюна: Часть вторая", year=2024, genres=["sci-fi"])
    event = json.loads(EVENT.read_text())
    assert answers("catalog_jobs", [event, event]) == [
        {"job": "refresh-similar", "films": 2, "lists_changed": 2},
        {"job": "refresh-similar", "films": 2, "lists_changed": 0},
    ]
    assert await _similar(client, first) == ["Дюна: Часть вторая"]


class _CfnLoader(yaml.SafeLoader):
    """template.yaml with CloudFormation's short tags read as their values."""


_CfnLoader.add_multi_constructor(
    "!",
    lambda loader, _tag, node: loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else None,
)


def test_the_template_schedules_the_job_as_the_local_stack_does():
    template = yaml.load((ROOT / "template.yaml").read_text(), Loader=_CfnLoader)  # noqa: S506
    function = template["Resources"]["CatalogJobsFunction"]["Properties"]
    schedule = function["Events"]["RefreshSimilar"]
    assert schedule["Type"] == "ScheduleV2"
    event = json.loads(schedule["Properties"]["Input"])
    assert event["job"] == "refresh-similar"
    assert "refresh-similar" in jobs.JOBS
    assert set(json.loads(EVENT.read_text())) == set(event)  # the test event is that Input, filled in
    minutes = int(
        re.fullmatch(r"rate\((\d+) minutes?\)", schedule["Properties"]["ScheduleExpression"]).group(1)
    )
    assert minutes * 60 == jobs.SIMILAR_EVERY_S == periodic.SCHEDULE["refresh-similar"]
    assert schedule["Properties"]["DeadLetterConfig"] == {"Arn": "CatalogJobsDeadLetterQueue.Arn"}
