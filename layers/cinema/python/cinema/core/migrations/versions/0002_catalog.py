"""catalog: films, genres, people, credits, daily views; search functions and indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

pg_trgm and unaccent are used where the server has them (system PostgreSQL, RDS); on a
server without them (pgserver) search falls back to full text with ё folded by translate().
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NOW = sa.text("now()")
UUID = postgresql.UUID(as_uuid=True)


def _available(name: str) -> bool:
    query = sa.text("SELECT 1 FROM pg_available_extensions WHERE name = :name")
    return op.get_bind().execute(query, {"name": name}).first() is not None


def upgrade() -> None:
    has_unaccent, has_trgm = _available("unaccent"), _available("pg_trgm")
    if has_unaccent:
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        norm = "SELECT lower(public.unaccent('public.unaccent'::regdictionary, coalesce($1, '')))"
    else:
        norm = "SELECT lower(translate(coalesce($1, ''), 'ёЁ', 'еЕ'))"
    if has_trgm:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # IMMUTABLE so generated columns and indexes may use it (unaccent() itself is STABLE
    # only because its dictionary could change; ours is fixed).
    op.execute(
        f"CREATE FUNCTION cinema_norm(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ {norm} $$"
    )

    op.create_table(
        "genres",
        sa.Column("id", UUID, server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("slug", sa.String(40), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_genres")),
        sa.UniqueConstraint("slug", name=op.f("uq_genres_slug")),
    )
    op.create_table(
        "people",
        sa.Column("id", UUID, server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("name", name=op.f("uq_people_name")),
    )
    op.create_table(
        "films",
        sa.Column("id", UUID, server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("original_title", sa.String(300), server_default="", nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=False),
        sa.Column("age_rating", sa.String(3), server_default="0+", nullable=False),
        sa.Column("countries", postgresql.ARRAY(sa.String(2)), server_default="{}", nullable=False),
        sa.Column("access", sa.String(16), server_default="subscription", nullable=False),
        sa.Column("price_amount", sa.Integer(), nullable=True),
        sa.Column("price_currency", sa.String(3), nullable=True),
        sa.Column("status", sa.String(16), server_default="draft", nullable=False),
        sa.Column("poster_key", sa.String(500), nullable=True),
        sa.Column("backdrop_key", sa.String(500), nullable=True),
        sa.Column("listed_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("rating_avg", sa.Numeric(4, 2), server_default="0", nullable=False),
        sa.Column("rating_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("popularity", sa.Integer(), server_default="0", nullable=False),
        sa.Column("title_norm", sa.Text(), sa.Computed("cinema_norm(title)", persisted=True)),
        sa.Column(
            "original_title_norm", sa.Text(), sa.Computed("cinema_norm(original_title)", persisted=True)
        ),
        sa.Column("search_vector", postgresql.TSVECTOR(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.CheckConstraint("year BETWEEN 1888 AND 2100", name=op.f("ck_films_year")),
        sa.CheckConstraint("duration_seconds > 0", name=op.f("ck_films_duration")),
        sa.CheckConstraint(
            "age_rating IN ('0+', '6+', '12+', '16+', '18+')", name=op.f("ck_films_age_rating")
        ),
        sa.CheckConstraint("status IN ('draft', 'published')", name=op.f("ck_films_status")),
        sa.CheckConstraint("access IN ('free', 'subscription', 'purchase')", name=op.f("ck_films_access")),
        sa.CheckConstraint(
            "(access = 'purchase') = (price_amount IS NOT NULL AND price_currency IS NOT NULL)",
            name=op.f("ck_films_price"),
        ),
        sa.CheckConstraint("price_amount IS NULL OR price_amount > 0", name=op.f("ck_films_price_amount")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_films")),
    )
    op.create_index(
        "ix_films_status_popularity", "films", ["status", sa.text("popularity DESC"), sa.text("id DESC")]
    )
    op.create_index("ix_films_status_rating", "films", ["status", "rating_avg", "id"])
    op.create_index("ix_films_status_year", "films", ["status", "year", "id"])
    op.create_index("ix_films_status_title", "films", ["status", "title_norm", "id"])
    op.create_index("ix_films_status_listed", "films", ["status", "listed_at", "id"])
    op.create_index("ix_films_countries", "films", ["countries"], postgresql_using="gin")
    op.create_index("ix_films_search", "films", ["search_vector"], postgresql_using="gin")
    if has_trgm:
        op.execute("CREATE INDEX ix_films_title_trgm ON films USING gin (title_norm gin_trgm_ops)")
        op.execute(
            "CREATE INDEX ix_films_original_title_trgm ON films USING gin (original_title_norm gin_trgm_ops)"
        )

    op.create_table(
        "film_genres",
        sa.Column("film_id", UUID, nullable=False),
        sa.Column("genre_id", UUID, nullable=False),
        sa.ForeignKeyConstraint(
            ["film_id"], ["films.id"], name=op.f("fk_film_genres_film_id_films"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["genre_id"], ["genres.id"], name=op.f("fk_film_genres_genre_id_genres"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("film_id", "genre_id", name=op.f("pk_film_genres")),
    )
    op.create_index("ix_film_genres_genre_id_film_id", "film_genres", ["genre_id", "film_id"])
    op.create_table(
        "film_people",
        sa.Column("film_id", UUID, nullable=False),
        sa.Column("ord", sa.SmallInteger(), nullable=False),
        sa.Column("person_id", UUID, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("character", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(
            ["film_id"], ["films.id"], name=op.f("fk_film_people_film_id_films"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_film_people_person_id_people"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("film_id", "ord", name=op.f("pk_film_people")),
    )
    op.create_index(op.f("ix_film_people_person_id"), "film_people", ["person_id"])
    op.create_table(
        "film_views_daily",
        sa.Column("film_id", UUID, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("views", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["film_id"], ["films.id"], name=op.f("fk_film_views_daily_film_id_films"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("film_id", "day", name=op.f("pk_film_views_daily")),
    )
    op.create_index("ix_film_views_daily_day", "film_views_daily", ["day", "film_id"])

    # The search document: titles weigh most, then people, then the description; each
    # part in the simple (exact words), russian and english (stemmed) configurations.
    op.execute(
        """
        CREATE FUNCTION cinema_film_search_refresh(film_ids uuid[]) RETURNS void LANGUAGE sql AS $$
          UPDATE films f SET search_vector =
              setweight(to_tsvector('simple', cinema_norm(f.title || ' ' || f.original_title)), 'A')
           || setweight(to_tsvector('russian', cinema_norm(f.title || ' ' || f.original_title)), 'A')
           || setweight(to_tsvector('english', cinema_norm(f.title || ' ' || f.original_title)), 'A')
           || setweight(to_tsvector('simple', cinema_norm(coalesce(p.names, ''))), 'B')
           || setweight(to_tsvector('russian', cinema_norm(f.description)), 'C')
           || setweight(to_tsvector('english', cinema_norm(f.description)), 'D')
          FROM films f2
          LEFT JOIN LATERAL (
              SELECT string_agg(pe.name || ' ' || coalesce(fp.character, ''), ' ') AS names
              FROM film_people fp JOIN people pe ON pe.id = fp.person_id
              WHERE fp.film_id = f2.id
          ) p ON true
          WHERE f.id = f2.id AND f2.id = ANY(film_ids)
        $$
        """
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS cinema_film_search_refresh(uuid[])")
    op.drop_table("film_views_daily")
    op.drop_table("film_people")
    op.drop_table("film_genres")
    op.drop_table("films")
    op.drop_table("people")
    op.drop_table("genres")
    op.execute("DROP FUNCTION IF EXISTS cinema_norm(text)")
