"""Where a film's subtitle tracks are and who may list them: the public read, light enough for
the streaming function (no S3 client, no file parsing)."""

from __future__ import annotations

import uuid

from cinema.catalog import public as catalog
from cinema.core import db
from cinema.core.settings import get_settings
from cinema.media import repository as repo
from cinema.media.subtitle_models import SubtitleTrack
from cinema.media.subtitle_schemas import SubtitleOut, SubtitlesOut


def source_key(film_id: uuid.UUID, language: str, version: str) -> str:
    """The uploaded track (SRT already converted) in the media bucket, under the film's signed
    prefix; a new `version` at each upload (media/subtitle_tracks.py says why)."""
    return f"hls/{film_id}/subtitles/{language}-{version}.vtt"


def out(track: SubtitleTrack) -> SubtitleOut:
    url = f"{get_settings().media_base_url}/{source_key(track.film_id, track.language, track.version)}"
    return SubtitleOut(language=track.language, label=track.label, url=url)


async def listing(film_id: uuid.UUID, *, staff: bool, max_age_rating: str) -> SubtitlesOut:
    """The film's tracks by language; 404 for no film, or a draft to anyone but staff; 403 for
    a film above the caller's profile's age limit."""
    async with db.reading() as session:
        state = await catalog.film_state(session, film_id)
        catalog.check_reachable(state, staff=staff, max_age_rating=max_age_rating)
        tracks = await repo.subtitle_tracks(session, film_id)
    return SubtitlesOut(items=[out(track) for track in tracks])
