"""Reviews and ratings: one of each per user and film."""

import uuid

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cinema.auth.models import User
from cinema.catalog import models as _films  # noqa: F401 - the table our foreign keys name
from cinema.core.db import Base
from cinema.core.models import Timestamps, UuidPk
from cinema.profiles import models as _profiles  # noqa: F401 - the table our foreign keys name

BODY_MAX = 5000
TITLE_MAX = 200


class Review(UuidPk, Timestamps, Base):
    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("film_id", "author_id", name="uq_reviews_film_id_author_id"),
        # A film's reviews, newest first (the keyset of GET /films/{id}/reviews).
        Index("ix_reviews_film_id_created_at", "film_id", "created_at", "id"),
        # The moderation queue (GET /admin/reviews): every film, newest first; or the hidden ones.
        Index("ix_reviews_created_at_id", "created_at", "id"),
        Index("ix_reviews_hidden_created_at_id", "created_at", "id", postgresql_where=text("hidden")),
        CheckConstraint(f"char_length(body) BETWEEN 1 AND {BODY_MAX}", name="body"),
    )
    # created_at/updated_at come back with the INSERT/UPDATE (RETURNING): no lazy reload.
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012 - SQLAlchemy's declarative hook

    film_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("films.id", ondelete="CASCADE"), nullable=False
    )
    author_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # The profile that wrote it, whose rating the review shows (NULL once that profile is gone).
    profile_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("profiles.id", ondelete="SET NULL")
    )
    title: Mapped[str | None] = mapped_column(String(TITLE_MAX))
    body: Mapped[str] = mapped_column(Text, nullable=False)
    # Hidden by a moderator: shown only to its author (flagged) and to staff.
    hidden: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))

    author: Mapped[User] = relationship(lazy="raise")


# A profile's score of a film. A plain Table: only Core statements read and write ratings, so no
# mapper to build at each cold start.
ratings = Table(
    "ratings",
    Base.metadata,
    # film_id first: the primary key index is what the film's aggregate reads.
    Column("film_id", UUID(as_uuid=True), ForeignKey("films.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "profile_id",
        UUID(as_uuid=True),
        ForeignKey("profiles.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
    Column("score", SmallInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Column("updated_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    CheckConstraint("score BETWEEN 1 AND 10", name="score"),
)
