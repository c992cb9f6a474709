"""Viewer routes of the streaming function: play a film, report where you are."""

import uuid
from functools import partial

from fastapi import APIRouter, Response, status
from starlette.background import BackgroundTask

from cinema.account import heartbeats, progress
from cinema.account.heartbeats import Beat
from cinema.core import db, metrics
from cinema.media import playback
from cinema.media.errors import InvalidPosition
from cinema.media.hot_routes import HotRoute
from cinema.media.playback_schemas import PlayOut, ProgressIn
from cinema.profiles.dependencies import CurrentViewer

# The busiest requests: well-formed ones skip FastAPI's general argument handling (hot_routes).
router = APIRouter(prefix="/films/{film_id}", tags=["playback"], route_class=HotRoute)


@router.get(
    "/play",
    response_model=PlayOut,
    responses={
        402: {"description": "not entitled"},
        403: {"description": "the account is disabled, or the film is above the profile's age limit"},
        409: {"description": "no playable video yet"},
    },
    summary="A signed HLS manifest URL (and cookies) for the film",
)
async def play(film_id: uuid.UUID, viewer: CurrentViewer) -> Response:
    body = await playback.play(viewer, film_id)
    await heartbeats.playing(viewer.profile_id, film_id)  # views start from here
    metrics.count("Plays")
    return Response(body, media_type="application/json")


@router.put(
    "/progress",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Playback heartbeat (about every 15 s): feeds history, resume and popularity",
)
async def report_progress(film_id: uuid.UUID, body: ProgressIn, viewer: CurrentViewer) -> Response:
    # Most heartbeats are one Redis script call and no database session (cinema.account.heartbeats).
    film, upload_id, media_duration = await playback.playing_film(viewer, film_id)
    duration = media_duration or film.duration_seconds
    if body.position_seconds > duration + 60:
        raise InvalidPosition()
    position = min(body.position_seconds, duration)
    metrics.count("Heartbeats")
    beat = partial(
        heartbeats.beat,
        viewer.id,
        viewer.profile_id,
        film_id,
        position=position,
        duration=duration,
        playable=upload_id is not None,
    )
    outcome = await beat(trusted=playback.free_to_watch(viewer, film))
    if outcome is not None and outcome.beat is Beat.UNTRUSTED:
        await playback.check_entitled(viewer, film)  # no /play behind it: ask the database
        outcome = await beat(trusted=True)
    if outcome is None:  # no Redis: written directly
        await playback.check_entitled(viewer, film)
        async with db.transaction() as session:
            await progress.record(
                session, profile_id=viewer.profile_id, film_id=film_id, position=position, duration=duration
            )
    elif outcome.beat is Beat.VIEW:  # rare (once per profile, film and day): through at once
        async with db.transaction() as session:
            await heartbeats.write_through(
                session, viewer.profile_id, film_id, position=position, duration=duration
            )
    if outcome is not None and outcome.flush:  # after answering
        return Response(
            status_code=status.HTTP_204_NO_CONTENT, background=BackgroundTask(heartbeats.flush_due)
        )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
