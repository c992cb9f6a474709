"""The local edge while the media bucket is out of reach: like CloudFront with a failing
origin, it serves the copy it sent last (whole, ranged, HEAD, 304) and a 502 for what it
never sent; it spares the bucket for a few seconds after a failure."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from botocore.exceptions import EndpointConnectionError
from fastapi import FastAPI

from cinema.local.edge import router as edge
from cinema.local.services.backing import LocalServices
from cinema.local.services.s3_server import s3_client
from cinema.media.signing import CloudFrontSigner, generate_key_pair

PUBLIC = "https://media.cinema.test"
KEY_ID = "KOUTAGE"
BUCKET = "cinema-media"
FILM = str(uuid.uuid4())
SEGMENT = bytes(range(256)) * 40


class Bucket:
    """The real S3 client, or refused connections once `down` is set."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.down = False
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.real, name)

        def call(**params: Any) -> Any:
            self.calls += 1
            if self.down:
                raise EndpointConnectionError(endpoint_url="http://127.0.0.1:9")
            return method(**params)

        return call


@pytest.fixture
def bucket(services: LocalServices) -> Bucket:
    real = s3_client(services.s3.url, "eu-central-1")
    for name in ("seg_00001.ts", "seg_00002.ts"):
        real.put_object(Bucket=BUCKET, Key=f"hls/{FILM}/u/{name}", Body=SEGMENT)
    return Bucket(real)


@pytest.fixture
def keys() -> tuple[bytes, bytes]:
    return generate_key_pair()


@pytest.fixture
async def http(bucket: Bucket, keys: tuple[bytes, bytes]) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.include_router(
        edge.edge_router(
            s3_client_factory=lambda: bucket,
            bucket=BUCKET,
            public_keys={KEY_ID: keys[1]},
            public_base_url=PUBLIC,
        )
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000"
    ) as client:
        yield client


@pytest.fixture
def query(keys: tuple[bytes, bytes]) -> dict[str, str]:
    signer = CloudFrontSigner(KEY_ID, keys[0])
    return signer.sign(f"{PUBLIC}/media/hls/{FILM}/*", datetime.now(UTC) + timedelta(hours=1)).query


async def test_what_was_sent_is_served_while_the_bucket_is_down(
    http: httpx.AsyncClient, bucket: Bucket, query: dict[str, str]
) -> None:
    url = f"/media/hls/{FILM}/u/seg_00001.ts"
    sent = await http.get(url, params=query)
    assert sent.status_code == 200
    bucket.down = True

    whole = await http.get(url, params=query)
    assert (whole.status_code, whole.content) == (200, SEGMENT)
    assert whole.headers["content-type"] == "video/mp2t"
    assert whole.headers["etag"] == sent.headers["etag"]
    calls = bucket.calls
    ranged = await http.get(url, params=query, headers={"Range": "bytes=10-19"})
    assert (ranged.status_code, ranged.content) == (206, SEGMENT[10:20])
    assert ranged.headers["content-range"] == f"bytes 10-19/{len(SEGMENT)}"
    head = await http.head(url, params=query)
    assert (head.status_code, head.content, head.headers["content-length"]) == (200, b"", str(len(SEGMENT)))
    same = await http.get(url, params=query, headers={"If-None-Match": sent.headers["etag"]})
    assert same.status_code == 304
    beyond = await http.get(url, params=query, headers={"Range": "bytes=99999-"})
    assert beyond.status_code == 416
    assert bucket.calls == calls  # spared while it is known to be down

    never_sent = await http.get(f"/media/hls/{FILM}/u/seg_00002.ts", params=query)
    assert never_sent.status_code == 502
    assert never_sent.headers["cache-control"] == "no-store"
    unsigned = await http.get(url)
    assert unsigned.status_code == 403  # the signature is checked first, as always


async def test_the_bucket_is_asked_again_after_a_while(
    http: httpx.AsyncClient, bucket: Bucket, query: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(edge, "ORIGIN_DOWN_S", 0.0)  # the while, shortened
    url = f"/media/hls/{FILM}/u/seg_00001.ts"
    answers = [(await http.get(url, params=query)).status_code]
    bucket.down = True
    answers += [(await http.get(url, params=query)).status_code for _ in range(2)]
    bucket.down = False
    answers.append((await http.get(url, params=query)).status_code)
    assert answers == [200] * 4
    assert bucket.calls == 4  # each asked the bucket: the copy stood in twice


def test_the_memory_is_bounded() -> None:
    kept = edge._Kept(limit=25)
    for name in "abc":
        kept.put(name, edge._Copy(b"x" * 10, {}))
    assert list(kept.copies) == ["b", "c"]
    assert kept.size == 20
    kept.get("b")
    kept.put("d", edge._Copy(b"y" * 10, {}))
    assert list(kept.copies) == ["b", "d"]
