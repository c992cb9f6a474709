"""media uploads transcoded without audio

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29

MediaConvert cannot be told in advance that a source has no audio track (the ingest function
never reads the video), so a job for a silent source fails with "Audio track ... not found";
media-status then starts the job again without audio, once, and records it here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "media_uploads", sa.Column("without_audio", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    op.drop_column("media_uploads", "without_audio")
