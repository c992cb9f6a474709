"""Object storage (S3 in AWS, moto's S3 server locally): the few calls media needs.

boto3 is synchronous: every call runs in a worker thread so the event loop never blocks.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from cinema.core.settings import get_settings


@lru_cache
def s3_client() -> Any:
    settings = get_settings()
    extra: dict[str, Any] = {}
    if settings.s3_endpoint_url:  # the local S3: fixed dummy credentials, path-style URLs
        extra = {
            "endpoint_url": settings.s3_endpoint_url,
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }
    config = Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"mode": "standard"})
    return boto3.client("s3", region_name=settings.aws_region, config=config, **extra)


async def create_multipart(bucket: str, key: str, content_type: str) -> str:
    answer = await asyncio.to_thread(
        s3_client().create_multipart_upload, Bucket=bucket, Key=key, ContentType=content_type
    )
    return str(answer["UploadId"])


def presign_part(bucket: str, key: str, upload_id: str, part_number: int, ttl_s: int) -> str:
    """Presigning is local computation (no request), so it stays synchronous."""
    return str(
        s3_client().generate_presigned_url(
            "upload_part",
            Params={"Bucket": bucket, "Key": key, "UploadId": upload_id, "PartNumber": part_number},
            ExpiresIn=ttl_s,
        )
    )


async def complete_multipart(bucket: str, key: str, upload_id: str, parts: list[tuple[int, str]]) -> None:
    await asyncio.to_thread(
        s3_client().complete_multipart_upload,
        Bucket=bucket,
        Key=key,
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": n, "ETag": etag} for n, etag in parts]},
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

    return await asyncio.to_thread(every_page)


async def abort_multipart(bucket: str, key: str, upload_id: str) -> None:
    await asyncio.to_thread(s3_client().abort_multipart_upload, Bucket=bucket, Key=key, UploadId=upload_id)


def no_such_upload(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "NoSuchUpload"


async def object_size(bucket: str, key: str) -> int:
    head = await asyncio.to_thread(s3_client().head_object, Bucket=bucket, Key=key)
    return int(head["ContentLength"])
