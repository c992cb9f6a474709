from __future__ import annotations

import asyncio
import random
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import text

from cinema.core import db

API = "/api/v1"


@pytest.fixture
async def film(catalog):
    return await catalog.film(title="Оценки")


async def _rate(client, film_id: str, account, score: int):
    return await client.put(f"{API}/films/{film_id}/rating", json={"score": score}, headers=account.auth)


async def _stored(film_id: str) -> tuple[tuple[Decimal, int], tuple[Decimal, int]]:
    """(films.rating_avg, films.rating_count) and the same computed from the stored ratings."""
    async with db.engine().connect() as conn:
        film = (
            await conn.execute(
                text("SELECT rating_avg, rating_count FROM films WHERE id = :f"), {"f": film_id}
            )
        ).one()
        truth = (
            await conn.execute(
                text("SELECT coalesce(round(avg(score), 2), 0), count(*) FROM ratings WHERE film_id = :f"),
                {"f": film_id},
            )
        ).one()
    return (film[0], film[1]), (truth[0], truth[1])


async def test_rate_change_and_remove(client, accounts, film):
    first, second, third = [await accounts.create() for _ in range(3)]
    answer = await _rate(client, film["id"], first, 10)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"film_id": film["id"], "score": 10, "rating_avg": 10, "rating_count": 1}
    await _rate(client, film["id"], second, 7)
    answer = await _rate(client, film["id"], third, 6)
    assert (answer.json()["rating_avg"], answer.json()["rating_count"]) == (7.67, 3)
    changed = await _rate(client, film["id"], first, 1)
    assert (changed.json()["rating_avg"], changed.json()["rating_count"]) == (4.67, 3)
    mine = (await client.get(f"{API}/films/{film['id']}/rating", headers=first.auth)).json()
    assert (mine["score"], mine["rating_avg"], mine["rating_count"]) == (1, 4.67, 3)
    assert (await client.delete(f"{API}/films/{film['id']}/rating", headers=first.auth)).status_code == 204
    assert (await client.delete(f"{API}/films/{film['id']}/rating", headers=first.auth)).status_code == 204
    mine = (await client.get(f"{API}/films/{film['id']}/rating", headers=first.auth)).json()
    assert (mine["score"], mine["rating_avg"], mine["rating_count"]) == (None, 6.5, 2)
    stored, truth = await _stored(film["id"])
    assert stored == truth == (Decimal("6.50"), 2)


async def test_the_film_page_shows_the_new_rating_at_once(client, accounts, film):
    # read (and so cache) the film page and a rating-sorted listing first
    assert (await client.get(f"{API}/films/{film['id']}")).json()["rating_count"] == 0
    assert (await client.get(f"{API}/films", params={"sort": "-rating"})).json()["items"][0][
        "rating_count"
    ] == 0
    voter = await accounts.create()
    await _rate(client, film["id"], voter, 8)
    detail = (await client.get(f"{API}/films/{film['id']}")).json()
    assert (detail["rating_avg"], detail["rating_count"]) == (8, 1)
    listed = (await client.get(f"{API}/films", params={"sort": "-rating"})).json()["items"][0]
    assert (listed["rating_avg"], listed["rating_count"]) == (8, 1)
    await client.delete(f"{API}/films/{film['id']}/rating", headers=voter.auth)
    detail = (await client.get(f"{API}/films/{film['id']}")).json()
    assert (detail["rating_avg"], detail["rating_count"]) == (0, 0)


@pytest.mark.parametrize("score", [0, 11, -1, 5.5, "7", None])
async def test_bad_scores_are_refused(client, viewer, film, score):
    response = await client.put(
        f"{API}/films/{film['id']}/rating", json={"score": score}, headers=viewer.auth
    )
    assert response.status_code == 422
    assert (await _stored(film["id"]))[0] == (Decimal("0.00"), 0)


async def test_unknown_or_draft_films_and_anonymous_callers(client, catalog, viewer):
    draft = await catalog.film(publish=False)
    for film_id in (str(uuid.uuid4()), draft["id"]):
        assert (await _rate(client, film_id, viewer, 5)).status_code == 404
        assert (await client.get(f"{API}/films/{film_id}/rating", headers=viewer.auth)).status_code == 404
    assert (await client.delete(f"{API}/films/{uuid.uuid4()}/rating", headers=viewer.auth)).status_code == 404
    assert (await client.put(f"{API}/films/{draft['id']}/rating", json={"score": 5})).status_code == 401
    assert (await client.delete(f"{API}/films/{draft['id']}/rating")).status_code == 401


async def test_a_rating_can_be_taken_back_after_the_film_is_unpublished(client, catalog, admin, viewer, film):
    await _rate(client, film["id"], viewer, 3)
    await client.patch(f"{API}/admin/films/{film['id']}", json={"status": "draft"}, headers=admin.auth)
    assert (await client.delete(f"{API}/films/{film['id']}/rating", headers=viewer.auth)).status_code == 204
    stored, truth = await _stored(film["id"])
    assert stored == truth == (Decimal("0.00"), 0)


async def test_rating_does_not_touch_the_films_updated_at(client, viewer, film):
    before = (await client.get(f"{API}/films/{film['id']}")).json()["updated_at"]
    await _rate(client, film["id"], viewer, 4)
    assert (await client.get(f"{API}/films/{film['id']}")).json()["updated_at"] == before


async def test_the_aggregate_stays_exact_under_200_concurrent_writes_and_deletes(client, catalog, accounts):
    films = [(await catalog.film(title=f"Race {i}"))["id"] for i in range(2)]
    voters = await asyncio.gather(*(accounts.create() for _ in range(24)))
    rng = random.Random(20261129)

    async def one_change() -> int:
        voter, film_id = rng.choice(voters), rng.choice(films)
        if rng.random() < 0.3:
            response = await client.delete(f"{API}/films/{film_id}/rating", headers=voter.auth)
        else:
            response = await _rate(client, film_id, voter, rng.randint(1, 10))
        return response.status_code

    # Each request runs in its own session and transaction: real concurrency on the same rows.
    codes = await asyncio.gather(*(one_change() for _ in range(200)))
    assert set(codes) <= {200, 204}, codes
    for film_id in films:
        stored, truth = await _stored(film_id)
        assert stored == truth
        assert truth[1] > 0
        detail = (await client.get(f"{API}/films/{film_id}")).json()
        assert (Decimal(str(detail["rating_avg"])), detail["rating_count"]) == stored
