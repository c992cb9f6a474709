"""indexes of the staff lists: the moderation queue and the revenue per day

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

GET /admin/reviews reads every film's reviews newest first (optionally only the hidden ones);
GET /admin/stats sums paid payments over a period. Without these both would scan their table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_reviews_created_at_id", "reviews", ["created_at", "id"])
    op.create_index(
        "ix_reviews_hidden_created_at_id", "reviews", ["created_at", "id"], postgresql_where=sa.text("hidden")
    )
    op.create_index(
        "ix_payments_paid_created_at", "payments", ["created_at"], postgresql_where=sa.text("status = 'paid'")
    )


def downgrade() -> None:
    op.drop_index("ix_payments_paid_created_at", table_name="payments")
    op.drop_index("ix_reviews_hidden_created_at_id", table_name="reviews")
    op.drop_index("ix_reviews_created_at_id", table_name="reviews")
