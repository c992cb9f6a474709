"""GET /films/{id}/play: entitlement, then a short-lived CloudFront signature over the
film's HLS prefix (query parameters for the manifest URL and the same grant as cookies)."""

import asyncio
import time
import uuid
from datetime import UTC, datetime
from functools import lru_cache

from cachetools import TTLCache

from cinema.auth.principals import Caller
from cinema.auth.roles import STAFF
from cinema.catalog.errors import FilmNotFound
from cinema.catalog.models import Access, Film
from cinema.core import db
from cinema.core.settings import get_settings
from cinema.media import repository as repo
from cinema.media.errors import MediaNotReady, NotEntitled
from cinema.media.playback_schemas import PlayOut
from cinema.media.signing import CloudFrontSigner, SignedAccess, UrlSigner, append_query
from cinema.payments import grants
from cinema.payments.entitlements import can_watch
from cinema.profiles.dependencies import Viewer


@lru_cache
def signer() -> UrlSigner:
    settings = get_settings()
    key = settings.cloudfront_private_key.get_secret_value()
    if not settings.cloudfront_key_pair_id or not key:
        raise RuntimeError("CINEMA_CLOUDFRONT_KEY_PAIR_ID and CINEMA_CLOUDFRONT_PRIVATE_KEY must be set")
    return CloudFrontSigner(settings.cloudfront_key_pair_id, key.encode())


def hls_prefix(film_id: uuid.UUID) -> str:
    return f"{get_settings().media_base_url}/hls/{film_id}"


FilmPlaying = tuple[Film, uuid.UUID | None, int | None]
PLAYING_TTL_S = 2.0
_playing: TTLCache[uuid.UUID, FilmPlaying | None] = TTLCache(10_000, PLAYING_TTL_S, timer=time.monotonic)
_reading: dict[uuid.UUID, asyncio.Future[FilmPlaying | None]] = {}


async def _film_with_playing(film_id: uuid.UUID, *, published_only: bool) -> FilmPlaying | None:
    async with db.reading() as session:
        found = await repo.film_with_playing(session, film_id, published_only=published_only)
        if found is not None:
            session.expunge(found[0])  # outlives the session (and is shared: see below)
        return found


async def _published_playing(film_id: uuid.UUID) -> FilmPlaying | None:
    """Heartbeats ask this every 15 s per viewer: a two-second memory of each published film
    (access, duration, what plays) spares the database most of those reads. A change of
    access or a new upload reaches viewers within those two seconds. When the memory of a
    film runs out under load, one read refreshes it and the concurrent requests wait for it."""
    try:
        return _playing[film_id]
    except KeyError:
        pass
    reading = _reading.get(film_id)
    if reading is not None:
        return await asyncio.shield(reading)
    reading = _reading[film_id] = asyncio.ensure_future(_film_with_playing(film_id, published_only=True))
    try:
        found = await asyncio.shield(reading)
    finally:
        del _reading[film_id]
    _playing[film_id] = found
    return found


async def playing_film(viewer: Viewer, film_id: uuid.UUID) -> FilmPlaying:
    """The film (404 if the viewer may not see it, 403 above their profile's age limit) with
    the id and the duration of the upload that plays (None, None when nothing is ready).
    Entitlement is not checked here. Most calls open no database session (the two-second
    memory)."""
    if viewer.role in STAFF:  # staff also play drafts: always read afresh
        found = await _film_with_playing(film_id, published_only=False)
    else:
        found = await _published_playing(film_id)
    if found is None:
        raise FilmNotFound()
    viewer.check_age(found[0].age_rating)
    return found


def free_to_watch(user: Caller, film: Film) -> bool:
    """Whether the entitlement holds without asking the database (staff, free films)."""
    return user.role in STAFF or film.access is Access.free


async def check_entitled(user: Caller, film: Film) -> None:
    """402 unless `can_watch`; asks the database only when `free_to_watch` does not answer."""
    if free_to_watch(user, film):
        return
    async with db.reading() as session:
        if not await can_watch(session, user, film):
            raise NotEntitled()


SIGNATURE_REUSE_S = 60
# keyed by expiry step: a key is asked for during one step at most, then never again
_grants: TTLCache[tuple[uuid.UUID, int], SignedAccess] = TTLCache(
    10_000, SIGNATURE_REUSE_S, timer=time.monotonic
)


def grant(film_id: uuid.UUID) -> tuple[datetime, SignedAccess]:
    """The signed grant over the film's prefix. It names no viewer, so one RSA signature (the
    costly part of /play) serves every viewer of the film for `SIGNATURE_REUSE_S`: the expiry
    is rounded up to that step, a grant lives at most that much longer than `playback_ttl_s`."""
    step = SIGNATURE_REUSE_S
    expires = -(-int(time.time() + get_settings().playback_ttl_s) // step) * step
    access = _grants.get((film_id, expires))
    if access is None:
        access = signer().sign(f"{hls_prefix(film_id)}/*", datetime.fromtimestamp(expires, UTC))
        _grants[film_id, expires] = access
    return datetime.fromtimestamp(expires, UTC), access


_answers: TTLCache[tuple[uuid.UUID, uuid.UUID, int], bytes] = TTLCache(
    10_000, SIGNATURE_REUSE_S, timer=time.monotonic
)


def _answer(film_id: uuid.UUID, upload_id: uuid.UUID) -> bytes:
    """The /play body as JSON. It names no viewer either: rendered once per grant."""
    expires_at, access = grant(film_id)
    key = (film_id, upload_id, int(expires_at.timestamp()))
    body = _answers.get(key)
    if body is None:
        manifest = f"{hls_prefix(film_id)}/{upload_id}/master.m3u8"
        out = PlayOut(
            manifest_url=append_query(manifest, access), expires_at=expires_at, cookies=access.cookies
        )
        body = _answers[key] = out.model_dump_json().encode()
    return body


async def play(user: Viewer, film_id: uuid.UUID) -> bytes:
    """The signed grant for a viewer entitled to the film, as the JSON body of a `PlayOut`."""
    film, upload_id, _ = await playing_film(user, film_id)
    await check_entitled(user, film)
    if upload_id is None:
        raise MediaNotReady()
    if not free_to_watch(user, film):  # heartbeats trust it until the signature runs out
        await grants.remember(user.id, film_id, get_settings().playback_ttl_s)
    return _answer(film_id, upload_id)
