"""Live routes (streaming function): staff run events, viewers watch, nginx-rtmp calls the hooks.

The hooks are reached by our nginx only: a shared secret (`?secret=` in the hook URL of
nginx.conf, or the `X-Live-Hook-Secret` header) that is not the stream key. Their form body
and query are never logged (the request log writes method, path and status only).
"""

import uuid

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import RedirectResponse

from cinema.auth.dependencies import AdminUser, CurrentUser
from cinema.core.db import DbSession, after_commit
from cinema.core.openapi import errors
from cinema.core.pagination import Cursor, Limit, Page
from cinema.core.settings import get_settings
from cinema.live import control, keys, replay, service
from cinema.live.errors import PublishRefused
from cinema.live.models import LiveEvent
from cinema.live.schemas import LiveEventCreated, LiveEventIn, LiveEventOut, LivePlayOut, StreamKeyOut

router = APIRouter(tags=["live"])

HOOK_HEADER = "x-live-hook-secret"
HOOK_ANSWERS = {
    403: {
        "description": "not our nginx, a duplicate `name`, or a key that is unknown, rotated, ended or on air"
    },
    **errors(413),  # the body cap applies to the form nginx posts too
}


def _after_end(db: DbSession, event: LiveEvent, *, drop: bool) -> None:
    """Once committed: drop the publisher if nginx still has it, and send the recording on."""
    publisher, film_id = event.publisher, event.replay_film_id

    async def run() -> None:
        if drop and publisher:
            await control.drop_publisher(service.INGEST_APP, clientid=publisher)
        if film_id is not None:  # it was on air: there is a recording
            await replay.broadcast_ended(event.id, service.public_name(event))

    after_commit(db, run)


# -- staff ---------------------------------------------------------------------------------------
@router.post(
    "/admin/live",
    status_code=status.HTTP_201_CREATED,
    response_model=LiveEventCreated,
    responses=errors(404),
    summary="Schedule a live event; its stream key is shown here (and on rotation) only",
)
async def create_event(body: LiveEventIn, _: AdminUser, db: DbSession) -> LiveEventCreated:
    event, key = await service.create(db, body)
    return LiveEventCreated(
        **LiveEventOut.model_validate(event).model_dump(), stream_key=key, ingest_url=service.ingest_url()
    )


@router.get("/admin/live", response_model=Page[LiveEventOut], summary="Every live event, newest first")
async def list_events(
    _: AdminUser, db: DbSession, cursor: Cursor = None, limit: Limit = 20
) -> Page[LiveEventOut]:
    return await service.page(db, public=False, cursor=cursor, limit=limit)


@router.post(
    "/admin/live/{event_id}/rotate-key",
    response_model=StreamKeyOut,
    responses=errors(e409="the event has ended"),
    summary="A new stream key; the old one is refused from now on",
)
async def rotate_key(event_id: uuid.UUID, _: AdminUser, db: DbSession) -> StreamKeyOut:
    return StreamKeyOut(stream_key=await service.rotate_key(db, event_id), ingest_url=service.ingest_url())


@router.post(
    "/admin/live/{event_id}/end",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(e409="the event has already ended"),
    summary="End the event: its publisher is dropped and its key refused",
)
async def end_event(event_id: uuid.UUID, _: AdminUser, db: DbSession) -> Response:
    event, was_live = await service.end(db, event_id)
    _after_end(db, event, drop=was_live)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- viewers -------------------------------------------------------------------------------------
@router.get("/live", response_model=Page[LiveEventOut], summary="Scheduled and on-air events, newest first")
async def list_public(db: DbSession, cursor: Cursor = None, limit: Limit = 20) -> Page[LiveEventOut]:
    return await service.page(db, public=True, cursor=cursor, limit=limit)


@router.get("/live/{event_id}", response_model=LiveEventOut, summary="One live event")
async def get_event(event_id: uuid.UUID, db: DbSession) -> LiveEvent:
    return await service.get(db, event_id)


@router.get(
    "/live/{event_id}/play",
    response_model=LivePlayOut,
    responses=errors(
        e402="the event is tied to a film the user may not watch", e409="the event is not on air"
    ),
    summary="A signed live HLS playlist URL (and cookies) while the event is on air",
)
async def play(event_id: uuid.UUID, user: CurrentUser, db: DbSession) -> LivePlayOut:
    return await service.play(db, user, event_id)


# -- nginx-rtmp ----------------------------------------------------------------------------------
async def _hook_form(request: Request) -> keys.HookForm:
    secret = get_settings().live_hook_secret.get_secret_value()
    given = request.headers.get(HOOK_HEADER)
    if given is None:
        values = request.query_params.getlist("secret")
        given = values[0] if len(values) == 1 else None
    if not keys.secret_matches(secret, given):
        raise PublishRefused()
    return keys.HookForm(await request.body())


@router.post(
    "/live/hooks/publish",
    status_code=status.HTTP_302_FOUND,
    response_class=RedirectResponse,
    responses={302: {"description": "the key is valid: go on as the event's public stream"}, **HOOK_ANSWERS},
    summary="nginx-rtmp on_publish (form-encoded)",
)
async def on_publish(request: Request, db: DbSession) -> RedirectResponse:
    form = await _hook_form(request)
    return RedirectResponse(await service.publish(db, form), status_code=status.HTTP_302_FOUND)


@router.post(
    "/live/hooks/publish-done",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=HOOK_ANSWERS,
    summary="nginx-rtmp on_publish_done (form-encoded): the event ends",
)
async def on_publish_done(request: Request, db: DbSession) -> Response:
    event = await service.publish_done(db, await _hook_form(request))
    if event is not None:
        _after_end(db, event, drop=False)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/live/hooks/update",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=HOOK_ANSWERS,
    summary="nginx-rtmp on_update (form-encoded, every few seconds per publisher): 403 drops it",
)
async def on_update(request: Request, db: DbSession) -> Response:
    if not await service.still_on_air(db, await _hook_form(request)):
        raise PublishRefused()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
