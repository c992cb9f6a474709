"""A view is counted for real watching only: a film that plays, after a /play by that viewer,
for progress that real time allows. (One heartbeat claiming 31 s from a throwaway account
used to count a view, even for a film with no video.)"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from tests.media_rows import heartbeat_window_passes, insert_upload

from cinema.account import heartbeats
from cinema.core import cache, db

API = "/api/v1"


@pytest.fixture
async def film(catalog):
    film = await catalog.film(title="Смотрибельный", access="free", duration_seconds=3600)
    await insert_upload(film["id"], ready=True, duration=3600)
    return film


async def _views() -> int:
    async with db.engine().connect() as conn:
        return (await conn.execute(text("SELECT coalesce(sum(views), 0) FROM film_views_daily"))).scalar_one()


async def _play(client, film_id: str, account) -> int:
    return (await client.get(f"{API}/films/{film_id}/play", headers=account.auth)).status_code


async def _beat(client, film_id: str, account, position: int) -> None:
    # each heartbeat is a new write (the 5 s coalescing window has passed)
    await heartbeat_window_passes()
    response = await client.put(
        f"{API}/films/{film_id}/progress", json={"position_seconds": position}, headers=account.auth
    )
    assert response.status_code == 204, response.text


async def _played_ago(account, film_id: str, seconds: float) -> None:
    """Time passes for the viewer's /play: its marker ("<when>:<from position>") gets older."""
    redis = cache.client()
    key = heartbeats.playing_key(account.profile_id, uuid.UUID(film_id))
    at, start = (await redis.get(key)).decode().split(":")
    await redis.set(key, f"{float(at) - seconds}:{start}", keepttl=True)


async def test_a_heartbeat_without_play_counts_no_view(client, accounts, film):
    throwaway = await accounts.create()
    await _beat(client, film["id"], throwaway, 31)
    await _beat(client, film["id"], throwaway, 3000)
    assert await _views() == 0


async def test_a_film_with_nothing_to_play_counts_no_view(client, catalog, viewer):
    silent = await catalog.film(title="Без видео", access="free", duration_seconds=3600)
    assert await _play(client, silent["id"], viewer) == 409
    await _beat(client, silent["id"], viewer, 31)
    await _beat(client, silent["id"], viewer, 90)
    assert await _views() == 0


async def test_progress_faster_than_real_time_counts_no_view(client, viewer, film):
    assert await _play(client, film["id"], viewer) == 200
    await _beat(client, film["id"], viewer, 31)  # 31 s of film, a moment after /play
    assert await _views() == 0
    await _played_ago(viewer, film["id"], 10)
    await _beat(client, film["id"], viewer, 600)
    assert await _views() == 0


async def test_watching_in_real_time_counts_one_view(client, viewer, film):
    assert await _play(client, film["id"], viewer) == 200
    await _played_ago(viewer, film["id"], 15)
    await _beat(client, film["id"], viewer, 15)
    assert await _views() == 0
    await _played_ago(viewer, film["id"], 16)  # 31 s after /play
    await _beat(client, film["id"], viewer, 31)
    assert await _views() == 1


async def test_watching_at_double_speed_counts_a_view(client, viewer, film):
    assert await _play(client, film["id"], viewer) == 200
    await _played_ago(viewer, film["id"], 8)
    await _beat(client, film["id"], viewer, 16)
    await _played_ago(viewer, film["id"], 12)  # 20 s after /play, 40 s of the film at 2x
    await _beat(client, film["id"], viewer, 40)
    assert await _views() == 1


async def test_a_short_film_watched_to_the_end_counts_a_view(client, catalog, viewer):
    short = await catalog.film(title="Короткий метр", access="free", duration_seconds=12)
    await insert_upload(short["id"], ready=True, duration=12)
    assert await _play(client, short["id"], viewer) == 200
    await _played_ago(viewer, short["id"], 5)
    await _beat(client, short["id"], viewer, 5)
    assert await _views() == 0  # under 90 % of it
    await _played_ago(viewer, short["id"], 7)  # 12 s after /play
    await _beat(client, short["id"], viewer, 11)
    assert await _views() == 1


async def test_a_resumed_film_counts_after_30_more_seconds(client, viewer, film):
    assert await _play(client, film["id"], viewer) == 200
    await _beat(client, film["id"], viewer, 10)  # stops early: no view
    async with db.engine().begin() as conn:
        await conn.execute(text("UPDATE watch_progress SET position_seconds = 1800"))  # left at 30:00
    assert await _play(client, film["id"], viewer) == 200  # resumes at 30:00
    await _played_ago(viewer, film["id"], 15)
    await _beat(client, film["id"], viewer, 1815)
    assert await _views() == 0  # 15 s watched
    await _played_ago(viewer, film["id"], 20)
    await _beat(client, film["id"], viewer, 1835)
    assert await _views() == 1


async def test_a_seek_starts_the_clock_again(client, viewer, film):
    assert await _play(client, film["id"], viewer) == 200
    await _played_ago(viewer, film["id"], 5)
    await _beat(client, film["id"], viewer, 1200)  # jumped ahead 20 minutes
    assert await _views() == 0
    await _played_ago(viewer, film["id"], 31)
    await _beat(client, film["id"], viewer, 1231)  # then watched 31 s from there
    assert await _views() == 1


async def test_without_redis_heartbeats_still_work_and_count_nothing(client, viewer, film, monkeypatch):
    assert await _play(client, film["id"], viewer) == 200
    await _played_ago(viewer, film["id"], 60)
    monkeypatch.setattr(cache, "client", lambda: None)  # Redis down: no marker can be read
    await _beat(client, film["id"], viewer, 45)
    assert await _views() == 0
    assert await _play(client, film["id"], viewer) == 200  # /play does not depend on it either
