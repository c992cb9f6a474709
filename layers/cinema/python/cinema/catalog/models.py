"""Films, genres, people and daily view counts."""

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Column,
    Computed,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cinema.core.db import Base
from cinema.core.models import Timestamps, UuidPk


class FilmStatus(StrEnum):
    draft = "draft"
    published = "published"


class Access(StrEnum):
    free = "free"
    subscription = "subscription"
    purchase = "purchase"


class PersonRole(StrEnum):
    director = "director"
    actor = "actor"
    writer = "writer"


def rating(value: Decimal | float) -> float:
    """An average rating as the API shows it: `films.rating_avg` holds two decimals."""
    return round(float(value), 2)


def _enum(kind: type[StrEnum], length: int = 16) -> Enum:
    return Enum(kind, native_enum=False, create_constraint=False, length=length)


class Genre(UuidPk, Base):
    __tablename__ = "genres"

    slug: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(80), nullable=False)


class Person(UuidPk, Base):
    __tablename__ = "people"

    name: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)


# Tables whose rows only Core statements read and write (no ORM object of one is ever loaded)
# are plain Tables: a mapped class would cost its mapper in every function that loads this module,
# at each cold start.
film_genres = Table(
    "film_genres",
    Base.metadata,
    Column("film_id", UUID(as_uuid=True), ForeignKey("films.id", ondelete="CASCADE"), primary_key=True),
    Column("genre_id", UUID(as_uuid=True), ForeignKey("genres.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_film_genres_genre_id_film_id", "genre_id", "film_id"),
)


class FilmPerson(Base):
    __tablename__ = "film_people"

    film_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("films.id", ondelete="CASCADE"), primary_key=True
    )
    ord: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("people.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    role: Mapped[PersonRole] = mapped_column(_enum(PersonRole), nullable=False)
    character: Mapped[str | None] = mapped_column(String(200))

    person: Mapped[Person] = relationship(lazy="raise")


class Film(UuidPk, Timestamps, Base):
    __tablename__ = "films"
    __table_args__ = (
        CheckConstraint("year BETWEEN 1888 AND 2100", name="year"),
        CheckConstraint("duration_seconds > 0", name="duration"),
        CheckConstraint("age_rating IN ('0+', '6+', '12+', '16+', '18+')", name="age_rating"),
        CheckConstraint("status IN ('draft', 'published')", name="status"),
        CheckConstraint("access IN ('free', 'subscription', 'purchase')", name="access"),
        CheckConstraint(
            "(access = 'purchase') = (price_amount IS NOT NULL AND price_currency IS NOT NULL)", name="price"
        ),
        CheckConstraint("price_amount IS NULL OR price_amount > 0", name="price_amount"),
        Index("ix_films_status_popularity", "status", text("popularity DESC"), text("id DESC")),
        Index("ix_films_status_rating", "status", "rating_avg", "id"),
        Index("ix_films_status_year", "status", "year", "id"),
        Index("ix_films_status_title", "status", "title_norm", "id"),
        Index("ix_films_status_listed", "status", "listed_at", "id"),
        Index("ix_films_countries", "countries", postgresql_using="gin"),
        Index("ix_films_search", "search_vector", postgresql_using="gin"),
    )

    title: Mapped[str] = mapped_column(String(300), nullable=False)
    original_title: Mapped[str] = mapped_column(String(300), nullable=False, server_default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    year: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    duration_seconds: Mapped[int] = mapped_column(Integer, nullable=False)
    age_rating: Mapped[str] = mapped_column(String(3), nullable=False, server_default="0+")
    countries: Mapped[list[str]] = mapped_column(ARRAY(String(2)), nullable=False, server_default="{}")
    access: Mapped[Access] = mapped_column(
        _enum(Access), nullable=False, server_default=Access.subscription.value
    )
    price_amount: Mapped[int | None] = mapped_column(Integer)
    price_currency: Mapped[str | None] = mapped_column(String(3))
    status: Mapped[FilmStatus] = mapped_column(_enum(FilmStatus), nullable=False, server_default="draft")
    poster_key: Mapped[str | None] = mapped_column(String(500))
    backdrop_key: Mapped[str | None] = mapped_column(String(500))
    # When the film entered the catalog: set on first publication, the key of sort=new.
    listed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    rating_avg: Mapped[Decimal] = mapped_column(Numeric(4, 2), nullable=False, server_default="0")
    rating_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    # Views over the last 7 days, recomputed from film_views_daily (see catalog.popularity).
    popularity: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    # Normalised (lower-case, unaccented, ё → е) titles for trigram typo matching.
    title_norm: Mapped[str] = mapped_column(Text, Computed("cinema_norm(title)", persisted=True))
    original_title_norm: Mapped[str] = mapped_column(
        Text, Computed("cinema_norm(original_title)", persisted=True)
    )
    # Maintained by cinema_film_search_refresh(): titles, people and description, ru+en+simple.
    # Never read in Python (deferred, raising if touched), only matched and ranked in SQL.
    search_vector: Mapped[str | None] = mapped_column(TSVECTOR, deferred=True, deferred_raiseload=True)
    # Its titles and people only (no description): what ranking reads, a fraction of the size.
    rank_vector: Mapped[str | None] = mapped_column(TSVECTOR, deferred=True, deferred_raiseload=True)

    genres: Mapped[list[Genre]] = relationship(secondary="film_genres", lazy="raise", order_by=Genre.name)
    credits: Mapped[list[FilmPerson]] = relationship(lazy="raise", order_by=FilmPerson.ord)


# A plain Table, as film_genres.
film_views_daily = Table(
    "film_views_daily",
    Base.metadata,
    Column("film_id", UUID(as_uuid=True), ForeignKey("films.id", ondelete="CASCADE"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("views", Integer, nullable=False, server_default="0"),
    Index("ix_film_views_daily_day", "day", "film_id"),
)
