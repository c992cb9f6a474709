"""Live events: a broadcast, its hashed stream key, and the film its recording becomes."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, Enum, ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from cinema.catalog import models as _films  # noqa: F401 - the films table our foreign keys name
from cinema.core.db import Base
from cinema.core.models import Timestamps, UuidPk


class LiveStatus(StrEnum):
    scheduled = "scheduled"  # created, waiting for its publisher
    live = "live"  # a publisher is on air
    ended = "ended"  # over for good: its key is refused, the recording becomes the replay


class LiveEvent(UuidPk, Timestamps, Base):
    __tablename__ = "live_events"
    __table_args__ = (Index("ix_live_events_status_starts_at", "status", "starts_at"),)

    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    film_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("films.id", ondelete="SET NULL")
    )
    status: Mapped[LiveStatus] = mapped_column(
        Enum(LiveStatus, native_enum=False, create_constraint=False, length=16), nullable=False
    )
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # sha256 (hex) of the stream key: the key itself is shown once and never stored
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    # nginx-rtmp's id of the connection on air (publish-done names it even after a rotation)
    publisher: Mapped[str | None] = mapped_column(String(32))
    replay_film_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("films.id", ondelete="SET NULL")
    )
