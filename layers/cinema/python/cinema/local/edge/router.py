"""The local edge: the media bucket served the way CloudFront serves it, to signed requests.

It stands in for the distribution in front of the media bucket. Every request must carry a
CloudFront signature (query or cookies) valid for the URL the viewer would use in AWS, which
is rebuilt from `public_base_url` + prefix + path, never from the Host header: the signer
and the edge agree on one public address however the server is reached. Only then is the
bucket asked, so an unsigned request learns nothing, not even whether an object exists.
Posters are public, as in the distribution's cache behaviours: staff posters under posters/
and the frames captured from the films (hls/<film>/<upload>/*.jpg, a film's poster_key).

Delivery follows the CDN: the right media types, single byte ranges, short caching for
playlists (live ones change) and a year, immutable, for segments and images (their names
never get reused). Playlists are served as stored: their relative URIs work with cookies;
with the query form the player adds the query to each request (hls.js: `xhrSetup`).
ffmpeg as a client sends cookies with `-cookies "CloudFront-Policy=...; path=/; domain=..."`
or `-headers "Cookie: CloudFront-Policy=...; CloudFront-Signature=...; CloudFront-Key-Pair-Id=..."`.

When the bucket is out of reach, the edge does what CloudFront does when its origin fails:
it serves the copy it served last, however old (a bounded memory of whole objects it sent),
so viewers keep watching what they were watching. It then spares the bucket for a few
seconds, answering from that memory at once; what it never served is a 502, not a 500.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC
from email.utils import format_datetime
from pathlib import Path, PurePosixPath
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from cinema.local.edge import signatures as edge_auth
from cinema.local.private_files import write_private
from cinema.media.signing import generate_key_pair

log = logging.getLogger("cinema.local.edge.router")

CHUNK_SIZE = 256 * 1024
KEPT_BYTES = 64 * 1024 * 1024  # the memory of served objects, for when the bucket is out of reach
KEPT_OBJECT_BYTES = 8 * 1024 * 1024  # larger objects are streamed and not kept (segments are ~1 MB)
ORIGIN_DOWN_S = 5.0  # after a failure the bucket is spared this long
PLAYLIST_CACHE = "max-age=2"
IMMUTABLE_CACHE = "max-age=31536000, immutable"
OTHER_CACHE = "max-age=60"
MEDIA_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".vtt": "text/vtt",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}
_IMMUTABLE = {".ts", ".m4s", ".mp4", ".m4a", ".aac", ".vtt", ".jpg", ".jpeg", ".png", ".webp"}


_RANGE = re.compile(r"bytes=(\d*)-(\d*)", re.ASCII | re.IGNORECASE)
# Unsigned, as the template's public cache behaviours `posters/*` and `hls/*.jpg`.
_PUBLIC = re.compile(r"posters/.+|hls/[^/]+/[^/]+/[^/]+\.jpg")


class RangeNotSatisfiable(Exception):
    pass


# No object is near 10**18 bytes: a longer number means the same as this one (and int() of
# 5,000 digits would raise).
_HUGE = 10**18


def _position(digits: str) -> int:
    significant = digits.lstrip("0") or "0"
    return int(significant) if len(significant) <= 18 else _HUGE


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """The inclusive byte span of a single `bytes=` range over `size` bytes.

    None means "ignore the header and send everything", which RFC 9110 allows for what we do
    not serve: other units, several ranges, malformed values. A well-formed range that starts
    past the end raises RangeNotSatisfiable (416).
    """
    match = _RANGE.fullmatch(header.strip())
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = match.groups()
    if not first:  # suffix: the last N bytes
        length = _position(last)
        if length == 0 or size == 0:
            raise RangeNotSatisfiable
        return max(0, size - length), size - 1
    start = _position(first)
    if last and _position(last) < start:
        return None
    if start >= size:
        raise RangeNotSatisfiable
    return start, min(_position(last), size - 1) if last else size - 1


def edge_router(
    *,
    s3_client_factory: Callable[[], Any],
    bucket: str,
    public_keys: Mapping[str, bytes],
    public_base_url: str,
    prefix: str = "/media",
) -> APIRouter:
    """GET/HEAD `{prefix}/{key}` from `bucket` for requests signed for `public_base_url{prefix}/{key}`.

    `s3_client_factory` is called once, on the first request that passes the signature check,
    inside a worker thread (making a boto3 client blocks for a while).
    """
    keys = {key_id: edge_auth.load_public_key(pem) for key_id, pem in public_keys.items()}
    base = public_base_url.rstrip("/") + prefix
    client = functools.cache(s3_client_factory)
    kept = _Kept(KEPT_BYTES)
    router = APIRouter(prefix=prefix, tags=["local edge"])

    @router.api_route("/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    async def media(path: str, request: Request) -> Response:
        if not _is_object_key(path):
            return _refusal(400, "bad media path")
        if not _PUBLIC.fullmatch(path):
            url = f"{base}/{path}?{request.url.query}" if request.url.query else f"{base}/{path}"
            try:
                for name in edge_auth.SIGNING_PARAMS:
                    if len(request.query_params.getlist(name)) > 1:
                        raise edge_auth.SignatureRejected(f"repeated {name}")
                edge_auth.check(
                    url,
                    query=request.query_params,
                    cookies=request.cookies,
                    public_keys=keys,
                    client_ip=request.client.host if request.client else None,
                )
            except edge_auth.SignatureRejected as rejected:
                return _refusal(403, rejected.reason)
        return await _answer(client, bucket, path, request, kept)

    return router


async def _answer(
    client: Callable[[], Any], bucket: str, key: str, request: Request, kept: _Kept
) -> Response:
    """The object from the bucket; its kept copy while the bucket is out of reach."""
    copy = kept.get(key)
    if copy is not None and kept.origin_down():
        return _from_copy(key, copy, request)
    try:
        return await _serve(client, bucket, key, request, kept)
    except ClientError as error:
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status == 404:
            return _refusal(404, "not found")
        if status == 304:
            return _not_modified(key, request.headers.get("if-none-match", ""))
        if not status or status < 500:
            raise
        failure: Exception = error
    except BotoCoreError as error:
        failure = error
    kept.origin_failed()
    log.warning("media bucket out of reach (%s): %s", failure, "served a kept copy" if copy else "502")
    if copy is not None:
        return _from_copy(key, copy, request)
    return _refusal(502, "the media storage cannot be reached")


@dataclass(frozen=True)
class _Copy:
    body: bytes
    meta: dict[str, Any]  # what _headers reads: ContentType, ETag, LastModified


class _Kept:
    """The whole objects the edge served last, least recently used out first, up to `limit`
    bytes; and whether the bucket failed in the last ORIGIN_DOWN_S seconds."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.copies: OrderedDict[str, _Copy] = OrderedDict()
        self.down_until = 0.0

    def get(self, key: str) -> _Copy | None:
        copy = self.copies.get(key)
        if copy is not None:
            self.copies.move_to_end(key)
        return copy

    def put(self, key: str, copy: _Copy) -> None:
        old = self.copies.pop(key, None)
        self.size += len(copy.body) - (len(old.body) if old else 0)
        self.copies[key] = copy
        while self.size > self.limit:
            _, evicted = self.copies.popitem(last=False)
            self.size -= len(evicted.body)

    def origin_failed(self) -> None:
        self.down_until = time.monotonic() + ORIGIN_DOWN_S

    def origin_down(self) -> bool:
        return time.monotonic() < self.down_until


def _from_copy(key: str, copy: _Copy, request: Request) -> Response:
    """A kept copy answered as the bucket would have: conditional, ranged, HEAD."""
    size = len(copy.body)
    tag = request.headers.get("if-none-match", "")
    if tag and tag.strip() == copy.meta.get("ETag"):
        return _not_modified(key, tag)
    range_header = request.headers.get("range")
    try:
        span = parse_range(range_header, size) if range_header else None
    except RangeNotSatisfiable:
        return _refusal(416, "range not satisfiable", {"Content-Range": f"bytes */{size}"})
    start, end = span if span is not None else (0, size - 1)
    headers = _headers(key, copy.meta, end - start + 1)
    if span is not None:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    body = b"" if request.method == "HEAD" else copy.body[start : end + 1]
    return Response(body, status_code=200 if span is None else 206, headers=headers)


async def _serve(client: Callable[[], Any], bucket: str, key: str, request: Request, kept: _Kept) -> Response:
    """HEAD and ranged GETs look at the object first (its size); a plain GET only streams it,
    keeping a copy of an object small enough once it has been sent whole."""
    conditions = {"IfNoneMatch": tag} if (tag := request.headers.get("if-none-match")) else {}
    range_header = request.headers.get("range")
    if request.method == "GET" and not range_header:
        answer = await asyncio.to_thread(lambda: client().get_object(Bucket=bucket, Key=key, **conditions))
        headers = _headers(key, answer, answer["ContentLength"])
        if answer["ContentLength"] <= CHUNK_SIZE:
            # A playlist or another small object: read whole before the first byte goes out, so
            # an origin failing mid-read is a kept copy or a 502, never a connection cut short.
            body = await asyncio.to_thread(_read_all, answer["Body"])
            kept.put(
                key, _Copy(body, {name: answer.get(name) for name in ("ContentType", "ETag", "LastModified")})
            )
            return Response(body, headers=headers)
        chunks = _chunks(answer["Body"])
        if answer["ContentLength"] <= KEPT_OBJECT_BYTES:
            meta = {name: answer.get(name) for name in ("ContentType", "ETag", "LastModified")}
            chunks = _keeping(chunks, lambda body: kept.put(key, _Copy(body, meta)))
        return StreamingResponse(chunks, headers=headers)

    meta = await asyncio.to_thread(lambda: client().head_object(Bucket=bucket, Key=key, **conditions))
    size = int(meta["ContentLength"])
    try:
        span = parse_range(range_header, size) if range_header else None
    except RangeNotSatisfiable:
        return _refusal(416, "range not satisfiable", {"Content-Range": f"bytes */{size}"})
    if span is None:
        status, headers = 200, _headers(key, meta, size)
    else:
        start, end = span
        status, headers = 206, _headers(key, meta, end - start + 1)
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers)
    extra = {"Range": f"bytes={span[0]}-{span[1]}"} if span else {}
    answer = await asyncio.to_thread(lambda: client().get_object(Bucket=bucket, Key=key, **extra))
    return StreamingResponse(_chunks(answer["Body"]), status_code=status, headers=headers)


def _read_all(body: Any) -> bytes:
    try:
        return bytes(body.read())
    finally:
        body.close()


async def _chunks(body: Any) -> AsyncIterator[bytes]:
    """The S3 body in pieces, each read in a worker thread; whole segments never sit in memory."""
    try:
        while chunk := await asyncio.to_thread(body.read, CHUNK_SIZE):
            yield chunk
    finally:
        body.close()


async def _keeping(chunks: AsyncIterator[bytes], keep: Callable[[bytes], None]) -> AsyncIterator[bytes]:
    """The chunks passed on, and the whole body kept once the last one has gone out."""
    sent: list[bytes] = []
    async for chunk in chunks:
        sent.append(chunk)
        yield chunk
    keep(b"".join(sent))


def _is_object_key(path: str) -> bool:
    """Keys as the transcoder writes them: no empty, `.` or `..` segments, no backslashes."""
    segments = path.split("/")
    return bool(path) and "\\" not in path and all(part not in ("", ".", "..") for part in segments)


def _cache_control(key: str) -> str:
    suffix = PurePosixPath(key).suffix.lower()
    if suffix == ".m3u8":
        return PLAYLIST_CACHE
    return IMMUTABLE_CACHE if suffix in _IMMUTABLE else OTHER_CACHE


def _headers(key: str, meta: Mapping[str, Any], length: int) -> dict[str, str]:
    suffix = PurePosixPath(key).suffix.lower()
    headers = {
        "Content-Type": MEDIA_TYPES.get(suffix) or meta.get("ContentType") or "application/octet-stream",
        "Content-Length": str(length),
        "Cache-Control": _cache_control(key),
        "Accept-Ranges": "bytes",
    }
    if meta.get("ETag"):
        headers["ETag"] = str(meta["ETag"])
    if meta.get("LastModified"):
        headers["Last-Modified"] = format_datetime(meta["LastModified"].astimezone(UTC), usegmt=True)
    return headers


def _not_modified(key: str, if_none_match: str) -> Response:
    headers = {"Cache-Control": _cache_control(key)}
    if if_none_match and "," not in if_none_match and if_none_match.strip() != "*":
        headers["ETag"] = if_none_match.strip()
    return Response(status_code=304, headers=headers)


def _refusal(status: int, detail: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    """Refusals are never cached: the same URL may pass once the viewer has fresh credentials."""
    return JSONResponse(
        {"detail": detail}, status_code=status, headers={"Cache-Control": "no-store", **(headers or {})}
    )


def ensure_key_pair(directory: Path) -> tuple[bytes, bytes]:
    """The local shape's signing key pair (private PEM, public PEM), made once under `directory`.

    Kept across restarts so that links and cookies handed out before a restart still play.
    """
    private_path = directory / "cloudfront-private.pem"
    public_path = directory / "cloudfront-public.pem"
    if not (private_path.exists() and public_path.exists()):
        directory.mkdir(parents=True, exist_ok=True)
        private_pem, public_pem = generate_key_pair()
        write_private(private_path, private_pem)
        public_path.write_bytes(public_pem)
    return private_path.read_bytes(), public_path.read_bytes()
