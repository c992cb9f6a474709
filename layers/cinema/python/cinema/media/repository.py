"""Every media query."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from cinema.catalog.public import Film, FilmStatus  # Film: joined in reads only
from cinema.media.models import MediaUpload, UploadStatus, film_media
from cinema.media.subtitle_models import SubtitleTrack


async def get_upload(db: AsyncSession, upload_id: uuid.UUID, *, lock: bool = False) -> MediaUpload | None:
    query = select(MediaUpload).where(MediaUpload.id == upload_id)
    if lock:
        query = query.with_for_update()
    return (await db.execute(query)).scalar_one_or_none()


async def upload_with_key(db: AsyncSession, key: str) -> MediaUpload | None:
    return (await db.execute(select(MediaUpload).where(MediaUpload.key == key))).scalar_one_or_none()


async def transcoding_uploads(db: AsyncSession, job_prefix: str) -> list[MediaUpload]:
    """Uploads still transcoding under a job whose id starts with `job_prefix`, oldest first."""
    query = (
        select(MediaUpload)
        .where(
            MediaUpload.status == UploadStatus.transcoding,
            MediaUpload.job_id.startswith(job_prefix, autoescape=True),
        )
        .order_by(MediaUpload.created_at)
    )
    return list((await db.execute(query)).scalars())


async def latest_upload(db: AsyncSession, film_id: uuid.UUID) -> MediaUpload | None:
    """The newest upload that got past 'open' (what the admin sees progressing)."""
    query = (
        select(MediaUpload)
        .where(MediaUpload.film_id == film_id, MediaUpload.status.not_in(("open", "aborted")))
        .order_by(MediaUpload.created_at.desc())
        .limit(1)
    )
    return (await db.execute(query)).scalar_one_or_none()


async def newest_open_upload(db: AsyncSession, film_id: uuid.UUID) -> MediaUpload | None:
    query = (
        select(MediaUpload)
        .where(MediaUpload.film_id == film_id, MediaUpload.status == "open")
        .order_by(MediaUpload.created_at.desc())
        .limit(1)
    )
    return (await db.execute(query)).scalar_one_or_none()


async def playing_upload(db: AsyncSession, film_id: uuid.UUID) -> MediaUpload | None:
    query = (
        select(MediaUpload)
        .join(film_media, film_media.c.upload_id == MediaUpload.id)
        .where(film_media.c.film_id == film_id)
    )
    return (await db.execute(query)).scalar_one_or_none()


async def film_with_playing(
    db: AsyncSession, film_id: uuid.UUID, *, published_only: bool
) -> tuple[Film, uuid.UUID | None, int | None] | None:
    """The film row, the id of the upload that plays and its duration, in one query: what
    both playback hot paths (play, heartbeat) need."""
    query = (
        select(Film, MediaUpload.id, MediaUpload.duration_seconds)
        .outerjoin(film_media, film_media.c.film_id == Film.id)
        .outerjoin(MediaUpload, MediaUpload.id == film_media.c.upload_id)
        .where(Film.id == film_id)
    )
    if published_only:
        query = query.where(Film.status == FilmStatus.published)
    row = (await db.execute(query)).first()
    return None if row is None else (row[0], row[1], row[2])


async def set_playing(db: AsyncSession, film_id: uuid.UUID, upload_id: uuid.UUID) -> None:
    statement = insert(film_media).values(film_id=film_id, upload_id=upload_id)
    await db.execute(
        statement.on_conflict_do_update(
            index_elements=[film_media.c.film_id],
            set_={"upload_id": upload_id, "updated_at": statement.excluded.updated_at},
        )
    )


async def subtitle_tracks(db: AsyncSession, film_id: uuid.UUID) -> list[SubtitleTrack]:
    query = select(SubtitleTrack).where(SubtitleTrack.film_id == film_id).order_by(SubtitleTrack.language)
    return list((await db.execute(query)).scalars())


async def subtitle_track(
    db: AsyncSession, film_id: uuid.UUID, language: str, *, lock: bool = False
) -> SubtitleTrack | None:
    query = select(SubtitleTrack).where(SubtitleTrack.film_id == film_id, SubtitleTrack.language == language)
    if lock:
        query = query.with_for_update()
    return (await db.execute(query)).scalar_one_or_none()


async def put_subtitle_track(
    db: AsyncSession, film_id: uuid.UUID, language: str, *, label: str, version: str
) -> SubtitleTrack:
    """Inserts the film's track in `language`, or updates the one a concurrent request inserted."""
    statement = insert(SubtitleTrack).values(film_id=film_id, language=language, label=label, version=version)
    statement = statement.on_conflict_do_update(
        constraint="uq_subtitle_tracks_film_id_language",
        set_={"label": label, "version": version, "updated_at": func.now()},
    ).returning(SubtitleTrack)
    return (await db.execute(statement)).scalar_one()
