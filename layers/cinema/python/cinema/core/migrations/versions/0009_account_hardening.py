"""accounts: canonical emails with a lookalike key, and a per-user "tokens valid after" instant

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

Emails are stored NFKC-normalised from now on, and `email_key` (cinema.auth.emails.lookalike_key)
refuses a second account whose address reads like an existing one. Existing addresses are
normalised here too, except the rare one whose normal form another account already has: that
later account keeps its address as it was and gets no key (it signs in with the address typed
exactly as stored; auth.service.login looks that form up first). `tokens_valid_after` makes revocation of
access tokens immediate (checked against the token's `iat` on every request).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cinema.auth.emails import canonical, lookalike_key

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ASCII_KEYS = "UPDATE users SET email_key = lower(email) WHERE email !~ '[^\\x01-\\x7f]'"
ASCII_TAKEN = "SELECT lower(email) FROM users WHERE email !~ '[^\\x01-\\x7f]'"
OTHERS = "SELECT id, email FROM users WHERE email ~ '[^\\x01-\\x7f]' ORDER BY created_at, id"


def upgrade() -> None:
    op.add_column("users", sa.Column("email_key", sa.String(320), nullable=True))
    op.add_column("users", sa.Column("tokens_valid_after", sa.DateTime(timezone=True), nullable=True))
    bind = op.get_bind()
    # Plain ASCII addresses (nearly all): NFKC changes nothing and the key is lower(email).
    bind.execute(sa.text(ASCII_KEYS))
    taken = {row[0] for row in bind.execute(sa.text(ASCII_TAKEN))}
    keys = {
        row[0] for row in bind.execute(sa.text("SELECT email_key FROM users WHERE email_key IS NOT NULL"))
    }
    others = bind.execute(sa.text(OTHERS)).all()
    for user_id, email in others:
        normal, key = canonical(email), lookalike_key(email)
        if normal.lower() in taken:
            normal = email
        taken.add(normal.lower())
        bind.execute(
            sa.text("UPDATE users SET email = :email, email_key = :key WHERE id = :id"),
            {"email": normal, "key": None if key in keys else key, "id": user_id},
        )
        keys.add(key)
    op.create_index("uq_users_email_key", "users", ["email_key"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_users_email_key", table_name="users")
    op.drop_column("users", "tokens_valid_after")
    op.drop_column("users", "email_key")
