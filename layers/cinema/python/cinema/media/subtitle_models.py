"""A film's subtitle tracks: one per language, the WebVTT file in the media bucket."""

import uuid

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from cinema.catalog import models as _films  # noqa: F401 - the films table our foreign key names
from cinema.core.db import Base
from cinema.core.models import Timestamps, UuidPk


class SubtitleTrack(UuidPk, Timestamps, Base):
    __tablename__ = "subtitle_tracks"
    __table_args__ = (UniqueConstraint("film_id", "language", name="uq_subtitle_tracks_film_id_language"),)

    film_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("films.id", ondelete="CASCADE"), nullable=False
    )
    language: Mapped[str] = mapped_column(String(35), nullable=False)  # BCP 47, canonical case
    label: Mapped[str] = mapped_column(String(100), nullable=False)
    # In the file's name, new at each upload: the CDN keeps a .vtt a year, so a replaced track
    # gets a new URL rather than waiting for the old one to expire (media/subtitle_tracks.py).
    version: Mapped[str] = mapped_column(String(16), nullable=False)
