"""The public subtitle list (the streaming function: it goes with playback)."""

import uuid

from fastapi import APIRouter, Request

from cinema.core.openapi import errors
from cinema.media import subtitle_listing
from cinema.media.subtitle_schemas import SubtitlesOut
from cinema.profiles.dependencies import audience

router = APIRouter(tags=["subtitles"])


@router.get(
    "/films/{film_id}/subtitles",
    response_model=SubtitlesOut,
    summary="The film's subtitle tracks (WebVTT), by language",
    # a token is optional (staff also see drafts' tracks), but one that is sent must be valid,
    # and a profile that is named (X-Profile-Id) the caller's: its age limit applies
    responses=errors(
        401,
        e403="a disabled account, or the film is above the age limit of the profile",
        e404="no such film, or another account's profile in X-Profile-Id",
    ),
)
async def list_subtitles(film_id: uuid.UUID, request: Request) -> SubtitlesOut:
    staff, max_age_rating = await audience(request)
    return await subtitle_listing.listing(film_id, staff=staff, max_age_rating=max_age_rating)
