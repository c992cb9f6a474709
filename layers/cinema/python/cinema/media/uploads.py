"""Presigned multipart uploads of a film's source video. Flushes, never commits.

Video never passes through the API: the browser PUTs parts straight to S3 with URLs this
signs; completing the upload makes S3 emit ObjectCreated, which starts transcoding.
"""

from __future__ import annotations

import math
import uuid

from botocore.exceptions import ClientError
from sqlalchemy.ext.asyncio import AsyncSession

from cinema.catalog import repository as catalog_repo
from cinema.catalog.errors import FilmNotFound
from cinema.core.settings import get_settings
from cinema.media import repository as repo
from cinema.media import storage
from cinema.media.errors import InvalidParts, UploadNotFound, UploadNotOpen, UploadTooLarge
from cinema.media.models import MediaUpload, UploadStatus
from cinema.media.schemas import VIDEO_TYPES, CompleteIn, MediaOut, PartUrl, RenditionOut, UploadIn, UploadOut

MIB = 1024 * 1024
MIN_PART = 8 * MIB
MAX_PARTS = 1000  # keeps the answer small; S3 allows 10,000


def part_size_for(size_bytes: int) -> int:
    """At least 8 MiB, whole MiB, and few enough parts that the URL list stays small."""
    return max(MIN_PART, math.ceil(size_bytes / MAX_PARTS / MIB) * MIB)


def source_key(film_id: uuid.UUID, upload_id: uuid.UUID, content_type: str) -> str:
    return f"uploads/{film_id}/{upload_id}/source.{VIDEO_TYPES[content_type]}"


async def start(db: AsyncSession, film_id: uuid.UUID, data: UploadIn) -> UploadOut:
    settings = get_settings()
    if await catalog_repo.get_film(db, film_id, published_only=False) is None:
        raise FilmNotFound()
    if data.size_bytes > settings.upload_max_bytes:
        raise UploadTooLarge(settings.upload_max_bytes)
    upload_id = uuid.uuid4()
    key = source_key(film_id, upload_id, data.content_type)
    s3_upload_id = await storage.create_multipart(settings.uploads_bucket, key, data.content_type)
    part_size = part_size_for(data.size_bytes)
    db.add(
        MediaUpload(
            id=upload_id,
            film_id=film_id,
            s3_upload_id=s3_upload_id,
            key=key,
            filename=data.filename,
            content_type=data.content_type,
            size_bytes=data.size_bytes,
            part_size=part_size,
            status=UploadStatus.open,
        )
    )
    await db.flush()
    ttl = settings.upload_url_ttl_s
    parts = [
        PartUrl(part_number=n, url=storage.presign_part(settings.uploads_bucket, key, s3_upload_id, n, ttl))
        for n in range(1, math.ceil(data.size_bytes / part_size) + 1)
    ]
    return UploadOut(
        upload_id=upload_id,
        key=key,
        part_size=part_size,
        parts=parts,
        complete_url=f"{settings.base_url}/api/v1/admin/films/{film_id}/upload/complete",
        expires_in=ttl,
    )


async def complete(db: AsyncSession, film_id: uuid.UUID, data: CompleteIn) -> MediaUpload:
    upload = await repo.get_upload(db, data.upload_id, lock=True)
    if upload is None or upload.film_id != film_id:
        raise UploadNotFound()
    if upload.status is not UploadStatus.open:
        raise UploadNotOpen()
    numbers = [p.part_number for p in data.parts]
    if numbers != sorted(set(numbers)):
        raise InvalidParts("part numbers must be unique and in ascending order")
    bucket = get_settings().uploads_bucket
    try:
        await storage.complete_multipart(
            bucket, upload.key, upload.s3_upload_id, [(p.part_number, p.etag) for p in data.parts]
        )
        size = await storage.object_size(bucket, upload.key)
    except ClientError as exc:
        raise InvalidParts() from exc
    if size != upload.size_bytes:
        raise InvalidParts(f"the uploaded file has {size} bytes, {upload.size_bytes} were announced")
    upload.status = UploadStatus.uploaded
    await db.flush()
    return upload


async def media_state(db: AsyncSession, film_id: uuid.UUID) -> MediaOut:
    if await catalog_repo.get_film(db, film_id, published_only=False) is None:
        raise FilmNotFound()
    latest = await repo.latest_upload(db, film_id)
    playing = await repo.playing_upload(db, film_id)
    renditions = [
        RenditionOut(height=r["height"], bitrate=r["bitrate"])
        for r in (playing.renditions if playing else [])
    ]
    if latest is None:
        return MediaOut(status="none", percent=0, renditions=renditions)
    return MediaOut(
        status=latest.status.value,  # type: ignore[arg-type] - open/aborted are filtered out
        percent=latest.percent,
        renditions=renditions,
        error=latest.error,
        upload_id=latest.id,
        duration_seconds=(playing or latest).duration_seconds,
    )
