"""Accounts. The hashed secrets that belong to them (refresh and password reset tokens) are in
token_models.py: every function reads users to know who is calling, only the auth function
needs those tables."""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, Enum, Index, String, func, text
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
