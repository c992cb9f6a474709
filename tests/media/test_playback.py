from __future__ import annotations

import asyncio
import uuid
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import text
from tests.media_rows import heartbeat_window_passes, insert_upload

from cinema.account import heartbeats
from cinema.core import cache, db
from cinema.local.edge import signatures as edge_auth

API = "/api/v1"


@pytest.fixture
async def free_film(catalog):
    film = await catalog.film(title="Free film", access="free", duration_seconds=600)
    film["upload_id"] = await insert_upload(film["id"], ready=True)
    return film


async def test_play_returns_a_cloudfront_signature_over_the_films_prefix(
    client, viewer, free_film, cloudfront_public_keys
):
    def _verify(url: str, query: dict | None = None, cookies: dict | None = None) -> bool:
        return edge_auth.verify(
            url, query=query or {}, cookies=cookies or {}, public_keys=cloudfront_public_keys
        )

    response = await client.get(f"{API}/films/{free_film['id']}/play", headers=viewer.auth)
    assert response.status_code == 200, response.text
    body = response.json()
    url = urlsplit(body["manifest_url"])
    query = dict(parse_qsl(url.query))
    assert url.path.endswith(f"/hls/{free_film['id']}/{free_film['upload_id']}/master.m3u8")
    assert set(query) == {"Policy", "Signature", "Key-Pair-Id"}
    assert set(body["cookies"]) == {"CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id"}
    base = body["manifest_url"].split("?")[0]
    segment = base.replace("master.m3u8", "360p/seg_00001.ts")
    other_film = base.replace(free_film["id"], str(uuid.uuid4()))
    assert _verify(base, query=query)
    assert _verify(segment, cookies=body["cookies"])  # the grant covers every file of the film
    assert not _verify(other_film, query=query)


async def test_entitlement_and_readiness(client, catalog, accounts, viewer, admin):
    paid = await catalog.film(title="Paid", access="subscription")
    await insert_upload(paid["id"], ready=True)
    not_ready = await catalog.film(title="Not ready", access="free")
    draft = await catalog.film(title="Draft", access="free", publish=False)
    await insert_upload(draft["id"], ready=True)
    assert (await client.get(f"{API}/films/{paid['id']}/play", headers=viewer.auth)).status_code == 402
    assert (
        await client.get(f"{API}/films/{paid['id']}/play", headers=admin.auth)
    ).status_code == 200  # staff
    moderator = await accounts.create("moderator")
    assert (await client.get(f"{API}/films/{paid['id']}/play", headers=moderator.auth)).status_code == 200
    assert (await client.get(f"{API}/films/{not_ready['id']}/play", headers=viewer.auth)).status_code == 409
    assert (await client.get(f"{API}/films/{draft['id']}/play", headers=viewer.auth)).status_code == 404
    assert (await client.get(f"{API}/films/{paid['id']}/play")).status_code == 401
    assert (await client.get(f"{API}/films/{uuid.uuid4()}/play", headers=viewer.auth)).status_code == 404


async def _progress(client, film_id: str, account, position: int) -> int:
    response = await client.put(
        f"{API}/films/{film_id}/progress", json={"position_seconds": position}, headers=account.auth
    )
    return response.status_code


async def _row(film_id: str, profile_id: uuid.UUID) -> dict | None:
    """The viewer's watch_progress row once the pending heartbeats have been written."""
    await heartbeats.flush_all()
    async with db.engine().connect() as conn:
        row = (
            (
                await conn.execute(
                    text(
                        "SELECT position_seconds, duration_seconds, view_counted_at FROM watch_progress"
                        " WHERE film_id = :f AND profile_id = :p"
                    ),
                    {"f": film_id, "p": profile_id},
                )
            )
            .mappings()
            .first()
        )
    return dict(row) if row else None


async def test_heartbeats_upsert_one_row_and_coalesce_floods(client, viewer, free_film):
    assert await _progress(client, free_film["id"], viewer, 12) == 204
    assert (await _row(free_film["id"], viewer.profile_id))["position_seconds"] == 12
    codes = await asyncio.gather(*(_progress(client, free_film["id"], viewer, 13 + i) for i in range(20)))
    assert set(codes) == {204}
    row = await _row(free_film["id"], viewer.profile_id)
    assert row["position_seconds"] == 12  # the flood within 5 s wrote nothing
    await heartbeat_window_passes()  # five seconds later ...
    await _progress(client, free_film["id"], viewer, 40)
    assert (await _row(free_film["id"], viewer.profile_id))["position_seconds"] == 40


async def test_a_view_counts_once_per_day_after_30_seconds(client, viewer, accounts, free_film):
    """30 s watched after /play (tests/media/test_views.py has the rules that make it real)."""

    async def play(account) -> None:
        response = await client.get(f"{API}/films/{free_film['id']}/play", headers=account.auth)
        assert response.status_code == 200
        # a minute passes: the /play marker is made that much older
        redis, key = cache.client(), heartbeats.playing_key(account.profile_id, uuid.UUID(free_film["id"]))
        at, start = (await redis.get(key)).decode().split(":")
        await redis.set(key, f"{float(at) - 60}:{start}", keepttl=True)

    async def views() -> int:
        async with db.engine().connect() as conn:
            return (
                await conn.execute(text("SELECT coalesce(sum(views), 0) FROM film_views_daily"))
            ).scalar_one()

    async def later() -> None:
        await heartbeat_window_passes()

    await play(viewer)
    await _progress(client, free_film["id"], viewer, 10)
    assert await views() == 0
    await later()
    await _progress(client, free_film["id"], viewer, 31)
    assert await views() == 1
    await later()
    await _progress(client, free_film["id"], viewer, 300)
    assert await views() == 1  # the same viewer, the same day
    other = await accounts.create()
    await play(other)
    await _progress(client, free_film["id"], other, 45)
    assert await views() == 2
    async with db.engine().begin() as conn:
        await conn.execute(
            text(
                "UPDATE watch_progress SET view_counted_at = now() - interval '25 hours',"
                " updated_at = now() - interval '6 seconds'"
            )
        )
    for key in [key async for key in cache.client().scan_iter("cinema:viewed:*")]:
        await cache.client().delete(key)  # ... and the day's "view counted" marks expire
    await heartbeat_window_passes()
    await play(viewer)  # the next day, from 300 s on
    await _progress(client, free_film["id"], viewer, 340)
    assert await views() == 3


async def test_bad_heartbeats(client, catalog, viewer, free_film):
    paid = await catalog.film(access="subscription")
    assert await _progress(client, free_film["id"], viewer, 600 + 61) == 422
    assert await _progress(client, free_film["id"], viewer, -1) == 422
    assert await _progress(client, paid["id"], viewer, 10) == 402
    assert await _progress(client, str(uuid.uuid4()), viewer, 10) == 404
    response = await client.put(f"{API}/films/{free_film['id']}/progress", json={"position_seconds": 5})
    assert response.status_code == 401
    assert await _row(free_film["id"], viewer.profile_id) is None
