"""The public subtitle list (the streaming function: it goes with playback)."""

import uuid

from fastapi import APIRouter, Request

from cinema.auth.dependencies import bearer_token, is_staff
from cinema.core.openapi import errors
from cinema.media import subtitle_listing
from cinema.media.subtitle_schemas import SubtitlesOut

router = APIRouter(tags=["subtitles"])


@router.get(
    "/films/{film_id}/subtitles",
    response_model=SubtitlesOut,
    summary="The film's subtitle tracks (WebVTT), by language",
    # a token is optional (staff also see drafts' tracks), but one that is sent must be valid
    responses={**errors(401, 403), 404: {"description": "no such film"}},
)
async def list_subtitles(film_id: uuid.UUID, request: Request) -> SubtitlesOut:
    return await subtitle_listing.listing(film_id, staff=await is_staff(bearer_token(request)))
