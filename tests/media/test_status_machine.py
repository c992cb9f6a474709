"""The status machine under duplicates and reordering, fed real-shaped events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from tests.media_rows import insert_upload

from cinema.core import db
from cinema.media import status
from cinema.media.status import JobEvent

API = "/api/v1"
T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


async def _apply(*events: JobEvent) -> list[bool]:
    results = []
    for event in events:
        async with db.transaction() as session:  # as status_events.handle does
            results.append(await status.apply(session, event))
    return results


def ev(upload_id: uuid.UUID, kind: str, minutes: int, **kw) -> JobEvent:
    return JobEvent(
        upload_id=upload_id, status=kind, at=T0 + timedelta(minutes=minutes), job_id="job-1", **kw
    )


LADDER = [{"height": 720, "bitrate": 3_000_000}, {"height": 360, "bitrate": 800_000}]


async def _media(client, admin, film_id: str) -> dict:
    return (await client.get(f"{API}/admin/films/{film_id}/media", headers=admin.auth)).json()


async def test_the_happy_path_with_progress(client, catalog, admin):
    film = await catalog.film()
    upload = await insert_upload(film["id"])
    await _apply(ev(upload, "PROGRESSING", 1), ev(upload, "STATUS_UPDATE", 2, percent=40))
    assert (await _media(client, admin, film["id"]))[("status")] == "transcoding"
    assert (await _media(client, admin, film["id"]))["percent"] == 40
    await _apply(ev(upload, "COMPLETE", 3, renditions=LADDER, duration_seconds=600))
    media = await _media(client, admin, film["id"])
    assert (media["status"], media["percent"], media["duration_seconds"]) == ("ready", 100, 600)
    assert media["renditions"] == [{"height": 360, "bitrate": 800_000}, {"height": 720, "bitrate": 3_000_000}]


async def test_duplicates_and_late_events_change_nothing(client, catalog, admin):
    film = await catalog.film()
    upload = await insert_upload(film["id"])
    results = await _apply(
        ev(upload, "STATUS_UPDATE", 2, percent=60),
        ev(upload, "STATUS_UPDATE", 1, percent=30),  # older percent arrives late
        ev(upload, "COMPLETE", 5, renditions=LADDER, duration_seconds=60),
        ev(upload, "PROGRESSING", 0),  # a late PROGRESSING never overrides COMPLETE
        ev(upload, "COMPLETE", 5, renditions=LADDER, duration_seconds=60),  # duplicate
        ev(upload, "ERROR", 6, error="boom"),  # nothing after a terminal state
    )
    assert results == [True, False, True, False, False, False]
    media = await _media(client, admin, film["id"])
    assert (media["status"], media["percent"], media["error"]) == ("ready", 100, None)


async def test_error_keeps_the_reason_and_old_renditions_keep_playing(client, catalog, admin):
    film = await catalog.film()
    first = await insert_upload(film["id"], created=T0)
    await _apply(ev(first, "COMPLETE", 1, renditions=LADDER, duration_seconds=60))
    second = await insert_upload(film["id"], created=T0 + timedelta(hours=1))
    await _apply(ev(second, "PROGRESSING", 61), ev(second, "ERROR", 62, error="unsupported codec"))
    media = await _media(client, admin, film["id"])
    assert (media["status"], media["error"]) == ("failed", "unsupported codec")
    assert len(media["renditions"]) == 2  # the first upload still plays


async def test_a_reupload_replaces_renditions_only_when_ready_and_only_if_newer(client, catalog, admin):
    film = await catalog.film()
    old = await insert_upload(film["id"], created=T0)
    new = await insert_upload(film["id"], created=T0 + timedelta(hours=1))
    await _apply(ev(new, "PROGRESSING", 61))
    await _apply(ev(old, "COMPLETE", 62, renditions=[{"height": 360, "bitrate": 1}], duration_seconds=60))
    assert (await _media(client, admin, film["id"]))["renditions"] == [{"height": 360, "bitrate": 1}]
    await _apply(ev(new, "COMPLETE", 63, renditions=LADDER, duration_seconds=60))
    assert len((await _media(client, admin, film["id"]))["renditions"]) == 2
    # the older upload finishing again (a duplicate) does not take the film back
    await _apply(ev(old, "COMPLETE", 64, renditions=[{"height": 360, "bitrate": 1}], duration_seconds=60))
    assert len((await _media(client, admin, film["id"]))["renditions"]) == 2


async def test_unknown_uploads_and_event_types_are_ignored(catalog):
    film = await catalog.film()
    upload = await insert_upload(film["id"])
    assert await _apply(ev(uuid.uuid4(), "COMPLETE", 1), ev(upload, "NEW_WARNING", 1)) == [False, False]


async def _poster_url(client, film_id: str) -> str | None:
    return (await client.get(f"{API}/films/{film_id}")).json()["poster_url"]


async def test_the_captured_frame_becomes_the_poster_unless_staff_set_one(client, catalog, admin):
    film = await catalog.film()
    first, second = await insert_upload(film["id"]), await insert_upload(film["id"])
    assert await _poster_url(client, film["id"]) is None
    frame = f"hls/{film['id']}/{first}/poster.jpg"
    await _apply(ev(first, "COMPLETE", 1, renditions=LADDER, duration_seconds=60, poster_key=frame))
    assert (await _poster_url(client, film["id"])).endswith("/" + frame)  # the cached page was dropped
    newer = f"hls/{film['id']}/{second}/poster.jpg"
    await _apply(ev(second, "COMPLETE", 2, renditions=LADDER, duration_seconds=60, poster_key=newer))
    assert (await _poster_url(client, film["id"])).endswith("/" + newer)  # a re-upload brings its frame

    staff = await catalog.film()
    own = await client.patch(
        f"{API}/admin/films/{staff['id']}", json={"poster_key": "posters/own.jpg"}, headers=admin.auth
    )
    assert own.status_code == 200, own.text
    upload = await insert_upload(staff["id"])
    await _apply(
        ev(
            upload,
            "COMPLETE",
            1,
            renditions=LADDER,
            duration_seconds=60,
            poster_key=f"hls/{staff['id']}/x.jpg",
        )
    )
    assert (await _poster_url(client, staff["id"])).endswith("/posters/own.jpg")
