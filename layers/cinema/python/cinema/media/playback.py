"""GET /films/{id}/play: entitlement, then a short-lived CloudFront signature over the
film's HLS prefix (query parameters for the manifest URL and the same grant as cookies)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from cinema.auth.models import User
from cinema.auth.roles import STAFF
from cinema.catalog.errors import FilmNotFound
from cinema.catalog.models import Film
from cinema.core.settings import get_settings
from cinema.media import repository as repo
from cinema.media.errors import MediaNotReady, NotEntitled
from cinema.media.signing import CloudFrontSigner, UrlSigner, append_query
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


async def watchable_film(
    db: AsyncSession, user: User, film_id: uuid.UUID
) -> tuple[Film, uuid.UUID | None, int | None]:
    """The film (404 if the user may not see it, 402 if not entitled) with the id and the
    duration of the upload that plays (None, None when nothing is ready)."""
    found = await repo.film_with_playing(db, film_id, published_only=user.role not in STAFF)
    if found is None:
        raise FilmNotFound()
    if not await can_watch(db, user, found[0]):
        raise NotEntitled()
    return found


async def play(db: AsyncSession, user: User, film_id: uuid.UUID) -> PlayOut:
    _, upload_id, _ = await watchable_film(db, user, film_id)
    if upload_id is None:
        raise MediaNotReady()
    expires_at = (datetime.now(UTC) + timedelta(seconds=get_settings().playback_ttl_s)).replace(microsecond=0)
    access = signer().sign(f"{hls_prefix(film_id)}/*", expires_at)
    manifest = f"{hls_prefix(film_id)}/{upload_id}/master.m3u8"
    return PlayOut(manifest_url=append_query(manifest, access), expires_at=expires_at, cookies=access.cookies)
