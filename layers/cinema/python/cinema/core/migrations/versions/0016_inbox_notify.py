"""the webhook inbox tells its applier: NOTIFY cinema_webhook_inbox after every accept

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04

On one machine the payments applier runs in a process of its own (cinema.local.payments_worker)
and LISTENs on this channel, so an accepted event is applied at once without the webhook's
process doing anything but the INSERT it already does: the notification rides on that
statement (a statement trigger) and is delivered when it commits.
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION cinema_webhook_inbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('cinema_webhook_inbox', '');
            RETURN NULL;
        END
        $$;
        CREATE TRIGGER webhook_inbox_notify AFTER INSERT ON webhook_inbox
            FOR EACH STATEMENT EXECUTE FUNCTION cinema_webhook_inbox_notify();
        """
    )


def downgrade() -> None:
    op.execute(
        "DROP TRIGGER webhook_inbox_notify ON webhook_inbox; DROP FUNCTION cinema_webhook_inbox_notify()"
    )
