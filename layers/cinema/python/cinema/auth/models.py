"""Accounts and the hashed secrets that belong to them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, Enum, ForeignKey, Index, String, func, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from cinema.auth.roles import Role
from cinema.core.db import Base
from cinema.core.models import Timestamps, UuidPk


class User(UuidPk, Timestamps, Base):
    __tablename__ = "users"
    __table_args__ = (
        # Unique regardless of case; lookups by lower(email) use it.
        Index("uq_users_email_lower", func.lower(text("email")), unique=True),
        # Prefix search for the admin user list (LIKE 'q%').
        Index(
            "ix_users_email_prefix",
            func.lower(text("email")).label("email_lower"),
            postgresql_ops={"email_lower": "text_pattern_ops"},
        ),
        Index(
            "ix_users_display_name_prefix",
            func.lower(text("display_name")).label("name_lower"),
            postgresql_ops={"name_lower": "text_pattern_ops"},
        ),
        Index("ix_users_created_at_id", "created_at", "id"),
        # One account per address as people read it (auth/emails.py: lookalikes fold together).
        Index("uq_users_email_key", "email_key", unique=True),
        CheckConstraint("role IN ('user', 'moderator', 'admin')", name="role"),
    )

    email: Mapped[str] = mapped_column(String(320), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    display_name: Mapped[str] = mapped_column(String(64), nullable=False, server_default="")
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, create_constraint=False, length=16),
        nullable=False,
        server_default=Role.user.value,
    )
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    # auth.emails.lookalike_key(email); NULL only for the rare pre-existing lookalike pairs.
    email_key: Mapped[str | None] = mapped_column(String(320))
    # Access tokens issued before this instant are refused: logout, a password change or reset,
    # a revoked refresh family and deactivation end every session at once, not at expiry.
    tokens_valid_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RefreshToken(UuidPk, Base):
    """One issued refresh token. Tokens rotated from one login share a family; a spent
    token presented again means it leaked, and the whole family is revoked."""

    __tablename__ = "refresh_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    family_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    issued_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PasswordResetToken(UuidPk, Base):
    __tablename__ = "password_reset_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
