"""Subtitle tracks of a film, uploaded and deleted by admins (who may list them:
subtitle_listing.py). The files live in the media bucket; `subtitle_tracks.publish` writes them
into the HLS master once a change is committed."""

from __future__ import annotations

import asyncio
import secrets
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from cinema.catalog import public as catalog
from cinema.catalog.errors import FilmNotFound
from cinema.core.db import after_commit
from cinema.core.settings import get_settings
from cinema.media import repository as repo
from cinema.media import storage, subtitle_files, subtitle_listing, subtitle_tracks
from cinema.media.errors import (
    InvalidLanguage,
    InvalidSubtitleFile,
    StorageUnavailable,
    SubtitleFileTooLarge,
    SubtitleNotFound,
    SubtitlesNotPublished,
)
from cinema.media.subtitle_models import SubtitleTrack


async def _publish(film_id: uuid.UUID) -> None:
    try:
        await subtitle_tracks.publish(film_id)
    except StorageUnavailable as exc:  # after the commit: the change is kept, the master is not
        raise SubtitlesNotPublished() from exc


def language_of(tag: str, *, where: str = "body") -> str:
    try:
        return subtitle_files.canonical_language(tag)
    except ValueError as exc:
        raise InvalidLanguage(str(exc), where=where) from exc


async def upload(
    db: AsyncSession, film_id: uuid.UUID, *, language: str, label: str, data: bytes
) -> SubtitleTrack:
    """Adds the film's track in `language`, or replaces it. The WebVTT file is in the bucket
    before the row names it; the master is rewritten and the replaced file deleted after commit."""
    if await catalog.film_state(db, film_id) is None:  # an unknown film is a 404, whatever was sent
        raise FilmNotFound()
    if len(data) > subtitle_files.MAX_BYTES:
        raise SubtitleFileTooLarge(subtitle_files.MAX_BYTES)
    language = language_of(language)
    try:
        vtt = await asyncio.to_thread(subtitle_files.to_webvtt, data)  # up to 1 MB of text: off the loop
    except subtitle_files.SubtitleError as exc:
        raise InvalidSubtitleFile(str(exc)) from exc
    version = secrets.token_hex(4)
    bucket = get_settings().media_bucket
    key = subtitle_listing.source_key(film_id, language, version)
    await storage.put_bytes(bucket, key, vtt.text.encode("utf-8"), subtitle_tracks.VTT_TYPE)
    track = await repo.subtitle_track(db, film_id, language, lock=True)
    replaced = None
    if track is None:  # a concurrent first upload of the language: the later one wins
        track = await repo.put_subtitle_track(db, film_id, language, label=label, version=version)
    else:
        replaced = track.version
        track.label, track.version = label, version
        await db.flush()

    async def published() -> None:
        await _publish(film_id)
        if replaced is not None:
            await storage.delete_object(bucket, subtitle_listing.source_key(film_id, language, replaced))

    after_commit(db, published)
    return track


async def delete(db: AsyncSession, film_id: uuid.UUID, language: str) -> None:
    if await catalog.film_state(db, film_id) is None:
        raise FilmNotFound()
    language = language_of(language, where="path")
    track = await repo.subtitle_track(db, film_id, language, lock=True)
    if track is None:
        raise SubtitleNotFound()
    version = track.version
    await db.delete(track)
    await db.flush()

    async def published() -> None:
        await _publish(film_id)
        key = subtitle_listing.source_key(film_id, language, version)
        await storage.delete_object(get_settings().media_bucket, key)

    after_commit(db, published)
