"""Object storage (S3 in AWS, moto's S3 server locally): the few calls media needs.

boto3 is synchronous: every call runs in a worker thread so the event loop never blocks,
building the client (~0.2 s the first time) and presigning (~0.2 ms a URL, 1000 URLs for the
largest upload) included.
S3 out of reach (no connection, no answer in time, a 5xx) is StorageUnavailable, a 503 with
Retry-After; S3's answers about the request itself (NoSuchUpload, InvalidPart ...) stay
ClientErrors for the caller to judge.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from cinema.core.settings import get_settings
from cinema.media.errors import StorageUnavailable

T = TypeVar("T")
_building = threading.Lock()  # boto3's default session is not thread-safe: one client built at a time


@lru_cache
def s3_client() -> Any:
    """The one S3 client (thread-safe once built). Built on first use: from async code, only
    inside the worker thread of a call below."""
    with _building:
        return _new_client()


def _new_client() -> Any:
    settings = get_settings()
    extra: dict[str, Any] = {}
    if settings.s3_endpoint_url:  # the local S3: fixed dummy credentials, path-style URLs
        extra = {
            "endpoint_url": settings.s3_endpoint_url,
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }
    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": "path"},
        retries={"mode": "standard"},  # 3 tries
        # botocore waits 60 s for each by default: a hung S3 would hold a request for minutes
        connect_timeout=5,
        read_timeout=20,
    )
    return boto3.client("s3", region_name=settings.aws_region, config=config, **extra)


def out_of_reach(error: Exception) -> bool:
    """S3 could not be asked (connection, timeout) or failed on its side (5xx)."""
    if isinstance(error, ClientError):
        return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0) >= 500
    return isinstance(error, BotoCoreError)


async def _call(work: Callable[[], T]) -> T:
    try:
        return await asyncio.to_thread(work)
    except (BotoCoreError, ClientError) as error:
        if out_of_reach(error):
            raise StorageUnavailable() from error
        raise


async def create_multipart(bucket: str, key: str, content_type: str) -> str:
    answer = await _call(
        lambda: s3_client().create_multipart_upload(Bucket=bucket, Key=key, ContentType=content_type)
    )
    return str(answer["UploadId"])


async def presign_parts(
    bucket: str, key: str, upload_id: str, part_numbers: Iterable[int], ttl_s: int
) -> list[str]:
    """A presigned PUT URL for each part. No request, but CPU (and the client's first build,
    and where credentials refresh, their fetch): all the URLs in one worker thread."""

    def sign_all() -> list[str]:
        client = s3_client()
        return [
            str(
                client.generate_presigned_url(
                    "upload_part",
                    Params={"Bucket": bucket, "Key": key, "UploadId": upload_id, "PartNumber": n},
                    ExpiresIn=ttl_s,
                )
            )
            for n in part_numbers
        ]

    return await _call(sign_all)


async def complete_multipart(bucket: str, key: str, upload_id: str, parts: list[tuple[int, str]]) -> None:
    await _call(
        lambda: s3_client().complete_multipart_upload(
            Bucket=bucket,
            Key=key,
            UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": etag} for n, etag in parts]},
        )
    )


LIST_PARTS_PAGE = 1000  # S3's own maximum per ListParts call


async def list_parts(bucket: str, key: str, upload_id: str) -> list[tuple[int, str, int]]:
    """(part number, ETag, size) of every part S3 holds for the upload, all pages, in a thread."""

    def every_page() -> list[tuple[int, str, int]]:
        pages = (
            s3_client()
            .get_paginator("list_parts")
            .paginate(
                Bucket=bucket, Key=key, UploadId=upload_id, PaginationConfig={"PageSize": LIST_PARTS_PAGE}
            )
        )
        return [
            (int(part["PartNumber"]), str(part["ETag"]), int(part["Size"]))
            for page in pages
            for part in page.get("Parts", [])
        ]

    return await _call(every_page)


async def abort_multipart(bucket: str, key: str, upload_id: str) -> None:
    await _call(lambda: s3_client().abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id))


def no_such_upload(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "NoSuchUpload"


async def object_size(bucket: str, key: str) -> int:
    head = await _call(lambda: s3_client().head_object(Bucket=bucket, Key=key))
    return int(head["ContentLength"])


async def in_thread(work: Callable[[], T]) -> T:
    """Several S3 calls in one worker thread, S3 out of reach being StorageUnavailable."""
    return await _call(work)


async def put_bytes(bucket: str, key: str, body: bytes, content_type: str) -> None:
    await _call(lambda: s3_client().put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type))


async def delete_object(bucket: str, key: str) -> None:
    await _call(lambda: s3_client().delete_object(Bucket=bucket, Key=key))
