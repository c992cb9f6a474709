"""the webhook inbox: Stripe events verified and accepted, waiting to be applied

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03

POST /payments/webhook verifies an event, inserts it here (one statement) and answers 2xx;
the applier (cinema.payments.applier) applies what is here in batches and deletes each row in
the transaction that stores the event id in webhook_events with its effect. A row that keeps
failing stays, parked (`parked_at`), with its attempts and last error, for a person to look at.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_inbox",
        sa.Column("id", sa.String(length=255), nullable=False),  # evt_...
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),  # the verified body, as Stripe signed it
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_inbox")),
    )
    # what the applier claims: the rows due, oldest first, parked ones aside
    op.create_index(
        "ix_webhook_inbox_due",
        "webhook_inbox",
        ["due_at", "received_at"],
        postgresql_where=sa.text("parked_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_inbox_due", table_name="webhook_inbox")
    op.drop_table("webhook_inbox")
