"""live events: broadcasts with a hashed stream key and the film their recording becomes

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "live_events",
        sa.Column(
            "id", postgresql.UUID(as_uuid=True), server_default=sa.text("gen_random_uuid()"), nullable=False
        ),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("film_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("publisher", sa.String(32), nullable=True),
        sa.Column("replay_film_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["film_id"], ["films.id"], name="fk_live_events_film_id_films", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["replay_film_id"], ["films.id"], name="fk_live_events_replay_film_id_films", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_live_events"),
        sa.UniqueConstraint("key_hash", name="uq_live_events_key_hash"),
    )
    op.create_index("ix_live_events_status_starts_at", "live_events", ["status", "starts_at"])


def downgrade() -> None:
    op.drop_index("ix_live_events_status_starts_at", table_name="live_events")
    op.drop_table("live_events")
