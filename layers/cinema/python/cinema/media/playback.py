"""GET /films/{id}/play: entitlement, then a short-lived CloudFront signature over the
film's HLS prefix (query parameters for the manifest URL and the same grant as cookies)."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from functools import lru_cache

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from cinema.auth.principals import Caller
from cinema.auth.roles import STAFF
from cinema.catalog.errors import FilmNotFound
from cinema.catalog.models import Access, Film
from cinema.core.settings import get_settings
from cinema.media import repository as repo
from cinema.media.errors import MediaNotReady, NotEntitled
from cinema.media.signing import CloudFrontSigner, SignedAccess, UrlSigner, append_query
from cinema.payments import grants
from cinema.payments.entitlements import can_watch


class PlayOut(BaseModel):
    manifest_url: str = Field(description="the master playlist, signed (query form)")
    expires_at: datetime
    cookies: dict[str, str] = Field(
        description="the same grant as CloudFront cookies, for players that prefer them"
    )


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
_playing: dict[uuid.UUID, tuple[float, FilmPlaying | None]] = {}


async def _published_playing(db: AsyncSession, film_id: uuid.UUID) -> FilmPlaying | None:
    """Heartbeats ask this every 15 s per viewer: a two-second memory of each published film
    (access, duration, what plays) spares the database most of those reads. A change of
    access or a new upload reaches viewers within those two seconds."""
    now = time.monotonic()
    hit = _playing.get(film_id)
    if hit is not None and hit[0] > now:
        return hit[1]
    found = await repo.film_with_playing(db, film_id, published_only=True)
    if found is not None:
        # Shared beyond this request: detached, so that this request's rollback (a 402, a 409)
        # cannot expire the copy the next requests read.
        db.expunge(found[0])
    if len(_playing) > 10_000:
        _playing.clear()
    _playing[film_id] = (now + PLAYING_TTL_S, found)
    return found


async def playing_film(db: AsyncSession, user: Caller, film_id: uuid.UUID) -> FilmPlaying:
    """The film (404 if the user may not see it) with the id and the duration of the upload
    that plays (None, None when nothing is ready). Entitlement is not checked here."""
    if user.role in STAFF:  # staff also play drafts: always read afresh
        found = await repo.film_with_playing(db, film_id, published_only=False)
    else:
        found = await _published_playing(db, film_id)
    if found is None:
        raise FilmNotFound()
    return found


def free_to_watch(user: Caller, film: Film) -> bool:
    """Whether the entitlement holds without asking the database (staff, free films)."""
    return user.role in STAFF or film.access is Access.free


async def check_entitled(db: AsyncSession, user: Caller, film: Film) -> None:
    if not await can_watch(db, user, film):
        raise NotEntitled()


async def watchable_film(db: AsyncSession, user: Caller, film_id: uuid.UUID) -> FilmPlaying:
    """`playing_film`, and 402 if the user is not entitled to it."""
    found = await playing_film(db, user, film_id)
    await check_entitled(db, user, found[0])
    return found


SIGNATURE_REUSE_S = 60
_grants: dict[tuple[uuid.UUID, int], SignedAccess] = {}


def grant(film_id: uuid.UUID) -> tuple[datetime, SignedAccess]:
    """The signed grant over the film's prefix. It names no viewer, so one RSA signature (the
    costly part of /play) serves every viewer of the film for `SIGNATURE_REUSE_S`: the expiry
    is rounded up to that step, a grant lives at most that much longer than `playback_ttl_s`."""
    step = SIGNATURE_REUSE_S
    expires = -(-int(time.time() + get_settings().playback_ttl_s) // step) * step
    access = _grants.get((film_id, expires))
    if access is None:
        if len(_grants) > 10_000:
            _grants.clear()
        access = signer().sign(f"{hls_prefix(film_id)}/*", datetime.fromtimestamp(expires, UTC))
        _grants[film_id, expires] = access
    return datetime.fromtimestamp(expires, UTC), access


async def play(db: AsyncSession, user: Caller, film_id: uuid.UUID) -> PlayOut:
    film, upload_id, _ = await watchable_film(db, user, film_id)
    if upload_id is None:
        raise MediaNotReady()
    if not free_to_watch(user, film):  # heartbeats trust it until the signature runs out
        await grants.remember(user.id, film_id, get_settings().playback_ttl_s)
    expires_at, access = grant(film_id)
    manifest = f"{hls_prefix(film_id)}/{upload_id}/master.m3u8"
    return PlayOut(manifest_url=append_query(manifest, access), expires_at=expires_at, cookies=access.cookies)
