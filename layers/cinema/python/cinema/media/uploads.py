"""Presigned multipart uploads of a film's source video. Flushes, never commits.

Video never passes through the API: the browser PUTs parts straight to S3 with URLs this
signs; completing the upload makes S3 emit ObjectCreated, which starts transcoding.
"""

from __future__ import annotations

import math
import uuid

from botocore.exceptions import ClientError
from sqlalchemy.ext.asyncio import AsyncSession

from cinema.catalog import public as catalog
from cinema.catalog.errors import FilmNotFound
from cinema.core.settings import get_settings
from cinema.media import repository as repo
from cinema.media import storage
from cinema.media.errors import InvalidParts, UploadExpired, UploadNotFound, UploadNotOpen, UploadTooLarge
from cinema.media.models import MediaUpload, UploadStatus
from cinema.media.schemas import (
    VIDEO_TYPES,
    CompleteIn,
    MediaOut,
    OpenUploadOut,
    PartUrl,
    RenditionOut,
    UploadedPart,
    UploadIn,
    UploadOut,
    UploadResumeOut,
)

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
    if await catalog.film_state(db, film_id) is None:
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
    return UploadOut(
        upload_id=upload_id,
        key=key,
        part_size=part_size,
        parts=await _part_urls(key, s3_upload_id, data.size_bytes, part_size),
        complete_url=_complete_url(film_id),
        expires_in=settings.upload_url_ttl_s,
    )


async def _part_urls(key: str, s3_upload_id: str, size_bytes: int, part_size: int) -> list[PartUrl]:
    settings = get_settings()
    numbers = range(1, math.ceil(size_bytes / part_size) + 1)
    urls = await storage.presign_parts(
        settings.uploads_bucket, key, s3_upload_id, numbers, settings.upload_url_ttl_s
    )
    return [PartUrl(part_number=n, url=url) for n, url in zip(numbers, urls, strict=True)]


def _complete_url(film_id: uuid.UUID) -> str:
    return f"{get_settings().base_url}/api/v1/admin/films/{film_id}/upload/complete"


async def _open_upload(db: AsyncSession, film_id: uuid.UUID, upload_id: uuid.UUID) -> MediaUpload:
    upload = await repo.get_upload(db, upload_id, lock=True)
    if upload is None or upload.film_id != film_id:
        raise UploadNotFound()
    if upload.status is not UploadStatus.open:
        raise UploadNotOpen()
    return upload


async def resume(db: AsyncSession, film_id: uuid.UUID, upload_id: uuid.UUID) -> UploadResumeOut:
    """An open upload with fresh part URLs and the parts S3 already holds. An upload S3 has
    forgotten (lifecycle after 7 days) is marked aborted: 409."""
    upload = await _open_upload(db, film_id, upload_id)
    try:
        uploaded = await storage.list_parts(get_settings().uploads_bucket, upload.key, upload.s3_upload_id)
    except ClientError as exc:
        if not storage.no_such_upload(exc):
            raise
        upload.status = UploadStatus.aborted
        await db.flush()
        raise UploadExpired() from exc
    return UploadResumeOut(
        upload_id=upload.id,
        key=upload.key,
        filename=upload.filename,
        content_type=upload.content_type,
        size_bytes=upload.size_bytes,
        part_size=upload.part_size,
        parts=await _part_urls(upload.key, upload.s3_upload_id, upload.size_bytes, upload.part_size),
        uploaded=[UploadedPart(part_number=n, etag=etag, size=size) for n, etag, size in uploaded],
        complete_url=_complete_url(film_id),
        expires_in=get_settings().upload_url_ttl_s,
    )


async def abort(db: AsyncSession, film_id: uuid.UUID, upload_id: uuid.UUID) -> None:
    """Aborts an open upload on S3 (its parts are deleted) and marks it aborted. S3 having
    forgotten it already is no error: the result is the same."""
    upload = await _open_upload(db, film_id, upload_id)
    try:
        await storage.abort_multipart(get_settings().uploads_bucket, upload.key, upload.s3_upload_id)
    except ClientError as exc:
        if not storage.no_such_upload(exc):
            raise
    upload.status = UploadStatus.aborted
    await db.flush()


async def complete(db: AsyncSession, film_id: uuid.UUID, data: CompleteIn) -> MediaUpload:
    upload = await _open_upload(db, film_id, data.upload_id)
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
    if await catalog.film_state(db, film_id) is None:
        raise FilmNotFound()
    latest = await repo.latest_upload(db, film_id)
    playing = await repo.playing_upload(db, film_id)
    still_open = await repo.newest_open_upload(db, film_id)
    renditions = [
        RenditionOut(height=r["height"], bitrate=r["bitrate"])
        for r in (playing.renditions if playing else [])
    ]
    open_upload = (
        OpenUploadOut(
            upload_id=still_open.id,
            filename=still_open.filename,
            content_type=still_open.content_type,
            size_bytes=still_open.size_bytes,
            created_at=still_open.created_at,
        )
        if still_open
        else None
    )
    if latest is None:
        return MediaOut(status="none", percent=0, renditions=renditions, open_upload=open_upload)
    return MediaOut(
        status=latest.status.value,  # type: ignore[arg-type] - open/aborted are filtered out
        percent=latest.percent,
        renditions=renditions,
        error=latest.error,
        upload_id=latest.id,
        duration_seconds=(playing or latest).duration_seconds,
        open_upload=open_upload,
    )


async def register_server_upload(
    db: AsyncSession,
    film_id: uuid.UUID,
    *,
    key: str,
    filename: str,
    content_type: str,
    size_bytes: int,
) -> MediaUpload:
    """A source the platform itself stored in the uploads bucket at `key` (a live broadcast's
    recording): the row the media pipeline expects, already `uploaded`, for media-ingest to
    start transcoding exactly as for a browser's upload."""
    upload = MediaUpload(
        film_id=film_id,
        s3_upload_id="",
        key=key,
        filename=filename,
        content_type=content_type,
        size_bytes=size_bytes,
        part_size=size_bytes,
        status=UploadStatus.uploaded,
    )
    db.add(upload)
    await db.flush()
    return upload


async def server_upload_exists(db: AsyncSession, key: str) -> bool:
    return await repo.upload_with_key(db, key) is not None
