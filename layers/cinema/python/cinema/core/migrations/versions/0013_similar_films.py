"""films like each film, computed by the scheduled job (issue 16)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04

film_similar holds, for each published film, its most similar published films in order
(cinema.catalog.similar: what is known about the films and co-viewing), rewritten by the
`refresh-similar` job; GET /films/{id}/similar reads it (its primary key is that read's order).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "film_similar",
        sa.Column("film_id", sa.UUID(), nullable=False),
        sa.Column("rank", sa.SmallInteger(), nullable=False),
        sa.Column("similar_id", sa.UUID(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["film_id"], ["films.id"], name=op.f("fk_film_similar_film_id_films"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["similar_id"], ["films.id"], name=op.f("fk_film_similar_similar_id_films"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("film_id", "rank", name=op.f("pk_film_similar")),
    )
    op.create_index("ix_film_similar_similar_id", "film_similar", ["similar_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_film_similar_similar_id", table_name="film_similar")
    op.drop_table("film_similar")
