"""Viewer routes of the streaming function: play a film, report where you are."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict

from cinema.account import progress
from cinema.auth.dependencies import CurrentUser
from cinema.core.db import DbSession
from cinema.core.errors import CinemaError
from cinema.core.json_types import whole_number
from cinema.media import playback
from cinema.media.errors import InvalidPosition
from cinema.media.playback import PlayOut

router = APIRouter(prefix="/films/{film_id}", tags=["playback"])


class ProgressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    position_seconds: whole_number(ge=0, le=48 * 3600)  # type: ignore[valid-type]


@router.get(
    "/play",
    response_model=PlayOut,
    responses={402: {"description": "not entitled"}, 409: {"description": "no playable video yet"}},
    summary="A signed HLS manifest URL (and cookies) for the film",
)
async def play(film_id: uuid.UUID, user: CurrentUser, db: DbSession) -> PlayOut:
    signed = await playback.play(db, user, film_id)
    await progress.playing(db, user_id=user.id, film_id=film_id)  # views start from here
    return signed


@router.put(
    "/progress",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Playback heartbeat (about every 15 s): feeds history, resume and popularity",
)
async def report_progress(film_id: uuid.UUID, body: ProgressIn, user: CurrentUser, db: DbSession) -> Response:
    if not await progress.claim_heartbeat(user.id, film_id):
        return Response(status_code=status.HTTP_204_NO_CONTENT)  # coalesced: no database work
    try:
        film, upload_id, media_duration = await playback.watchable_film(db, user, film_id)
        duration = media_duration or film.duration_seconds
        if body.position_seconds > duration + 60:
            raise InvalidPosition()
    except CinemaError:
        await progress.release_heartbeat(user.id, film_id)
        raise
    await progress.record(
        db,
        user_id=user.id,
        film_id=film_id,
        position=min(body.position_seconds, duration),
        duration=duration,
        playable=upload_id is not None,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
