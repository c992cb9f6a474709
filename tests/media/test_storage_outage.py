"""S3 out of reach (nothing listens at its address): every upload call answers 503 with
Retry-After and leaves the upload as it was."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.config import Config
from tests.conftest import API

from cinema.media import storage

UPLOAD = {"filename": "film.mp4", "content_type": "video/mp4", "size_bytes": 1_000_000}


def _unreachable_s3() -> Any:
    # port 9 (discard) on loopback: nothing listens, every connection is refused
    return boto3.client(
        "s3",
        endpoint_url="http://127.0.0.1:9",
        region_name="eu-central-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}, connect_timeout=1, s3={"addressing_style": "path"}),
    )


async def test_upload_calls_answer_503_while_s3_is_out_of_reach(
    client, catalog, admin, monkeypatch: pytest.MonkeyPatch
) -> None:
    film = await catalog.film(title="Без хранилища")
    base = f"{API}/admin/films/{film['id']}/upload"
    opened = await client.post(base, json=UPLOAD, headers=admin.auth)
    assert opened.status_code == 201, opened.text
    upload_id = opened.json()["upload_id"]

    monkeypatch.setattr(storage, "s3_client", _unreachable_s3)
    complete = {"upload_id": upload_id, "parts": [{"part_number": 1, "etag": '"abc"'}]}
    answers = [
        await client.post(base, json=UPLOAD, headers=admin.auth),
        await client.get(f"{base}/{upload_id}", headers=admin.auth),
        await client.post(f"{base}/complete", json=complete, headers=admin.auth),
        await client.delete(f"{base}/{upload_id}", headers=admin.auth),
    ]
    for answer in answers:
        assert answer.status_code == 503, answer.text
        assert answer.headers["Retry-After"] == "30"
        assert answer.json()["detail"].startswith("video storage cannot be reached")

    media = await client.get(f"{API}/admin/films/{film['id']}/media", headers=admin.auth)
    assert media.json()["open_upload"]["upload_id"] == upload_id  # still open, nothing else made


def test_what_counts_as_out_of_reach() -> None:
    from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError  # noqa: PLC0415

    def client_error(code: str, status: int) -> ClientError:
        return ClientError({"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "op")

    assert storage.out_of_reach(EndpointConnectionError(endpoint_url="http://s3"))
    assert storage.out_of_reach(ReadTimeoutError(endpoint_url="http://s3"))
    assert storage.out_of_reach(client_error("SlowDown", 503))
    assert storage.out_of_reach(client_error("InternalError", 500))
    assert not storage.out_of_reach(client_error("NoSuchUpload", 404))
    assert not storage.out_of_reach(client_error("InvalidPart", 400))
