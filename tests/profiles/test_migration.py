"""Migration 0015 on a database with accounts in it: every account gets a profile that keeps its
history, favorites, progress and ratings; the reviews remember it; and back down again."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import Connection, make_url

from cinema.core import migrate


@pytest.fixture
def database(empty_database: str) -> str:
    """A database of its own, at the revision before profiles."""
    migrate.upgrade(empty_database, "0014")
    return empty_database


def _connect(url: str) -> Connection:
    sync = make_url(url).set(drivername="postgresql+psycopg")
    return create_engine(sync, poolclass=pool.NullPool).connect()


ANN, BOB, FILM_A, FILM_B = (uuid.uuid4() for _ in range(4))


def _seed(conn: Connection) -> None:
    conn.execute(
        text(
            "INSERT INTO users (id, email, password_hash, display_name) VALUES"
            " (:ann, 'ann@kino.io', 'x', 'Ann'), (:bob, 'bob@kino.io', 'x', '')"
        ),
        {"ann": ANN, "bob": BOB},
    )
    conn.execute(
        text(
            "INSERT INTO films (id, title, year, duration_seconds, status) VALUES"
            " (:a, 'A', 2001, 600, 'published'), (:b, 'B', 2002, 600, 'published')"
        ),
        {"a": FILM_A, "b": FILM_B},
    )
    conn.execute(
        text(
            "INSERT INTO watch_progress (user_id, film_id, position_seconds, duration_seconds) VALUES (:u, :f, 300, 600)"
        ),
        {"u": ANN, "f": FILM_A},
    )
    conn.execute(text("INSERT INTO favorites (user_id, film_id) VALUES (:u, :f)"), {"u": ANN, "f": FILM_B})
    conn.execute(
        text("INSERT INTO ratings (film_id, user_id, score) VALUES (:f, :ann, 8), (:f, :bob, 6)"),
        {"f": FILM_A, "ann": ANN, "bob": BOB},
    )
    conn.execute(
        text("INSERT INTO reviews (film_id, author_id, body) VALUES (:f, :u, 'Хорошо')"),
        {"f": FILM_A, "u": ANN},
    )
    conn.commit()


def test_accounts_keep_what_they_had_through_profiles_and_back(database):
    with _connect(database) as conn:
        _seed(conn)
    migrate.upgrade(database)
    with _connect(database) as conn:
        profiles = dict(conn.execute(text("SELECT user_id, id FROM profiles")).all())
        names = dict(conn.execute(text("SELECT user_id, name FROM profiles")).all())
        assert names == {ANN: "Ann", BOB: "bob"}  # the display name, else the mailbox
        assert conn.execute(text("SELECT profile_id, position_seconds FROM watch_progress")).all() == [
            (profiles[ANN], 300)
        ]
        assert conn.execute(text("SELECT profile_id, film_id FROM favorites")).all() == [
            (profiles[ANN], FILM_B)
        ]
        assert sorted(
            conn.execute(text("SELECT profile_id, score FROM ratings")).all(), key=lambda r: r[1]
        ) == [
            (profiles[BOB], 6),
            (profiles[ANN], 8),
        ]
        assert conn.execute(text("SELECT profile_id FROM reviews")).scalar_one() == profiles[ANN]
        # a second profile of Ann's with rows of its own, to come back down with the first one's kept
        kid = conn.execute(
            text(
                "INSERT INTO profiles (user_id, name, max_age_rating) VALUES (:u, 'Kid', '6+') RETURNING id"
            ),
            {"u": ANN},
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO watch_progress (profile_id, film_id, position_seconds, duration_seconds) VALUES (:p, :f, 60, 600)"
            ),
            {"p": kid, "f": FILM_A},
        )
        conn.commit()

    migrate.downgrade(database, "0014")
    with _connect(database) as conn:
        assert conn.execute(text("SELECT user_id, position_seconds FROM watch_progress")).all() == [
            (ANN, 300)
        ]
        assert conn.execute(text("SELECT user_id, film_id FROM favorites")).all() == [(ANN, FILM_B)]
        assert sorted(conn.execute(text("SELECT user_id, score FROM ratings")).all(), key=lambda r: r[1]) == [
            (BOB, 6),
            (ANN, 8),
        ]
        tables = conn.execute(
            text("SELECT count(*) FROM pg_tables WHERE tablename = 'profiles'")
        ).scalar_one()
        assert tables == 0
    migrate.upgrade(database)  # and up again, cleanly
