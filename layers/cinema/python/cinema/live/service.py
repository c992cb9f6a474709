"""Live events: the admin's lifecycle, the publish hooks' rules, and signed viewing.
Flushes, never commits.

Status: scheduled → live (a valid key publishes) → ended (the publisher stops, is dropped as
idle, or an admin ends it). `ended` is final: a broadcast that stopped by accident is not
resumed under the same event (its recording is already on its way to become the replay);
the admin creates a new event. That keeps "an ended key is refused" a simple rule.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from cinema.auth.models import User
from cinema.catalog import service as catalog
from cinema.catalog.models import Access
from cinema.core.pagination import Page, decode_time_cursor, encode_time_cursor, page_of
from cinema.core.settings import get_settings
from cinema.live import keys
from cinema.live import repository as repo
from cinema.live.errors import LiveEventEnded, LiveEventNotFound, NotOnAir, PublishRefused
from cinema.live.models import LiveEvent, LiveStatus
from cinema.live.schemas import LiveEventIn, LiveEventOut, LivePlayOut
from cinema.media.errors import NotEntitled
from cinema.media.playback import signer
from cinema.media.signing import append_query
from cinema.payments.entitlements import can_watch

INGEST_APP = "ingest"
SHOW_APP = "show"
PUBLIC_STATUSES = (LiveStatus.scheduled, LiveStatus.live)


def public_name(event: LiveEvent) -> str:
    """The stream's name past the ingest application: in HLS file names and viewer URLs."""
    return str(event.id)


def hls_prefix(event_id: uuid.UUID) -> str:
    return f"{get_settings().media_base_url}/live/{event_id}"


def ingest_url() -> str:
    return get_settings().live_ingest_url or f"rtmp://127.0.0.1:{get_settings().live_rtmp_port}/{INGEST_APP}"


async def _event(db: AsyncSession, event_id: uuid.UUID, *, lock: bool = False) -> LiveEvent:
    event = await repo.get(db, event_id, lock=lock)
    if event is None:
        raise LiveEventNotFound()
    return event


# -- admin -----------------------------------------------------------------------------------
async def create(db: AsyncSession, data: LiveEventIn) -> tuple[LiveEvent, str]:
    if data.film_id is not None:
        await catalog.visible_film(db, data.film_id, staff=True)  # 404 for an unknown film
    key, key_hash = keys.new_key()
    event = LiveEvent(
        title=data.title,
        description=data.description or "",
        film_id=data.film_id,
        starts_at=data.starts_at,
        status=LiveStatus.scheduled,
        key_hash=key_hash,
    )
    db.add(event)
    await db.flush()
    await db.refresh(event)
    return event, key


async def rotate_key(db: AsyncSession, event_id: uuid.UUID) -> str:
    """A new key; the old one is refused from now on (a publisher already on air stays)."""
    event = await _event(db, event_id, lock=True)
    if event.status is LiveStatus.ended:
        raise LiveEventEnded()
    key, event.key_hash = keys.new_key()
    await db.flush()
    return key


async def end(db: AsyncSession, event_id: uuid.UUID) -> tuple[LiveEvent, bool]:
    """(the event, whether it was on air): the caller drops the publisher once committed."""
    event = await _event(db, event_id, lock=True)
    if event.status is LiveStatus.ended:
        raise LiveEventEnded()
    was_live = event.status is LiveStatus.live
    return await _finish(db, event), was_live


async def page(db: AsyncSession, *, public: bool, cursor: str | None, limit: int) -> Page[LiveEventOut]:
    rows, total = await repo.page(
        db, statuses=PUBLIC_STATUSES if public else None, after=decode_time_cursor(cursor), limit=limit
    )
    events, next_cursor = page_of(rows, limit, lambda e: encode_time_cursor(e.created_at, e.id))
    return Page[LiveEventOut](
        items=[LiveEventOut.model_validate(e) for e in events], total=total, next_cursor=next_cursor
    )


async def get(db: AsyncSession, event_id: uuid.UUID) -> LiveEvent:
    return await _event(db, event_id)


# -- the hooks nginx-rtmp calls ------------------------------------------------------------------
async def publish(db: AsyncSession, form: keys.HookForm) -> str:
    """The RTMP URL a valid key is redirected to; PublishRefused for anything else."""
    key, app = form.one("name"), form.one("app")
    if not key or app != INGEST_APP or form.one("call") not in (None, "publish"):
        raise PublishRefused()
    given = keys.hash_key(key)
    event = await repo.by_key_hash(db, given)
    if event is None or not keys.same_hash(event.key_hash, given) or event.status is not LiveStatus.scheduled:
        raise PublishRefused()  # unknown, rotated, ended, or already on air
    event.status = LiveStatus.live
    event.started_at = datetime.now(UTC)
    event.publisher = (form.one("clientid") or "")[:32] or None
    await db.flush()
    return f"rtmp://127.0.0.1:{get_settings().live_rtmp_port}/{SHOW_APP}/{public_name(event)}"


async def publish_done(db: AsyncSession, form: keys.HookForm) -> LiveEvent | None:
    """The event this publisher's stop ends (None when it was not on air: a refused second
    publisher also reports its end, and must not end the broadcast it was refused into)."""
    key, app, client = form.one("name"), form.one("app"), form.one("clientid")
    if not key or app != INGEST_APP or not client:
        raise PublishRefused()
    event = await repo.by_key_hash(db, keys.hash_key(key))
    if event is None or event.status is not LiveStatus.live or event.publisher != client:
        # the key may have been rotated during the broadcast: the connection still names it
        event = await repo.live_by_publisher(db, client)
    if event is None:
        return None
    return await _finish(db, event)


async def still_on_air(db: AsyncSession, form: keys.HookForm) -> bool:
    """nginx asks this every few seconds per publisher (on_update): False drops it. That is how
    an ended event loses its publisher where nginx's control interface is out of reach (AWS)."""
    if form.one("call") == "update_play":
        return True  # nobody plays from `ingest` (deny play all) but its own relay into `show`
    key, app, client = form.one("name"), form.one("app"), form.one("clientid")
    if not key or app != INGEST_APP or not client:
        return False
    event = await repo.by_key_hash(db, keys.hash_key(key))
    if event is None or event.publisher != client:
        event = await repo.live_by_publisher(db, client)  # a key rotated during the broadcast
    return event is not None and event.status is LiveStatus.live and event.publisher == client


async def _finish(db: AsyncSession, event: LiveEvent) -> LiveEvent:
    """Ended, and a film to hold the replay: the linked film, or a new draft. Returns the
    event as this session now holds it (making a film starts the session afresh)."""
    now = datetime.now(UTC)
    replay_film_id = event.replay_film_id
    if event.status is LiveStatus.live and replay_film_id is None:
        if event.film_id is not None:
            replay_film_id = event.film_id
        else:
            # The staff's film body: loaded when a broadcast without a film ends, not at every
            # cold start of the streaming function (catalog/staff_schemas.py).
            from cinema.catalog.staff_schemas import FilmCreate  # noqa: PLC0415

            seconds = int((now - (event.started_at or now)).total_seconds())
            film = await catalog.create_film(  # expunges everything: the event is read again
                db,
                FilmCreate(
                    title=event.title[:200],
                    description=event.description or None,
                    year=now.year,
                    duration_seconds=max(1, seconds),
                    access=Access.free,  # the broadcast was open to every viewer
                ),
            )
            replay_film_id = film.id
            event = await _event(db, event.id, lock=True)
    event.status = LiveStatus.ended
    event.ended_at = now
    event.replay_film_id = replay_film_id
    await db.flush()
    return event


# -- viewers -----------------------------------------------------------------------------------
async def play(db: AsyncSession, user: User, event_id: uuid.UUID) -> LivePlayOut:
    event = await _event(db, event_id)
    if event.status is not LiveStatus.live:
        raise NotOnAir()
    if event.film_id is not None:
        film = await catalog.visible_film(db, event.film_id, staff=True)
        if not await can_watch(db, user, film):
            raise NotEntitled()
    expires_at = (datetime.now(UTC) + timedelta(seconds=get_settings().playback_ttl_s)).replace(microsecond=0)
    access = signer().sign(f"{hls_prefix(event.id)}/*", expires_at)
    manifest = f"{hls_prefix(event.id)}/index.m3u8"
    return LivePlayOut(
        manifest_url=append_query(manifest, access), expires_at=expires_at, cookies=access.cookies
    )
