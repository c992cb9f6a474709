"""Uploads of a film's source video and what transcoding made of them."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    false,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from cinema.catalog import models as _films  # noqa: F401 - the films table our foreign keys name
from cinema.core.db import Base
from cinema.core.models import Timestamps, UuidPk


class UploadStatus(StrEnum):
    open = "open"  # multipart upload started, parts being sent
    uploaded = "uploaded"  # the object exists; transcoding not started yet
    transcoding = "transcoding"
    ready = "ready"
    failed = "failed"
    aborted = "aborted"


# How far along each status is: an event may only move an upload forward.
STAGE = {
    UploadStatus.open: 0,
    UploadStatus.uploaded: 1,
    UploadStatus.transcoding: 2,
    UploadStatus.ready: 3,
    UploadStatus.failed: 3,
    UploadStatus.aborted: 3,
}


class MediaUpload(UuidPk, Timestamps, Base):
    __tablename__ = "media_uploads"
    __table_args__ = (Index("ix_media_uploads_film_id_created_at", "film_id", "created_at"),)

    film_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("films.id", ondelete="CASCADE"), nullable=False
    )
    s3_upload_id: Mapped[str] = mapped_column(String(1024), nullable=False)
    key: Mapped[str] = mapped_column(String(1024), nullable=False, unique=True)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    part_size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    status: Mapped[UploadStatus] = mapped_column(
        Enum(UploadStatus, native_enum=False, create_constraint=False, length=16), nullable=False
    )
    percent: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="0")
    job_id: Mapped[str | None] = mapped_column(String(128))
    error: Mapped[str | None] = mapped_column(Text)
    renditions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False, server_default="[]")
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    # Time of the newest transcoding event applied (events may arrive late or twice).
    event_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The source turned out to have no audio track: transcoded again without (see status_events).
    without_audio: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=false())


# Which upload a film plays: replaced only when a newer upload is ready. A plain Table: only Core
# statements read and write it, so no mapper to build at each cold start.
film_media = Table(
    "film_media",
    Base.metadata,
    Column("film_id", UUID(as_uuid=True), ForeignKey("films.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "upload_id", UUID(as_uuid=True), ForeignKey("media_uploads.id", ondelete="CASCADE"), nullable=False
    ),
    Column("updated_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
)
