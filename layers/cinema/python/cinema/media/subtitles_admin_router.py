"""Admins upload and delete a film's subtitle tracks (the admin function)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Response, UploadFile, status

from cinema.auth.dependencies import AdminUser
from cinema.core.db import DbSession
from cinema.core.openapi import errors
from cinema.core.text import plain_text
from cinema.media import subtitle_files, subtitle_listing, subtitles
from cinema.media.subtitle_schemas import SubtitleOut

router = APIRouter(prefix="/admin/films/{film_id}/subtitles", tags=["subtitles"])

LANGUAGE = {
    "min_length": 1,
    "max_length": subtitle_files.MAX_LANGUAGE,
    # documented, and checked by subtitle_files.canonical_language (a 422 that says what is wrong)
    "json_schema_extra": {"pattern": subtitle_files.LANGUAGE_PATTERN},
}
Language = Annotated[
    str, Form(description="BCP 47 tag, e.g. en, ru, pt-BR, zh-Hant (any case: stored canonical)", **LANGUAGE)
]
Label = Annotated[
    str,
    Form(description="what the player shows, e.g. English"),
    plain_text(strip=True, min_length=1, max_length=100, not_blank=True),
]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=SubtitleOut,
    summary="Upload the film's subtitles in one language (WebVTT or SRT, SRT is converted); replaces that language",
    description=f"A multipart form: `file` (WebVTT or SRT, UTF-8, at most {subtitle_files.MAX_BYTES} bytes), "
    "`language` (BCP 47) and `label`. A file that is not valid WebVTT or SRT is refused with a 422 "
    "whose message names the line that is wrong. The film's HLS master lists the track as a "
    'SUBTITLES rendition (GROUP-ID="subs") within seconds.',
    responses=errors(413, 503),
)
async def upload_subtitles(
    film_id: uuid.UUID,
    file: Annotated[UploadFile, File(description="WebVTT (.vtt) or SubRip (.srt)")],
    language: Language,
    label: Label,
    _: AdminUser,
    db: DbSession,
) -> SubtitleOut:
    data = await file.read(subtitle_files.MAX_BYTES + 1)
    track = await subtitles.upload(db, film_id, language=language, label=label, data=data)
    return subtitle_listing.out(track)


@router.delete(
    "/{language}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete the film's subtitles in one language",
    responses={404: {"description": "no such film, or no subtitles in that language"}, **errors(503)},
)
async def delete_subtitles(
    film_id: uuid.UUID,
    language: Annotated[str, Path(description="BCP 47 tag, any case", **LANGUAGE)],
    _: AdminUser,
    db: DbSession,
) -> Response:
    await subtitles.delete(db, film_id, language)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
