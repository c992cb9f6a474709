"""Heartbeats are written behind: Redis takes them, PostgreSQL gets them in batches, newest
wins, a failed flush loses nothing, and a viewer's own reads always see their last one."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from tests.media_rows import insert_upload

from cinema.account import heartbeats, progress
from cinema.core import cache, db

API = "/api/v1"


@pytest.fixture
async def films(catalog):
    made = []
    for title in ("Первый", "Второй"):
        film = await catalog.film(title=title, access="free", duration_seconds=600)
        await insert_upload(film["id"], ready=True)
        made.append(film)
    return made


@pytest.fixture
async def nobody_flushes():
    """Another process holds the flush turn: heartbeats stay in Redis until a test flushes."""
    await cache.client().set(heartbeats.FLUSH_LOCK_KEY, b"1", px=600_000)
    yield
    await cache.client().delete(heartbeats.FLUSH_LOCK_KEY)


async def _beat(client, film_id: str, account, position: int) -> None:
    response = await client.put(
        f"{API}/films/{film_id}/progress", json={"position_seconds": position}, headers=account.auth
    )
    assert response.status_code == 204, response.text


async def _rows() -> dict[tuple[uuid.UUID, uuid.UUID], int]:
    async with db.engine().connect() as conn:
        found = await conn.execute(
            text(
                "SELECT p.user_id, w.film_id, w.position_seconds"
                " FROM watch_progress w JOIN profiles p ON p.id = w.profile_id"
            )
        )
        return {(user, film): position for user, film, position in found}


async def test_many_viewers_reach_the_database_in_one_flush(client, accounts, films, nobody_flushes):
    viewers = [await accounts.create() for _ in range(12)]
    await asyncio.gather(*(_beat(client, films[i % 2]["id"], v, 40 + i) for i, v in enumerate(viewers)))
    assert await _rows() == {}  # in Redis only
    assert await heartbeats.flush_all() == 12
    rows = await _rows()
    assert {rows[v.id, uuid.UUID(films[i % 2]["id"])] for i, v in enumerate(viewers)} == set(range(40, 52))
    assert await heartbeats.flush_all() == 0  # nothing is written twice


async def test_the_newest_position_wins(client, viewer, films, nobody_flushes):
    film_id = uuid.UUID(films[0]["id"])
    await _beat(client, films[0]["id"], viewer, 100)
    await heartbeats.flush_all()
    # a process that stalled hands over an older heartbeat late
    redis = cache.client()
    await redis.hset(
        heartbeats.pending_key(viewer.profile_id), str(film_id), f"50:600:{time.time() - 30:.3f}"
    )
    await redis.zadd(heartbeats.DIRTY_KEY, {str(viewer.profile_id): 0})
    assert await heartbeats.flush_all() == 1
    assert (await _rows())[viewer.id, film_id] == 100


async def test_a_viewer_reads_their_last_heartbeat_at_once(client, viewer, films, nobody_flushes):
    await _beat(client, films[0]["id"], viewer, 120)
    state = await client.get(f"{API}/me/films/{films[0]['id']}", headers=viewer.auth)
    assert state.json()["position_seconds"] == 120
    history = await client.get(f"{API}/me/history", headers=viewer.auth)
    assert [item["position_seconds"] for item in history.json()["items"]] == [120]


async def test_a_failed_flush_loses_nothing(client, viewer, films, nobody_flushes, monkeypatch):
    await _beat(client, films[0]["id"], viewer, 30)
    await _beat(client, films[1]["id"], viewer, 60)

    async def database_down(*_: object) -> None:
        raise OperationalError("INSERT INTO watch_progress", {}, Exception("server closed the connection"))

    monkeypatch.setattr(progress, "write_rows", database_down)
    await heartbeats.flush_due()  # logged, not raised: the heartbeats go back to Redis
    monkeypatch.undo()
    await cache.client().delete(heartbeats.heartbeat_key(viewer.profile_id, uuid.UUID(films[1]["id"])))
    await _beat(client, films[1]["id"], viewer, 75)  # a newer one arrived meanwhile: it stays
    assert await heartbeats.flush_all() == 2
    rows = await _rows()
    assert rows[viewer.id, uuid.UUID(films[0]["id"])] == 30
    assert rows[viewer.id, uuid.UUID(films[1]["id"])] == 75


async def test_a_film_deleted_before_the_flush_costs_only_its_own_row(
    client, admin, viewer, films, nobody_flushes
):
    await _beat(client, films[0]["id"], viewer, 30)
    await _beat(client, films[1]["id"], viewer, 60)
    deleted = await client.delete(f"{API}/admin/films/{films[0]['id']}", headers=admin.auth)
    assert deleted.status_code == 204
    await heartbeats.flush_all()
    assert await _rows() == {(viewer.id, uuid.UUID(films[1]["id"])): 60}


async def test_the_first_heartbeat_after_the_flush_turn_writes_the_batch(client, accounts, films):
    first, second = await accounts.create(), await accounts.create()
    await _beat(client, films[0]["id"], first, 30)  # takes the turn: flushes after answering
    assert (await _rows()).get((first.id, uuid.UUID(films[0]["id"]))) == 30
    await _beat(client, films[0]["id"], second, 40)  # within the same second: stays pending
    assert (second.id, uuid.UUID(films[0]["id"])) not in await _rows()
    await cache.client().delete(heartbeats.FLUSH_LOCK_KEY)  # a second later ...
    await _beat(client, films[1]["id"], first, 50)
    rows = await _rows()
    assert rows[second.id, uuid.UUID(films[0]["id"])] == 40
    assert rows[first.id, uuid.UUID(films[1]["id"])] == 50


async def test_a_redis_that_forgot_the_script_still_takes_heartbeats(client, accounts, films, nobody_flushes):
    """A restarted or new Redis knows no scripts: the heartbeats of that moment load it and
    run again, and the /play markers sent in the same pipeline are not disturbed."""
    viewers = [await accounts.create() for _ in range(4)]
    await cache.client().script_flush()
    await asyncio.gather(
        *(_beat(client, films[0]["id"], v, 60 + i) for i, v in enumerate(viewers)),
        *(client.get(f"{API}/films/{films[1]['id']}/play", headers=v.auth) for v in viewers),
    )
    assert await heartbeats.flush_all() == 4
    rows = await _rows()
    assert sorted(rows[v.id, uuid.UUID(films[0]["id"])] for v in viewers) == [60, 61, 62, 63]
    redis = cache.client()
    markers = [
        await redis.get(heartbeats.playing_key(v.profile_id, uuid.UUID(films[1]["id"]))) for v in viewers
    ]
    assert all(m is not None and m.endswith(b":") for m in markers), markers


async def test_a_flush_writes_what_was_pending_and_leaves_newcomers_to_the_next(
    client, accounts, films, nobody_flushes, monkeypatch
):
    """Heartbeats keep arriving while a flush writes: chasing them would turn the batch back
    into one statement per heartbeat, so they wait for the next flush."""
    early, late = await accounts.create(), await accounts.create()
    await _beat(client, films[0]["id"], early, 30)
    write = progress.write_rows

    async def while_writing(session, rows):
        if not any(row.startswith(str(late.profile_id)) for row in rows):
            await _beat(client, films[0]["id"], late, 45)  # arrives during the flush
        await write(session, rows)

    monkeypatch.setattr(progress, "write_rows", while_writing)
    assert await heartbeats.flush_all() == 1
    assert (late.id, uuid.UUID(films[0]["id"])) not in await _rows()
    assert await heartbeats.flush_all() == 1  # the next flush takes it
    assert (await _rows())[late.id, uuid.UUID(films[0]["id"])] == 45
