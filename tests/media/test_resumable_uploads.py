"""Resuming and aborting presigned multipart uploads: what the web app does after a reload."""

from __future__ import annotations

import uuid

import httpx
import pytest
from botocore.exceptions import ClientError

from cinema.core.settings import get_settings
from cinema.media import pipeline, storage

API = "/api/v1"
MIB = 1024 * 1024
DATA = bytes(range(256)) * (17 * MIB // 256)  # 17 MiB: three parts of 8, 8 and 1 MiB


@pytest.fixture(autouse=True)
def no_pipeline(monkeypatch):
    async def sink(bucket: str, key: str) -> None:
        return None

    monkeypatch.setattr(pipeline, "_local_sink", sink)


async def _start(client, admin, film_id: str) -> dict:
    response = await client.post(
        f"{API}/admin/films/{film_id}/upload",
        json={"filename": "big.mp4", "content_type": "video/mp4", "size_bytes": len(DATA)},
        headers=admin.auth,
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _put(part: dict, part_size: int) -> str:
    start = (part["part_number"] - 1) * part_size
    async with httpx.AsyncClient(timeout=60) as s3:
        response = await s3.put(part["url"], content=DATA[start : start + part_size])
    assert response.status_code == 200, response.text
    return response.headers["etag"]


def _path(film_id: str, upload_id: str) -> str:
    return f"{API}/admin/films/{film_id}/upload/{upload_id}"


async def test_an_upload_resumes_with_fresh_urls_and_the_parts_s3_has(client, catalog, admin):
    film = await catalog.film()
    upload = await _start(client, admin, film["id"])
    first, _, last = upload["parts"]
    etags = {1: await _put(first, upload["part_size"]), 3: await _put(last, upload["part_size"])}

    media = (await client.get(f"{API}/admin/films/{film['id']}/media", headers=admin.auth)).json()
    assert media["status"] == "none"
    assert media["open_upload"]["upload_id"] == upload["upload_id"]
    assert (media["open_upload"]["filename"], media["open_upload"]["size_bytes"]) == ("big.mp4", len(DATA))

    response = await client.get(_path(film["id"], upload["upload_id"]), headers=admin.auth)
    assert response.status_code == 200, response.text
    resumed = response.json()
    assert {
        k: resumed[k] for k in ("upload_id", "key", "filename", "content_type", "size_bytes", "part_size")
    } == {
        "upload_id": upload["upload_id"],
        "key": upload["key"],
        "filename": "big.mp4",
        "content_type": "video/mp4",
        "size_bytes": len(DATA),
        "part_size": 8 * MIB,
    }
    assert resumed["uploaded"] == [
        {"part_number": 1, "etag": etags[1], "size": 8 * MIB},
        {"part_number": 3, "etag": etags[3], "size": len(DATA) - 16 * MIB},
    ]
    assert [p["part_number"] for p in resumed["parts"]] == [1, 2, 3]
    assert resumed["complete_url"] == upload["complete_url"]
    assert resumed["expires_in"] == get_settings().upload_url_ttl_s

    etags[2] = await _put(resumed["parts"][1], upload["part_size"])  # the freshly signed URL works
    done = await client.post(
        httpx.URL(resumed["complete_url"]).path,
        json={
            "upload_id": upload["upload_id"],
            "parts": [{"part_number": n, "etag": etags[n]} for n in (1, 2, 3)],
        },
        headers=admin.auth,
    )
    assert done.status_code == 202, done.text
    assert done.json()["open_upload"] is None
    closed = await client.get(_path(film["id"], upload["upload_id"]), headers=admin.auth)
    assert closed.status_code == 409


async def test_every_page_of_s3_parts_is_read(client, catalog, admin, monkeypatch):
    monkeypatch.setattr(storage, "LIST_PARTS_PAGE", 1)
    film = await catalog.film()
    upload = await _start(client, admin, film["id"])
    for part in upload["parts"]:
        await _put(part, upload["part_size"])
    resumed = (await client.get(_path(film["id"], upload["upload_id"]), headers=admin.auth)).json()
    assert [p["part_number"] for p in resumed["uploaded"]] == [1, 2, 3]


async def test_abort_deletes_the_parts_and_closes_the_upload(client, catalog, admin):
    film = await catalog.film()
    upload = await _start(client, admin, film["id"])
    await _put(upload["parts"][0], upload["part_size"])
    aborted = await client.delete(_path(film["id"], upload["upload_id"]), headers=admin.auth)
    assert aborted.status_code == 204
    with pytest.raises(ClientError) as gone:
        await storage.list_parts(get_settings().uploads_bucket, upload["key"], _s3_id(upload))
    assert storage.no_such_upload(gone.value)
    again = await client.delete(_path(film["id"], upload["upload_id"]), headers=admin.auth)
    resume = await client.get(_path(film["id"], upload["upload_id"]), headers=admin.auth)
    assert (again.status_code, resume.status_code) == (409, 409)
    media = (await client.get(f"{API}/admin/films/{film['id']}/media", headers=admin.auth)).json()
    assert (media["status"], media["open_upload"]) == ("none", None)


def _s3_id(upload: dict) -> str:
    """The S3 upload id the presigned part URLs carry."""
    return httpx.URL(upload["parts"][0]["url"]).params["uploadId"]


async def test_an_upload_s3_forgot_is_409_and_stays_closed(client, catalog, admin):
    film = await catalog.film()
    upload = await _start(client, admin, film["id"])
    await storage.abort_multipart(
        get_settings().uploads_bucket, upload["key"], _s3_id(upload)
    )  # lifecycle rule
    expired = await client.get(_path(film["id"], upload["upload_id"]), headers=admin.auth)
    assert expired.status_code == 409
    assert "start a new one" in expired.json()["detail"]
    media = (await client.get(f"{API}/admin/films/{film['id']}/media", headers=admin.auth)).json()
    assert media["open_upload"] is None  # marked aborted, and that was committed


async def test_unknown_or_other_films_upload_is_404(client, catalog, admin):
    film, other = await catalog.film(), await catalog.film(title="Other")
    upload = await _start(client, admin, film["id"])
    for path in (_path(film["id"], str(uuid.uuid4())), _path(other["id"], upload["upload_id"])):
        assert (await client.get(path, headers=admin.auth)).status_code == 404
        assert (await client.delete(path, headers=admin.auth)).status_code == 404
    # an upload id is a UUID in the path: anything else names no upload (/upload/complete is another
    # resource), so it is a 404 like any unknown id
    assert (await client.get(_path(film["id"], "not-a-uuid"), headers=admin.auth)).status_code == 404


async def test_resume_and_abort_are_admin_only(client, catalog, admin, accounts):
    film = await catalog.film()
    upload = await _start(client, admin, film["id"])
    moderator = await accounts.create("moderator")
    for headers, expected in (({}, 401), (moderator.auth, 403)):
        path = _path(film["id"], upload["upload_id"])
        assert (await client.get(path, headers=headers)).status_code == expected
        assert (await client.delete(path, headers=headers)).status_code == expected
