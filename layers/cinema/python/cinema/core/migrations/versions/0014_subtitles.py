"""subtitle tracks of films (issue 16)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subtitle_tracks",
        sa.Column(
            "id", postgresql.UUID(as_uuid=True), server_default=sa.text("gen_random_uuid()"), nullable=False
        ),
        sa.Column("film_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("language", sa.String(35), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("version", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["film_id"], ["films.id"], name="fk_subtitle_tracks_film_id_films", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_subtitle_tracks"),
        sa.UniqueConstraint("film_id", "language", name="uq_subtitle_tracks_film_id_language"),
    )


def downgrade() -> None:
    op.drop_table("subtitle_tracks")
