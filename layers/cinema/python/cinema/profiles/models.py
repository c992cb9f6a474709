"""Profiles: who is watching on an account. Every account has at least one (the database makes
the first when the account is created, migration 0015), at most `MAX_PROFILES`."""

import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Index, String, func, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from cinema.auth import models as _users  # noqa: F401 - the table our foreign key names
from cinema.core.db import Base
from cinema.core.models import UuidPk

MAX_PROFILES = 5
NAME_MAX = 40


class Profile(UuidPk, Base):
    __tablename__ = "profiles"
    __table_args__ = (
        # An account's profiles in the order they were made: the first is its default.
        Index("ix_profiles_user_id_created_at", "user_id", "created_at", "id"),
        CheckConstraint("max_age_rating IN ('0+', '6+', '12+', '16+', '18+')", name="max_age_rating"),
        CheckConstraint(f"char_length(name) BETWEEN 1 AND {NAME_MAX}", name="name"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    max_age_rating: Mapped[str] = mapped_column(String(3), nullable=False, server_default="18+")
    is_kids: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp(), nullable=False
    )
