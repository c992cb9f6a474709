"""The local edge over the real (moto server) media bucket: CloudFront's rules, then the bucket."""

from __future__ import annotations

import stat
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cinema.local.edge.router import (
    CHUNK_SIZE,
    RangeNotSatisfiable,
    edge_router,
    ensure_key_pair,
    parse_range,
)
from cinema.local.edge.signatures import verify
from cinema.local.services.backing import LocalServices
from cinema.local.services.s3_server import s3_client
from cinema.media.signing import CloudFrontSigner, SignedAccess, generate_key_pair

PUBLIC = "https://media.cinema.test"  # what viewers are told; the test client talks to another host
KEY_ID = "KLOCALEDGE"
BUCKET = "cinema-media"
FILM = str(uuid.uuid4())
OTHER_FILM = str(uuid.uuid4())
MASTER = b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n360p/index.m3u8\n"
SEGMENT = bytes(range(256)) * 40  # 10240 bytes
POSTER = b"\xff\xd8\xff\xe0fake-jpeg\xff\xd9"
BIG = bytes(index % 251 for index in range(CHUNK_SIZE * 3 + 123))


@pytest.fixture(scope="module")
def key_pair() -> tuple[bytes, bytes]:
    return generate_key_pair()


@pytest.fixture(scope="module")
def signer(key_pair: tuple[bytes, bytes]) -> CloudFrontSigner:
    return CloudFrontSigner(KEY_ID, key_pair[0])


@pytest.fixture(scope="module")
def media(services: LocalServices) -> Any:
    client = s3_client(services.s3.url, "eu-central-1")
    for film in (FILM, OTHER_FILM):
        client.put_object(Bucket=BUCKET, Key=f"hls/{film}/master.m3u8", Body=MASTER)
        client.put_object(Bucket=BUCKET, Key=f"hls/{film}/360p/segment_00000.ts", Body=SEGMENT)
        client.put_object(Bucket=BUCKET, Key=f"hls/{film}/poster.jpg", Body=POSTER)
    client.put_object(Bucket=BUCKET, Key=f"hls/{FILM}/1080p/big.mp4", Body=BIG)
    return client


@pytest.fixture
async def http(
    services: LocalServices, media: Any, key_pair: tuple[bytes, bytes]
) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.include_router(
        edge_router(
            s3_client_factory=lambda: s3_client(services.s3.url, "eu-central-1"),
            bucket=BUCKET,
            public_keys={KEY_ID: key_pair[1]},
            public_base_url=PUBLIC + "/",
        )
    )
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
        yield client


def film_access(
    signer: CloudFrontSigner, film: str = FILM, expires_in: timedelta = timedelta(hours=1)
) -> SignedAccess:
    return signer.sign(f"{PUBLIC}/media/hls/{film}/*", datetime.now(UTC) + expires_in)


def cookie_header(access: SignedAccess) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in access.cookies.items())}


# --- signed requests get the bucket, like from the CDN ---------------------------------------


async def test_query_signed_playlist_segment_and_poster(
    http: httpx.AsyncClient, signer: CloudFrontSigner
) -> None:
    access = film_access(signer)
    expectations = [
        ("master.m3u8", MASTER, "application/vnd.apple.mpegurl", "max-age=2"),
        ("360p/segment_00000.ts", SEGMENT, "video/mp2t", "max-age=31536000, immutable"),
        ("poster.jpg", POSTER, "image/jpeg", "max-age=31536000, immutable"),
    ]
    for name, body, content_type, cache in expectations:
        response = await http.get(f"/media/hls/{FILM}/{name}", params=access.query)
        assert response.status_code == 200, response.text
        assert response.content == body
        assert response.headers["content-type"] == content_type
        assert response.headers["cache-control"] == cache
        assert response.headers["content-length"] == str(len(body))
        assert response.headers["accept-ranges"] == "bytes"
        assert response.headers["etag"].startswith('"')
        assert parsedate_to_datetime(response.headers["last-modified"]) <= datetime.now(UTC)


async def test_cookie_signed_requests(http: httpx.AsyncClient, signer: CloudFrontSigner) -> None:
    access = film_access(signer)
    response = await http.get(f"/media/hls/{FILM}/360p/segment_00000.ts", headers=cookie_header(access))
    assert response.status_code == 200
    assert response.content == SEGMENT


async def test_large_objects_stream_whole(http: httpx.AsyncClient, signer: CloudFrontSigner) -> None:
    async with http.stream(
        "GET", f"/media/hls/{FILM}/1080p/big.mp4", params=film_access(signer).query
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "video/mp4"
        body = b"".join([chunk async for chunk in response.aiter_raw()])
    assert body == BIG


async def test_head(http: httpx.AsyncClient, signer: CloudFrontSigner) -> None:
    access = film_access(signer)
    response = await http.head(f"/media/hls/{FILM}/360p/segment_00000.ts", params=access.query)
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(SEGMENT))
    assert response.headers["content-type"] == "video/mp2t"
    ranged = await http.head(
        f"/media/hls/{FILM}/360p/segment_00000.ts", params=access.query, headers={"Range": "bytes=0-99"}
    )
    assert ranged.status_code == 206
    assert ranged.headers["content-range"] == f"bytes 0-99/{len(SEGMENT)}"
    assert ranged.headers["content-length"] == "100"


async def test_if_none_match_answers_304(http: httpx.AsyncClient, signer: CloudFrontSigner) -> None:
    access = film_access(signer)
    url = f"/media/hls/{FILM}/poster.jpg"
    etag = (await http.get(url, params=access.query)).headers["etag"]
    again = await http.get(url, params=access.query, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["etag"] == etag
    assert again.content == b""
    changed = await http.get(url, params=access.query, headers={"If-None-Match": '"other"'})
    assert changed.status_code == 200


# --- ranges ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=100-199", 100, 199),
        ("bytes=10000-", 10000, 10239),
        ("bytes=-40", 10200, 10239),
        ("bytes=10200-99999", 10200, 10239),
    ],
)
async def test_single_ranges(
    header: str, start: int, end: int, http: httpx.AsyncClient, signer: CloudFrontSigner
) -> None:
    response = await http.get(
        f"/media/hls/{FILM}/360p/segment_00000.ts",
        params=film_access(signer).query,
        headers={"Range": header},
    )
    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes {start}-{end}/{len(SEGMENT)}"
    assert response.headers["content-length"] == str(end - start + 1)
    assert response.content == SEGMENT[start : end + 1]


async def test_unsatisfiable_range_is_416(http: httpx.AsyncClient, signer: CloudFrontSigner) -> None:
    response = await http.get(
        f"/media/hls/{FILM}/360p/segment_00000.ts",
        params=film_access(signer).query,
        headers={"Range": f"bytes={len(SEGMENT)}-"},
    )
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{len(SEGMENT)}"


@pytest.mark.parametrize("header", ["bytes=0-1,5-9", "items=0-5", "bytes=9-1", "bytes=x-"])
async def test_ranges_we_do_not_serve_are_ignored(
    header: str, http: httpx.AsyncClient, signer: CloudFrontSigner
) -> None:
    response = await http.get(
        f"/media/hls/{FILM}/360p/segment_00000.ts",
        params=film_access(signer).query,
        headers={"Range": header},
    )
    assert response.status_code == 200
    assert response.content == SEGMENT


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-0", (0, 0)),
        ("BYTES=5-", (5, 9)),
        ("bytes=-3", (7, 9)),
        ("bytes=-30", (0, 9)),
        ("bytes=2-100", (2, 9)),
        ("bytes=-", None),
        ("bytes=٣-", None),  # digits are ASCII digits
        ("bytes=1-2, 4-5", None),
        ("bytes 1-2", None),
    ],
)
def test_parse_range(header: str, expected: tuple[int, int] | None) -> None:
    assert parse_range(header, 10) == expected


@pytest.mark.parametrize(
    ("header", "size"), [("bytes=10-", 10), ("bytes=-0", 10), ("bytes=0-", 0), ("bytes=-5", 0)]
)
def test_parse_range_unsatisfiable(header: str, size: int) -> None:
    with pytest.raises(RangeNotSatisfiable):
        parse_range(header, size)


# --- refusals --------------------------------------------------------------------------------


async def test_unsigned_tampered_expired_and_other_film_are_403(
    http: httpx.AsyncClient, signer: CloudFrontSigner
) -> None:
    url = f"/media/hls/{FILM}/master.m3u8"
    access = film_access(signer)
    signature = access.query["Signature"]
    tampered = {**access.query, "Signature": ("A" if signature[0] != "A" else "B") + signature[1:]}
    expired = film_access(signer, expires_in=timedelta(seconds=-1)).query
    other_film = film_access(signer, OTHER_FILM).query
    for params, reason in (
        ({}, "missing Key-Pair-Id"),
        (tampered, "bad signature"),
        (expired, "signature expired"),
        (other_film, "URL not covered by the policy"),
        ({k: v for k, v in access.query.items() if k != "Signature"}, "missing Signature"),
    ):
        response = await http.get(url, params=params)
        assert response.status_code == 403, params
        assert response.json() == {"detail": reason}
        assert response.headers["cache-control"] == "no-store"
    refused_head = await http.head(url, params=expired)
    assert refused_head.status_code == 403


async def test_signature_for_another_public_address_is_refused(
    http: httpx.AsyncClient, signer: CloudFrontSigner
) -> None:
    """The URL is rebuilt from the configured public address, not from the Host header."""
    access = signer.sign(f"http://127.0.0.1:8000/media/hls/{FILM}/*", datetime.now(UTC) + timedelta(hours=1))
    response = await http.get(f"/media/hls/{FILM}/master.m3u8", params=access.query)
    assert response.status_code == 403


async def test_repeated_signing_parameters_are_refused(
    http: httpx.AsyncClient, signer: CloudFrontSigner
) -> None:
    access = film_access(signer)
    params = [*access.query.items(), ("Signature", access.query["Signature"])]
    response = await http.get(f"/media/hls/{FILM}/master.m3u8", params=params)
    assert response.status_code == 403
    assert response.json() == {"detail": "repeated Signature"}


async def test_missing_object_is_404_only_when_signed(
    http: httpx.AsyncClient, signer: CloudFrontSigner
) -> None:
    url = f"/media/hls/{FILM}/720p/missing.ts"
    assert (await http.get(url)).status_code == 403
    signed = await http.get(url, params=film_access(signer).query)
    assert signed.status_code == 404
    assert signed.json() == {"detail": "not found"}
    assert (await http.head(url, params=film_access(signer).query)).status_code == 404
    ranged = await http.get(url, params=film_access(signer).query, headers={"Range": "bytes=0-1"})
    assert ranged.status_code == 404


@pytest.mark.parametrize(
    "path",
    [f"hls/{FILM}/%2E%2E/{OTHER_FILM}/master.m3u8", f"hls/{FILM}//master.m3u8", ""],
    ids=["dot-dot", "empty-segment", "empty"],  # stable names: the ids are random per process
)
async def test_odd_paths_are_refused(path: str, http: httpx.AsyncClient, signer: CloudFrontSigner) -> None:
    response = await http.get(f"/media/{path}", params=film_access(signer).query)
    assert response.status_code == 400
    assert response.json() == {"detail": "bad media path"}


# --- the local key pair ----------------------------------------------------------------------


def test_ensure_key_pair_makes_one_pair_and_keeps_it(tmp_path: Path) -> None:
    directory = tmp_path / "keys"
    private_pem, public_pem = ensure_key_pair(directory)
    assert ensure_key_pair(directory) == (private_pem, public_pem)
    assert stat.S_IMODE((directory / "cloudfront-private.pem").stat().st_mode) == 0o600
    access = CloudFrontSigner(KEY_ID, private_pem).sign(
        "https://m.test/*", datetime.now(UTC) + timedelta(minutes=1)
    )
    assert verify("https://m.test/a.ts", query=access.query, cookies={}, public_keys={KEY_ID: public_pem})


async def test_posters_are_public_like_the_distribution(
    http: httpx.AsyncClient, media: Any, signer: CloudFrontSigner
) -> None:
    """posters/* and the captured frames hls/<film>/<upload>/*.jpg need no signature (the
    template's public cache behaviours); everything else under hls/ still does."""
    upload = str(uuid.uuid4())
    media.put_object(Bucket=BUCKET, Key=f"hls/{FILM}/{upload}/poster.jpg", Body=POSTER)
    media.put_object(Bucket=BUCKET, Key=f"hls/{FILM}/{upload}/seg_00001.ts", Body=SEGMENT)
    media.put_object(Bucket=BUCKET, Key=f"posters/{FILM}.jpg", Body=POSTER)
    for key in (f"hls/{FILM}/{upload}/poster.jpg", f"posters/{FILM}.jpg"):
        response = await http.get(f"/media/{key}")
        assert response.status_code == 200, key
        assert (response.content, response.headers["content-type"]) == (POSTER, "image/jpeg")
    assert (await http.get(f"/media/posters/{uuid.uuid4()}.jpg")).status_code == 404
    assert (await http.get(f"/media/hls/{FILM}/{upload}/seg_00001.ts")).status_code == 403
    assert (await http.get(f"/media/hls/{FILM}/{upload}/master.m3u8")).status_code == 403


# --- numbers too long to be real --------------------------------------------------------------

HUGE = "9" * 5000  # past Python's int-from-string limit, and far past any object size


@pytest.mark.parametrize(
    ("header", "status", "span"),
    [
        (f"bytes={HUGE}-", 416, None),
        (f"bytes={HUGE}-{HUGE}", 416, None),
        (f"bytes=0-{HUGE}", 206, (0, len(SEGMENT) - 1)),
        (f"bytes=-{HUGE}", 206, (0, len(SEGMENT) - 1)),
        (f"bytes=100-{'0' * 5000}", 200, None),  # last < first: ignored, whole object
    ],
)
async def test_huge_range_numbers(
    header: str, status: int, span: tuple[int, int] | None, http: httpx.AsyncClient, signer: CloudFrontSigner
) -> None:
    response = await http.get(
        f"/media/hls/{FILM}/360p/segment_00000.ts",
        params=film_access(signer).query,
        headers={"Range": header},
    )
    assert response.status_code == status
    if span is not None:
        assert response.headers["content-range"] == f"bytes {span[0]}-{span[1]}/{len(SEGMENT)}"


@pytest.mark.parametrize("expires", [HUGE, "²", "99999999999999999999"])
async def test_canned_expires_that_is_no_epoch_time_is_403(
    expires: str, http: httpx.AsyncClient, signer: CloudFrontSigner
) -> None:
    params = {"Expires": expires, "Signature": "abc~", "Key-Pair-Id": KEY_ID}
    response = await http.get(f"/media/hls/{FILM}/master.m3u8", params=params)
    assert response.status_code == 403
