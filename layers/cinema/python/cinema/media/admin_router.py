"""Staff media routes: presigned uploads and transcoding status (admin only)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from cinema.auth.dependencies import AdminUser
from cinema.core.db import DbSession, after_commit
from cinema.media import pipeline, uploads
from cinema.media.schemas import CompleteIn, MediaOut, UploadIn, UploadOut

router = APIRouter(prefix="/admin/films/{film_id}", tags=["media admin"])


@router.post(
    "/upload",
    response_model=UploadOut,
    status_code=status.HTTP_201_CREATED,
    summary="Start a presigned S3 multipart upload of the film's source video",
)
async def start_upload(film_id: uuid.UUID, body: UploadIn, _: AdminUser, db: DbSession) -> UploadOut:
    return await uploads.start(db, film_id, body)


@router.post(
    "/upload/complete",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=MediaOut,
    summary="Finish the upload; transcoding starts from S3's ObjectCreated event",
)
async def complete_upload(film_id: uuid.UUID, body: CompleteIn, _: AdminUser, db: DbSession) -> MediaOut:
    upload = await uploads.complete(db, film_id, body)
    after_commit(db, lambda: pipeline.object_created(upload.key))
    return await uploads.media_state(db, film_id)


@router.get("/media", response_model=MediaOut, summary="Transcoding status and the renditions that play")
async def media(film_id: uuid.UUID, _: AdminUser, db: DbSession) -> MediaOut:
    return await uploads.media_state(db, film_id)
