"""What each profile watched, where they stopped, and the films they keep."""

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cinema.catalog.models import Film
from cinema.core.db import Base
from cinema.profiles import models as _profiles  # noqa: F401 - tables our foreign keys name


class WatchProgress(Base):
    """One row per (profile, film), upserted by playback heartbeats."""

    __tablename__ = "watch_progress"
    __table_args__ = (Index("ix_watch_progress_profile_id_updated_at", "profile_id", "updated_at"),)

    profile_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("profiles.id", ondelete="CASCADE"), primary_key=True
    )
    film_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("films.id", ondelete="CASCADE"), primary_key=True
    )
    position_seconds: Mapped[int] = mapped_column(Integer, nullable=False)
    duration_seconds: Mapped[int] = mapped_column(Integer, nullable=False)
    started_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    # When this viewer's last counted view of the film was recorded (one per 24 h).
    view_counted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    film: Mapped[Film] = relationship(lazy="raise")


class Favorite(Base):
    __tablename__ = "favorites"
    __table_args__ = (
        Index("ix_favorites_profile_id_created_at_film_id", "profile_id", "created_at", "film_id"),
    )

    profile_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("profiles.id", ondelete="CASCADE"), primary_key=True
    )
    film_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("films.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )

    film: Mapped[Film] = relationship(lazy="raise")
