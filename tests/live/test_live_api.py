"""The Live rows of API.md through the public surface: roles, statuses, the hooks' rules."""

from __future__ import annotations

import os
import secrets
import uuid

import pytest

from cinema.core.settings import get_settings

API = "/api/v1"
HOOK_SECRET = "hook-" + secrets.token_urlsafe(24)


@pytest.fixture(autouse=True)
def hook_settings(services, monkeypatch):
    monkeypatch.setenv("CINEMA_LIVE_HOOK_SECRET", HOOK_SECRET)
    monkeypatch.setenv("CINEMA_LIVE_RTMP_PORT", "19350")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def form(**fields: str) -> str:
    base = {"app": "ingest", "flashver": "FMLE/3.0", "tcurl": "rtmp://127.0.0.1:19350/ingest", "pageurl": ""}
    base |= {"addr": "127.0.0.1", "clientid": "7", "call": "publish", "type": "live"}
    return "&".join(f"{k}={v}" for k, v in (base | fields).items())


async def hook(client, which: str, body: str, secret: str | None = HOOK_SECRET):
    query = f"?secret={secret}" if secret is not None else ""
    return await client.post(
        f"{API}/live/hooks/{which}{query}",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


async def new_event(client, admin, **fields):
    answer = await client.post(f"{API}/admin/live", json={"title": "Premiere"} | fields, headers=admin.auth)
    assert answer.status_code == 201, answer.text
    return answer.json()


async def test_admin_creates_an_event_and_sees_its_key_once(client, admin, viewer):
    created = await new_event(client, admin, description="opening night")
    assert created["status"] == "scheduled"
    assert created["stream_key"].startswith("live_")
    assert len(created["stream_key"]) > 40
    assert created["ingest_url"].startswith("rtmp://")
    assert created["ingest_url"].endswith("/ingest")
    listed = (await client.get(f"{API}/admin/live", headers=admin.auth)).json()
    assert [e["id"] for e in listed["items"]] == [created["id"]]
    assert listed["total"] == 1
    public = await client.get(f"{API}/live")
    one = await client.get(f"{API}/live/{created['id']}")
    for answer in (listed, public.json(), one.json()):
        assert created["stream_key"] not in str(answer)
    assert one.json()["status"] == "scheduled"
    assert one.json()["replay_film_id"] is None


async def test_roles(client, admin, viewer, accounts):
    moderator = await accounts.create("moderator")
    event_id = uuid.uuid4()
    for who, code in ((None, 401), (viewer, 403), (moderator, 403)):
        headers = who.auth if who else {}
        assert (
            await client.post(f"{API}/admin/live", json={"title": "x"}, headers=headers)
        ).status_code == code
        assert (await client.get(f"{API}/admin/live", headers=headers)).status_code == code
        for action in ("rotate-key", "end"):
            answer = await client.post(f"{API}/admin/live/{event_id}/{action}", headers=headers)
            assert answer.status_code == code
    assert (await client.get(f"{API}/live/{event_id}/play")).status_code == 401
    assert (await client.get(f"{API}/live/{event_id}")).status_code == 404
    assert (await client.get(f"{API}/live/{event_id}/play", headers=viewer.auth)).status_code == 404
    assert (await client.post(f"{API}/admin/live/{event_id}/end", headers=admin.auth)).status_code == 404
    unknown_film = {"title": "x", "film_id": str(uuid.uuid4())}
    assert (await client.post(f"{API}/admin/live", json=unknown_film, headers=admin.auth)).status_code == 404


async def test_a_valid_key_is_redirected_to_the_public_name(client, admin, viewer):
    event = await new_event(client, admin)
    answer = await hook(client, "publish", form(name=event["stream_key"]))
    assert answer.status_code == 302
    assert answer.headers["location"] == f"rtmp://127.0.0.1:19350/show/{event['id']}"
    assert (await client.get(f"{API}/live/{event['id']}")).json()["status"] == "live"
    play = await client.get(f"{API}/live/{event['id']}/play", headers=viewer.auth)
    assert play.status_code == 200, play.text
    body = play.json()
    assert body["manifest_url"].startswith(f"{get_settings().media_base_url}/live/{event['id']}/index.m3u8?")
    assert set(body["cookies"]) == {"CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id"}
    assert event["stream_key"] not in play.text


async def test_hooks_refuse_everything_else(client, admin):
    event = await new_event(client, admin)
    key = event["stream_key"]
    assert (await hook(client, "publish", form(name=key), secret=None)).status_code == 403
    assert (await hook(client, "publish", form(name=key), secret="wrong")).status_code == 403
    assert (await hook(client, "publish", form(name="live_" + "x" * 43))).status_code == 403
    assert (await hook(client, "publish", form(name=key) + "&name=other")).status_code == 403
    assert (await hook(client, "publish", form(name=key, app="show"))).status_code == 403
    assert (await hook(client, "publish", "")).status_code == 403
    # none of those touched the event; the real publish passes, a second one is refused
    assert (await hook(client, "publish", form(name=key))).status_code == 302
    assert (await hook(client, "publish", form(name=key, clientid="8"))).status_code == 403
    # the refused second publisher's publish-done does not end the broadcast
    assert (
        await hook(client, "publish-done", form(name=key, clientid="8", call="publish_done"))
    ).status_code == 204
    assert (await client.get(f"{API}/live/{event['id']}")).json()["status"] == "live"


async def test_rotation_refuses_the_old_key(client, admin):
    event = await new_event(client, admin)
    rotated = await client.post(f"{API}/admin/live/{event['id']}/rotate-key", headers=admin.auth)
    assert rotated.status_code == 200
    assert rotated.json()["stream_key"] != event["stream_key"]
    assert (await hook(client, "publish", form(name=event["stream_key"]))).status_code == 403
    assert (await hook(client, "publish", form(name=rotated.json()["stream_key"]))).status_code == 302


async def test_publish_done_ends_the_event_with_a_draft_replay_film(client, admin, viewer):
    event = await new_event(client, admin)
    key = event["stream_key"]
    assert (await hook(client, "publish", form(name=key))).status_code == 302
    # rotated during the broadcast: the connection still names the old key when it stops
    await client.post(f"{API}/admin/live/{event['id']}/rotate-key", headers=admin.auth)
    assert (await hook(client, "publish-done", form(name=key, call="publish_done"))).status_code == 204
    ended = (await client.get(f"{API}/live/{event['id']}")).json()
    assert ended["status"] == "ended"
    assert ended["ended_at"]
    assert ended["replay_film_id"]
    film = await client.get(f"{API}/admin/films/{ended['replay_film_id']}", headers=admin.auth)
    assert film.status_code == 200
    assert film.json()["status"] == "draft"
    assert (await client.get(f"{API}/live/{event['id']}/play", headers=viewer.auth)).status_code == 409
    assert (await hook(client, "publish", form(name=key))).status_code == 403
    assert event["id"] not in [e["id"] for e in (await client.get(f"{API}/live")).json()["items"]]
    assert (await client.post(f"{API}/admin/live/{event['id']}/end", headers=admin.auth)).status_code == 409
    assert (
        await client.post(f"{API}/admin/live/{event['id']}/rotate-key", headers=admin.auth)
    ).status_code == 409


async def test_admin_ends_a_scheduled_event_and_its_key_is_refused(client, admin, viewer):
    event = await new_event(client, admin)
    assert (await client.get(f"{API}/live/{event['id']}/play", headers=viewer.auth)).status_code == 409
    assert (await client.post(f"{API}/admin/live/{event['id']}/end", headers=admin.auth)).status_code == 204
    assert (await hook(client, "publish", form(name=event["stream_key"]))).status_code == 403
    ended = (await client.get(f"{API}/live/{event['id']}")).json()
    assert ended["status"] == "ended"
    assert ended["replay_film_id"] is None


async def test_an_event_tied_to_a_paid_film_needs_the_entitlement(client, admin, viewer, catalog):
    film = await catalog.film(title="Paid", access="subscription")
    event = await new_event(client, admin, film_id=film["id"])
    assert (await hook(client, "publish", form(name=event["stream_key"]))).status_code == 302
    assert (await client.get(f"{API}/live/{event['id']}/play", headers=viewer.auth)).status_code == 402
    assert (await client.get(f"{API}/live/{event['id']}/play", headers=admin.auth)).status_code == 200


def test_no_hook_secret_configured_closes_the_hooks(monkeypatch):
    assert os.environ.get("CINEMA_LIVE_HOOK_SECRET") == HOOK_SECRET  # the fixture set one
    from cinema.live import keys  # noqa: PLC0415

    assert not keys.secret_matches("", "")
    assert not keys.secret_matches("", "anything")


async def test_the_update_hook_keeps_only_the_publisher_on_air(client, admin):
    event = await new_event(client, admin)
    key = event["stream_key"]
    update = form(name=key, call="update_publish")
    assert (await hook(client, "update", update)).status_code == 403  # not on air yet
    assert (await hook(client, "publish", form(name=key))).status_code == 302
    assert (await hook(client, "update", update)).status_code == 204
    assert (
        await hook(client, "update", form(name=key, clientid="9", call="update_publish"))
    ).status_code == 403
    assert (await hook(client, "update", update, secret="wrong")).status_code == 403
    await client.post(f"{API}/admin/live/{event['id']}/rotate-key", headers=admin.auth)
    assert (await hook(client, "update", update)).status_code == 204  # rotation keeps the one on air
    assert (await client.post(f"{API}/admin/live/{event['id']}/end", headers=admin.auth)).status_code == 204
    assert (await hook(client, "update", update)).status_code == 403  # nginx drops it now


async def test_the_update_hook_leaves_the_relay_alone(client):
    # what nginx sends for its relay from `ingest` into `show`: no app, a "play" of the key's stream
    relay = (
        "app=&flashver=ngx-local-relay&addr=127.0.0.1%3A19350%2Fshow%2Fx&clientid=6&call=update_play&name=k"
    )
    assert (await hook(client, "update", relay)).status_code == 204
