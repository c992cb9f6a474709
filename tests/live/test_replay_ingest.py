"""A recording stored at uploads/live/<event>/... reaches media-ingest as any S3 upload does
(the AWS container's uploader puts it there; so does the local runner) and becomes an upload of
the event's replay film: once, however often S3 delivers the event, and never before the
broadcast has ended."""

from __future__ import annotations

import uuid

import pytest
from tests.live.test_live_api import form, hook, hook_settings  # noqa: F401 - the hook secret
from tests.media.test_status_machine import recording_transcoder  # noqa: F401 - the port fake

from cinema.live import replay
from cinema.local.media_worker import events
from cinema.media import ingest, storage

API = "/api/v1"


def _store(key: str) -> None:
    storage.s3_client().put_object(Bucket="cinema-uploads", Key=key, Body=b"FLV\x01" + b"\x00" * 64)


async def test_a_stored_recording_becomes_one_upload_of_the_replay_film(client, admin, recording_transcoder):  # noqa: F811
    event = (await client.post(f"{API}/admin/live", json={"title": "Replay"}, headers=admin.auth)).json()
    key = replay.recording_key(uuid.UUID(event["id"]), f"{event['id']}-1796286225.flv")
    _store(key)
    s3_event = events.s3_object_created_event("cinema-uploads", key)

    assert (await hook(client, "publish", form(name=event["stream_key"]))).status_code == 302
    with pytest.raises(replay.RecordingTooEarly):  # still on air: S3 retries later
        await ingest.handle(s3_event)
    assert recording_transcoder.calls == []

    await hook(client, "publish-done", form(name=event["stream_key"], call="publish_done"))
    film_id = (await client.get(f"{API}/live/{event['id']}")).json()["replay_film_id"]
    first = await ingest.handle(s3_event)
    again = await ingest.handle(s3_event)  # S3 delivers at least once
    assert (len(first["started"]), again["started"]) == (1, [])
    assert [(bucket, stored) for _, bucket, stored, _ in recording_transcoder.calls] == [
        ("cinema-uploads", key)
    ]
    media = (await client.get(f"{API}/admin/films/{film_id}/media", headers=admin.auth)).json()
    assert media["status"] == "transcoding"


async def test_a_recording_of_no_known_event_starts_nothing(recording_transcoder, services):  # noqa: F811
    key = replay.recording_key(uuid.uuid4(), "x-1.flv")
    _store(key)
    assert (await ingest.handle(events.s3_object_created_event("cinema-uploads", key)))["started"] == []
    assert not replay.is_recording("uploads/live/../x.flv")
    assert recording_transcoder.calls == []
