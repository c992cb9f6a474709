"""The status machine under duplicates and reordering, fed real-shaped events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from tests.media_rows import insert_upload

from cinema.core import db
from cinema.local.media_worker import events
from cinema.media import job_state_changes, status_machine, transcoder
from cinema.media.status_machine import JobEvent

API = "/api/v1"
T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


async def _apply(*events: JobEvent) -> list[bool]:
    results = []
    for event in events:
        async with db.transaction() as session:  # as job_state_changes.handle does
            results.append(await status_machine.apply(session, event))
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


class RecordingTranscoder:
    """The Transcoder port, recording what media-status asks of it."""

    def __init__(self) -> None:
        self.calls: list[tuple[uuid.UUID, str, str, bool]] = []

    async def start(self, upload, *, bucket: str, key: str, has_audio: bool = True) -> str:
        self.calls.append((upload.id, bucket, key, has_audio))
        return f"job-without-audio-{len(self.calls)}"


@pytest.fixture
def recording_transcoder():
    recorder = RecordingTranscoder()
    transcoder.register_local(recorder)
    yield recorder
    transcoder.register_local(None)


def _aws_event(film_id: str, upload: uuid.UUID, job_id: str, kind: str, **detail) -> dict:
    return events.job_state_change(
        upload_id=upload, film_id=uuid.UUID(film_id), job_id=job_id, status=kind, **detail
    )


NO_AUDIO = "Audio track [1] not found in input container"


async def test_a_source_without_audio_is_transcoded_again_without_audio_once(
    client, catalog, admin, recording_transcoder
):
    film = await catalog.film()
    upload = await insert_upload(film["id"])
    await job_state_changes.handle(_aws_event(film["id"], upload, "job-1", "PROGRESSING"))
    answer = await job_state_changes.handle(_aws_event(film["id"], upload, "job-1", "ERROR", error=NO_AUDIO))
    assert answer["job_id"] == "job-without-audio-1"
    key = f"uploads/{film['id']}/{upload}/source.mp4"
    assert recording_transcoder.calls == [(upload, "cinema-uploads", key, False)]
    media = await _media(client, admin, film["id"])
    assert (media["status"], media.get("error")) == ("transcoding", None)

    # The failed job's duplicate and late events change nothing and start nothing more.
    for late in ("ERROR", "PROGRESSING"):
        again = await job_state_changes.handle(_aws_event(film["id"], upload, "job-1", late, error=NO_AUDIO))
        assert again["applied"] is False
    assert len(recording_transcoder.calls) == 1
    assert (await _media(client, admin, film["id"]))["status"] == "transcoding"

    # The silent job finishes the upload.
    ladder = [{"height": 360, "bitrate": 800_000}]
    await job_state_changes.handle(_aws_event(film["id"], upload, "job-without-audio-1", "PROGRESSING"))
    await job_state_changes.handle(
        _aws_event(
            film["id"], upload, "job-without-audio-1", "COMPLETE", renditions=ladder, duration_ms=60_000
        )
    )
    assert (await _media(client, admin, film["id"]))["status"] == "ready"


async def test_the_silent_job_failing_the_same_way_fails_the_upload(
    client, catalog, admin, recording_transcoder
):
    film = await catalog.film()
    upload = await insert_upload(film["id"])
    await job_state_changes.handle(_aws_event(film["id"], upload, "job-1", "PROGRESSING"))
    await job_state_changes.handle(_aws_event(film["id"], upload, "job-1", "ERROR", error=NO_AUDIO))
    await job_state_changes.handle(
        _aws_event(film["id"], upload, "job-without-audio-1", "ERROR", error=NO_AUDIO)
    )
    media = await _media(client, admin, film["id"])
    assert (media["status"], media["error"]) == ("failed", NO_AUDIO)
    assert len(recording_transcoder.calls) == 1


async def test_other_errors_fail_the_upload_without_a_new_job(client, catalog, admin, recording_transcoder):
    film = await catalog.film()
    upload = await insert_upload(film["id"])
    await job_state_changes.handle(_aws_event(film["id"], upload, "job-1", "PROGRESSING"))
    await job_state_changes.handle(
        _aws_event(film["id"], upload, "job-1", "ERROR", error="Invalid input: unsupported codec")
    )
    assert (await _media(client, admin, film["id"]))["status"] == "failed"
    assert recording_transcoder.calls == []
