"""profiles of an account; history, favorites, progress and ratings per profile (issue 16)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04

Every account gets one profile, named after it, with no age limit; what the account watched,
kept and rated moves to that profile, row for row. From then on the database keeps "every
account has a profile": a trigger makes the first one whenever a user row is inserted, however
it is inserted (sign-up, the bootstrap admin, bulk loads). Reviews keep their author (the
account) and remember the profile that wrote them, whose rating they show.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# The name of an account's first profile: its display name, else the mailbox of its address.
_FIRST_NAME = (
    "left(coalesce(nullif(btrim({u}.display_name), ''), split_part({u}.email, '@', 1), 'Profile'), 40)"
)

_TRIGGER = """
CREATE FUNCTION cinema_first_profile() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO profiles (user_id, name) VALUES (NEW.id, {name});
    RETURN NEW;
END
$$;
CREATE TRIGGER users_first_profile AFTER INSERT ON users
    FOR EACH ROW EXECUTE FUNCTION cinema_first_profile();
"""

# (table, index on the owner that goes with user_id, the index that replaces it)
_OWNED = (
    ("watch_progress", "ix_watch_progress_user_id_updated_at", ["profile_id", "updated_at"]),
    ("favorites", "ix_favorites_user_id_created_at", ["profile_id", "created_at", "film_id"]),
    ("ratings", "ix_ratings_user_id", ["profile_id"]),
)


def upgrade() -> None:
    op.create_table(
        "profiles",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("max_age_rating", sa.String(length=3), server_default="18+", nullable=False),
        sa.Column("is_kids", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("pin_hash", sa.String(length=255), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "max_age_rating IN ('0+', '6+', '12+', '16+', '18+')", name=op.f("ck_profiles_max_age_rating")
        ),
        sa.CheckConstraint("char_length(name) BETWEEN 1 AND 40", name=op.f("ck_profiles_name")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_profiles_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profiles")),
    )
    op.create_index("ix_profiles_user_id_created_at", "profiles", ["user_id", "created_at", "id"])
    first_names = (
        f"INSERT INTO profiles (user_id, name) SELECT u.id, {_FIRST_NAME.format(u='u')} FROM users u"  # noqa: S608
    )
    op.execute(first_names)
    op.execute(_TRIGGER.format(name=_FIRST_NAME.format(u="NEW")))

    for table, old_index, new_index in _OWNED:
        op.add_column(table, sa.Column("profile_id", sa.UUID(), nullable=True))
        # One profile per account so far: each row goes to its account's profile.
        op.execute(f"UPDATE {table} t SET profile_id = p.id FROM profiles p WHERE p.user_id = t.user_id")  # noqa: S608
        op.alter_column(table, "profile_id", nullable=False)
        op.drop_index(old_index, table_name=table)
        op.drop_constraint(f"pk_{table}", table, type_="primary")
        op.drop_column(table, "user_id")  # its foreign key goes with it
        keys = ["film_id", "profile_id"] if table == "ratings" else ["profile_id", "film_id"]
        op.create_primary_key(f"pk_{table}", table, keys)
        op.create_foreign_key(
            f"fk_{table}_profile_id_profiles", table, "profiles", ["profile_id"], ["id"], ondelete="CASCADE"
        )
        op.create_index(f"ix_{table}_" + "_".join(new_index), table, new_index)

    op.add_column("reviews", sa.Column("profile_id", sa.UUID(), nullable=True))
    op.execute("UPDATE reviews r SET profile_id = p.id FROM profiles p WHERE p.user_id = r.author_id")
    op.create_foreign_key(
        "fk_reviews_profile_id_profiles", "reviews", "profiles", ["profile_id"], ["id"], ondelete="SET NULL"
    )


def downgrade() -> None:
    op.drop_constraint("fk_reviews_profile_id_profiles", "reviews", type_="foreignkey")
    op.drop_column("reviews", "profile_id")
    for table, old_index, new_index in _OWNED:
        op.add_column(table, sa.Column("user_id", sa.UUID(), nullable=True))
        op.execute(f"UPDATE {table} t SET user_id = p.user_id FROM profiles p WHERE p.id = t.profile_id")  # noqa: S608
        # An account's rows for one film from several profiles become one: the first profile's.
        op.execute(
            f"""DELETE FROM {table} t USING profiles p WHERE p.id = t.profile_id AND EXISTS (
                SELECT FROM {table} o JOIN profiles q ON q.id = o.profile_id
                WHERE o.film_id = t.film_id AND q.user_id = p.user_id
                  AND (q.created_at, q.id) < (p.created_at, p.id))"""  # noqa: S608
        )
        op.drop_index(f"ix_{table}_" + "_".join(new_index), table_name=table)
        op.drop_constraint(f"pk_{table}", table, type_="primary")
        op.drop_column(table, "profile_id")
        op.alter_column(table, "user_id", nullable=False)
        keys = ["film_id", "user_id"] if table == "ratings" else ["user_id", "film_id"]
        op.create_primary_key(f"pk_{table}", table, keys)
        op.create_foreign_key(
            f"fk_{table}_user_id_users", table, "users", ["user_id"], ["id"], ondelete="CASCADE"
        )
        columns = {
            "watch_progress": ["user_id", "updated_at"],
            "favorites": ["user_id", "created_at", "film_id"],
        }
        op.create_index(old_index, table, columns.get(table, ["user_id"]))
    op.execute("DROP TRIGGER users_first_profile ON users; DROP FUNCTION cinema_first_profile()")
    op.drop_index("ix_profiles_user_id_created_at", table_name="profiles")
    op.drop_table("profiles")
