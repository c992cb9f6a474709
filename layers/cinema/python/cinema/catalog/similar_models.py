"""The films like each film: rewritten by the scheduled job (cinema.catalog.jobs, `refresh-similar`),
only read by GET /films/{id}/similar. A plain Table, as film_genres: Core statements only."""

from sqlalchemy import Column, Float, ForeignKey, Index, SmallInteger, Table
from sqlalchemy.dialects.postgresql import UUID

from cinema.core.db import Base

film_similar = Table(
    "film_similar",
    Base.metadata,
    Column("film_id", UUID(as_uuid=True), ForeignKey("films.id", ondelete="CASCADE"), primary_key=True),
    # 1 = the most similar; the read takes them in this order, published and allowed ones only.
    Column("rank", SmallInteger, primary_key=True),
    Column("similar_id", UUID(as_uuid=True), ForeignKey("films.id", ondelete="CASCADE"), nullable=False),
    Column("score", Float, nullable=False),
    # A deleted film's rows in other films' lists go with it (ON DELETE CASCADE) through this one.
    Index("ix_film_similar_similar_id", "similar_id"),
)
