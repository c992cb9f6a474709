"""media-status with MediaConvert's own event JSON: duplicates and reordering included."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from tests.functions.fresh_process import answers
from tests.media_rows import insert_upload

ROOT = Path(__file__).parents[2]
EVENTS = ROOT / "tests" / "events"
API = "/api/v1"


def load(name: str, film_id: str, upload_id: uuid.UUID) -> dict:
    raw = (EVENTS / f"mediaconvert_{name}.json").read_text()
    return json.loads(raw.replace("FILM_ID", film_id).replace("UPLOAD_ID", str(upload_id)))


def invoke(events: list[dict]) -> list[dict]:
    return answers("media_status", events)


async def test_mediaconvert_events_in_any_order_end_ready(client, catalog, admin):
    film = await catalog.film()
    upload = await insert_upload(film["id"])
    e = {name: load(name, film["id"], upload) for name in ("progressing", "status_update", "complete")}
    answers = invoke([e["status_update"], e["progressing"], e["complete"], e["progressing"], e["complete"]])
    assert [a["applied"] for a in answers] == [True, False, True, False, False]
    media = (await client.get(f"{API}/admin/films/{film['id']}/media", headers=admin.auth)).json()
    assert (media["status"], media["percent"], media["duration_seconds"]) == ("ready", 100, 600)
    assert [r["height"] for r in media["renditions"]] == [360, 540, 720, 1080]
    # The frame capture MediaConvert reported (FILE_GROUP) is the film's poster now.
    poster = (await client.get(f"{API}/films/{film['id']}")).json()["poster_url"]
    assert poster.endswith(f"/hls/{film['id']}/{upload}/poster.0000000.jpg")


async def test_error_event_and_foreign_events(client, catalog, admin):
    film = await catalog.film()
    upload = await insert_upload(film["id"])
    foreign = load("complete", film["id"], upload) | {"detail-type": "EC2 Instance State-change Notification"}
    unknown_upload = load("complete", film["id"], uuid.uuid4())
    answers = invoke([foreign, unknown_upload, load("error", film["id"], upload)])
    assert [a["applied"] for a in answers] == [False, False, True]
    media = (await client.get(f"{API}/admin/films/{film['id']}/media", headers=admin.auth)).json()
    assert (media["status"], media["error"]) == ("failed", "Invalid input: unsupported codec")
