from __future__ import annotations

import uuid

import httpx
import pytest

from cinema.local.media_worker.events import s3_object_created_event
from cinema.media import pipeline

API = "/api/v1"
MIB = 1024 * 1024


@pytest.fixture
def sunk_events(monkeypatch):
    """The local pipeline's sink: records the S3 events a completed upload emits."""
    events: list[dict] = []

    async def sink(bucket: str, key: str) -> None:
        events.append(s3_object_created_event(bucket, key))

    monkeypatch.setattr(pipeline, "_local_sink", sink)
    return events


async def _put_parts(upload: dict, data: bytes) -> list[dict]:
    parts = []
    async with httpx.AsyncClient(timeout=60) as s3:
        for part in upload["parts"]:
            start = (part["part_number"] - 1) * upload["part_size"]
            response = await s3.put(part["url"], content=data[start : start + upload["part_size"]])
            assert response.status_code == 200, response.text
            parts.append({"part_number": part["part_number"], "etag": response.headers["etag"]})
    return parts


async def test_multipart_upload_through_presigned_urls(client, catalog, admin, sunk_events):
    film = await catalog.film(title="Uploaded")
    data = bytes(range(256)) * (9 * MIB // 256 + 1000)  # a bit over 9 MiB: two parts
    started = await client.post(
        f"{API}/admin/films/{film['id']}/upload",
        json={"filename": "film.mp4", "content_type": "video/mp4", "size_bytes": len(data)},
        headers=admin.auth,
    )
    assert started.status_code == 201, started.text
    upload = started.json()
    assert upload["key"] == f"uploads/{film['id']}/{upload['upload_id']}/source.mp4"
    assert upload["part_size"] == 8 * MIB
    assert [p["part_number"] for p in upload["parts"]] == [1, 2]
    assert upload["complete_url"].endswith(f"/api/v1/admin/films/{film['id']}/upload/complete")

    parts = await _put_parts(upload, data)
    done = await client.post(
        httpx.URL(upload["complete_url"]).path,
        json={"upload_id": upload["upload_id"], "parts": parts},
        headers=admin.auth,
    )
    assert done.status_code == 202, done.text
    assert done.json()["status"] == "uploaded"
    assert sunk_events[0]["Records"][0]["s3"]["object"]["key"] == upload["key"]
    again = await client.post(
        f"{API}/admin/films/{film['id']}/upload/complete",
        json={"upload_id": upload["upload_id"], "parts": parts},
        headers=admin.auth,
    )
    assert again.status_code == 409
    media = await client.get(f"{API}/admin/films/{film['id']}/media", headers=admin.auth)
    assert media.json()["status"] == "uploaded"


async def test_wrong_etags_are_refused_and_the_upload_stays_open(client, catalog, admin, sunk_events):
    film = await catalog.film()
    data = b"x" * (MIB + 17)
    upload = (
        await client.post(
            f"{API}/admin/films/{film['id']}/upload",
            json={"filename": "a.mov", "content_type": "video/quicktime", "size_bytes": len(data)},
            headers=admin.auth,
        )
    ).json()
    parts = await _put_parts(upload, data)
    bad = await client.post(
        f"{API}/admin/films/{film['id']}/upload/complete",
        json={"upload_id": upload["upload_id"], "parts": [{"part_number": 1, "etag": '"0000"'}]},
        headers=admin.auth,
    )
    assert bad.status_code == 422
    good = await client.post(
        f"{API}/admin/films/{film['id']}/upload/complete",
        json={"upload_id": upload["upload_id"], "parts": parts},
        headers=admin.auth,
    )
    assert good.status_code == 202
    assert len(sunk_events) == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"filename": "a.txt", "content_type": "text/plain", "size_bytes": 10}, 422),
        ({"filename": "a.exe", "content_type": "application/octet-stream", "size_bytes": 10}, 422),
        ({"filename": "a.mp4", "content_type": "video/mp4", "size_bytes": 0}, 422),
        ({"filename": "a.mp4", "content_type": "video/mp4", "size_bytes": 51 * 1024**3}, 422),
        ({"filename": "", "content_type": "video/mp4", "size_bytes": 10}, 422),
        ({"filename": "a.mp4", "content_type": "video/mp4", "size_bytes": 10, "key": "../../etc"}, 422),
    ],
)
async def test_bad_uploads_are_refused(client, catalog, admin, body, status):
    film = await catalog.film()
    response = await client.post(f"{API}/admin/films/{film['id']}/upload", json=body, headers=admin.auth)
    assert response.status_code == status, response.text


async def test_upload_for_an_unknown_film_or_upload(client, catalog, admin):
    body = {"filename": "a.mp4", "content_type": "video/mp4", "size_bytes": 10}
    unknown_film = await client.post(
        f"{API}/admin/films/{uuid.uuid4()}/upload", json=body, headers=admin.auth
    )
    film = await catalog.film()
    unknown_upload = await client.post(
        f"{API}/admin/films/{film['id']}/upload/complete",
        json={"upload_id": str(uuid.uuid4()), "parts": [{"part_number": 1, "etag": "x"}]},
        headers=admin.auth,
    )
    media = await client.get(f"{API}/admin/films/{uuid.uuid4()}/media", headers=admin.auth)
    assert (unknown_film.status_code, unknown_upload.status_code, media.status_code) == (404, 404, 404)
    fresh = (await client.get(f"{API}/admin/films/{film['id']}/media", headers=admin.auth)).json()
    assert fresh == {
        "status": "none",
        "percent": 0,
        "renditions": [],
        "error": None,
        "upload_id": None,
        "duration_seconds": None,
        "open_upload": None,
    }


async def test_media_routes_are_admin_only(client, catalog, accounts):
    film = await catalog.film()
    body = {"filename": "a.mp4", "content_type": "video/mp4", "size_bytes": 10}
    moderator = await accounts.create("moderator")
    for headers, expected in (({}, 401), (moderator.auth, 403)):
        assert (
            await client.post(f"{API}/admin/films/{film['id']}/upload", json=body, headers=headers)
        ).status_code == expected
        assert (
            await client.get(f"{API}/admin/films/{film['id']}/media", headers=headers)
        ).status_code == expected
