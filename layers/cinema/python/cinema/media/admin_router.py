"""Staff media routes: presigned uploads and transcoding status (admin only)."""

import uuid

from fastapi import APIRouter, Response, status

from cinema.auth.dependencies import AdminUser
from cinema.core.db import DbSession, after_commit
from cinema.media import pipeline, uploads
from cinema.media.schemas import CompleteIn, MediaOut, UploadIn, UploadOut, UploadResumeOut

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


OPEN_UPLOAD_ERRORS = {
    401: {"description": "missing or invalid access token"},
    403: {"description": "not an admin"},
    404: {"description": "no such upload of this film"},
    409: {"description": "the upload is no longer open (completed, aborted, or forgotten by S3)"},
    422: {"description": "a malformed film or upload id"},
}


@router.get(
    "/upload/{upload_id:uuid}",  # a UUID only: /upload/complete is another resource
    response_model=UploadResumeOut,
    summary="Resume an open upload: every part URL signed afresh, and the parts S3 already has",
    description="For a page reload or another machine: PUT the parts missing from `uploaded` (or "
    "whose size is wrong), then complete with every part's ETag. Listing S3's parts takes one "
    "request per 1000 parts.",
    responses=OPEN_UPLOAD_ERRORS,
)
async def resume_upload(
    film_id: uuid.UUID, upload_id: uuid.UUID, _: AdminUser, db: DbSession
) -> UploadResumeOut:
    return await uploads.resume(db, film_id, upload_id)


@router.delete(
    "/upload/{upload_id:uuid}",  # a UUID only: /upload/complete is another resource
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Abort an open upload: S3 deletes its parts",
    responses=OPEN_UPLOAD_ERRORS,
)
async def abort_upload(film_id: uuid.UUID, upload_id: uuid.UUID, _: AdminUser, db: DbSession) -> Response:
    await uploads.abort(db, film_id, upload_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/media", response_model=MediaOut, summary="Transcoding status and the renditions that play")
async def media(film_id: uuid.UUID, _: AdminUser, db: DbSession) -> MediaOut:
    return await uploads.media_state(db, film_id)
