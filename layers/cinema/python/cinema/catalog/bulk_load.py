"""Loading catalogs in bulk: the demo catalog (`cinema seed --demo`, its data in cinema/local)
and synthetic films for benchmarks (`cinema seed --synthetic N`). Both are idempotent per
(title, year).

Films go in chunks. A chunk travels by COPY into a staging table, each film's genres and
credits as arrays in its row; the films already in the catalog leave it; then four set
statements move the rest in: the films with their search vectors (`cinema_film_head` and
`cinema_film_document`, what `cinema_film_search_refresh` writes), their genres, their
credits and the vocabulary of their titles and names. The next chunk is generated in a thread
meanwhile, so that the generator's Python and the server's text search run side by side.

A load at least as big as the catalog it goes into (the first million films, say) drops the
secondary indexes and the foreign keys of films, film_genres and film_people first and builds
them once at the end (`maintenance_work_mem` raised for it): building a GIN or trigram index
once is several times cheaper than maintaining it film by film, and a foreign key checked in
one join costs far less than a check per row. The whole load is one transaction: a failed one
leaves the catalog, indexes and constraints as they were; the dropped indexes keep the
catalog's tables locked until it ends.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from cinema.catalog import popularity
from cinema.catalog.models import Film, Genre, film_views_daily


class Progress(Protocol):
    """Told how far each step of a load is: `done` of `total` (films, or indexes rebuilt)."""

    def __call__(self, step: str, done: int, total: int) -> None: ...


# A load of at least this many new films, and no fewer than the catalog holds, drops the
# indexes and foreign keys and builds them again at the end.
REBUILD_FROM = 20_000
CHUNK = 10_000  # films per chunk
TABLES = ("films", "film_genres", "film_people")

STAGING = (
    """
    CREATE TEMP TABLE seed_films (
        n integer NOT NULL, id uuid NOT NULL, title text NOT NULL, original_title text NOT NULL,
        description text NOT NULL, year smallint NOT NULL, duration_seconds integer NOT NULL,
        age_rating text NOT NULL, countries varchar(2)[] NOT NULL, access text NOT NULL,
        price_amount integer, price_currency text, listed_at timestamptz NOT NULL,
        rating_avg numeric(4, 2) NOT NULL, rating_count integer NOT NULL,
        genre_ids uuid[] NOT NULL, credit_names text[] NOT NULL, credit_roles text[] NOT NULL,
        credit_characters text[] NOT NULL
    ) ON COMMIT DROP
    """,
    # What is in the catalog before the load, the films a load may not add again.
    "CREATE TEMP TABLE seed_existing ON COMMIT DROP AS SELECT title, year FROM films",
    "CREATE INDEX ON seed_existing (title, year)",
    "ANALYZE seed_existing",
)
STAGED = (
    "n, id, title, original_title, description, year, duration_seconds, age_rating, countries, access, "
    "price_amount, price_currency, listed_at, rating_avg, rating_count, genre_ids, credit_names, "
    "credit_roles, credit_characters"
)
FILM_COLUMNS = (
    "id, title, original_title, description, year, duration_seconds, age_rating, countries, access, "
    "price_amount, price_currency, listed_at, rating_avg, rating_count"
)
# Idempotence: a film already in the catalog (same title and year) is not added again.
ALREADY_THERE = "DELETE FROM seed_films s USING seed_existing e WHERE e.title = s.title AND e.year = s.year RETURNING s.id"
# The names in a film's head are its people with their characters in credit order, as
# cinema_film_search_refresh joins them: a film gets the very vector a refresh would give it.
MOVE = (
    "INSERT INTO people (name) SELECT DISTINCT unnest(credit_names) FROM seed_films ORDER BY 1 "
    "ON CONFLICT DO NOTHING",
    f"""
    INSERT INTO films ({FILM_COLUMNS}, status, search_vector, rank_vector)
    SELECT {FILM_COLUMNS}, 'published', cinema_film_document(head, description), head
    FROM (
        SELECT s.*, cinema_film_head(s.title, s.original_title, (
            SELECT string_agg(c.name || ' ' || coalesce(c.character, ''), ' ' ORDER BY c.ord)
            FROM unnest(s.credit_names, s.credit_characters) WITH ORDINALITY AS c(name, character, ord)
        )) AS head
        FROM seed_films s
        OFFSET 0  -- the head computed once per film, not once per column it fills
    ) staged
    """,  # noqa: S608 - constants
    """
    INSERT INTO film_genres (film_id, genre_id)
    SELECT DISTINCT s.id, g.id FROM seed_films s, unnest(s.genre_ids) AS g(id)
    """,
    """
    INSERT INTO film_people (film_id, ord, person_id, role, character)
    SELECT s.id, c.ord - 1, p.id, c.role, c.character
    FROM seed_films s,
         unnest(s.credit_names, s.credit_roles, s.credit_characters)
             WITH ORDINALITY AS c(name, role, character, ord)
    JOIN people p ON p.name = c.name
    """,
    """
    SELECT cinema_search_words_add(ARRAY(
        SELECT s.title || ' ' || s.original_title FROM seed_films s
        UNION
        SELECT c.name || ' ' || coalesce(c.character, '')
        FROM seed_films s, unnest(s.credit_names, s.credit_characters) AS c(name, character)
    ))
    """,
)
# What a rebuild drops: the indexes no constraint needs, and the foreign keys of the tables.
SECONDARY_INDEXES = """
SELECT format('DROP INDEX %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid)
FROM pg_index i
WHERE i.indrelid = ANY (CAST(:tables AS regclass[]))
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
ORDER BY i.indexrelid::regclass::text
"""
FOREIGN_KEYS = """
SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname),
       format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid))
FROM pg_constraint c
WHERE c.contype = 'f' AND c.conrelid = ANY (CAST(:tables AS regclass[]))
ORDER BY c.conname
"""


async def upsert_genres(db: AsyncSession, genres: Iterable[dict[str, str]]) -> dict[str, uuid.UUID]:
    rows = [{"slug": g["slug"], "name": g["name"]} for g in genres]
    if rows:
        statement = insert(Genre).values(rows)
        await db.execute(
            statement.on_conflict_do_update(
                index_elements=[Genre.slug], set_={"name": statement.excluded.name}
            )
        )
    return {g.slug: g.id for g in (await db.execute(select(Genre))).scalars()}


def _staged(n: int, film: dict[str, Any], genre_ids: dict[str, uuid.UUID], now: datetime) -> tuple[Any, ...]:
    price = film.get("price")
    people = film.get("people", [])
    return (
        n,
        uuid.uuid4(),
        film["title"],
        film.get("original_title", ""),
        film.get("description", ""),
        film["year"],
        film["duration_seconds"],
        film.get("age_rating", "0+"),
        film.get("countries", []),
        film.get("access", "subscription"),
        price["amount"] if price else None,
        price["currency"] if price else None,
        now - timedelta(minutes=n),  # the order of sort=new: the first film is the newest
        film.get("rating_avg", 0),
        film.get("rating_count", 0),
        [genre_ids[slug] for slug in film.get("genres", [])],
        [p["name"] for p in people],
        [p["role"] for p in people],
        [p.get("character") for p in people],
    )


def _chunks(
    films: Iterable[dict[str, Any]], genre_ids: dict[str, uuid.UUID], size: int
) -> Iterator[list[tuple[Any, ...]]]:
    now, numbered = datetime.now(UTC), enumerate(films)
    while chunk := [_staged(n, film, genre_ids, now) for n, film in itertools.islice(numbered, size)]:
        yield chunk


async def load_films(
    db: AsyncSession,
    films: Iterable[dict[str, Any]],
    *,
    genre_ids: dict[str, uuid.UUID],
    total: int | None = None,
    progress: Progress | None = None,
    rebuild_from: int = REBUILD_FROM,
) -> list[uuid.UUID]:
    """Inserts the films that are not there yet (by title and year), published, with their
    genres, credits and search vectors; returns the new ids in the order given. `films` may be
    a generator (`total` is then how many it yields, for progress): it is streamed, not held."""
    if total is None:
        total = len(films) if isinstance(films, Sequence) else 0
    report = progress or _silent
    for statement in STAGING:
        await db.execute(text(statement))
    await db.execute(text("SET LOCAL work_mem = '64MB'"))
    existing = (await db.execute(text("SELECT count(*) FROM seed_existing"))).scalar_one()
    chunks = _chunks(films, genre_ids, CHUNK)
    loop = asyncio.get_running_loop()
    pending = loop.run_in_executor(None, next, chunks, [])
    ids: list[uuid.UUID] = []
    dropped: list[tuple[str, str]] | None = None
    offered = 0
    while rows := await pending:
        pending = loop.run_in_executor(None, next, chunks, [])  # the next chunk, while this one goes in
        offered += len(rows)
        new = await _stage(db, rows)
        if dropped is None:  # the first chunk tells how much of the load is new
            expected = max(total, offered) * len(new) // len(rows)
            rebuild = expected >= max(rebuild_from, existing, 1)
            dropped = await _drop(db, SECONDARY_INDEXES) + await _drop(db, FOREIGN_KEYS) if rebuild else []
        if new:
            for statement in MOVE:
                await db.execute(text(statement))
        ids += new
        report("loading", offered, max(total, offered))
    if dropped:
        await db.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
        for done, (_, create) in enumerate(dropped, 1):
            await db.execute(text(create))
            report("indexes", done, len(dropped))
    await db.execute(text("DROP TABLE seed_films, seed_existing"))
    return ids


async def _stage(db: AsyncSession, rows: list[tuple[Any, ...]]) -> list[uuid.UUID]:
    """Puts one chunk in the staging table, less the films already there; returns their ids."""
    await db.execute(text("TRUNCATE seed_films"))
    raw = (await (await db.connection()).get_raw_connection()).driver_connection
    async with raw.cursor() as cursor, cursor.copy(f"COPY seed_films ({STAGED}) FROM STDIN") as copy:
        for row in rows:
            await copy.write_row(row)
    there = set((await db.execute(text(ALREADY_THERE))).scalars())
    return [row[1] for row in rows if row[1] not in there]


def _silent(step: str, done: int, total: int) -> None:
    pass


async def _drop(db: AsyncSession, catalog_query: str) -> list[tuple[str, str]]:
    """Drops what `catalog_query` lists (a statement that drops it, one that makes it again) on
    the catalog's tables; returns those pairs, to make them again after the load."""
    rows = (await db.execute(text(catalog_query), {"tables": list(TABLES)})).all()
    for drop, _ in rows:
        await db.execute(text(drop))
    return [(drop, create) for drop, create in rows]


async def add_view_history(db: AsyncSession, film_ids: list[uuid.UUID], *, seed: int = 7) -> None:
    """A plausible last week of views (a few hits, a long tail), so /films/popular has content."""
    rng = random.Random(seed)
    today = popularity.today()
    rows = []
    for film_id in film_ids:
        base = int(rng.paretovariate(1.2) * 3)
        for back in range(popularity.WINDOW_DAYS):
            views = max(0, int(base * rng.uniform(0.5, 1.5)) - back)
            if views:
                rows.append({"film_id": film_id, "day": today - timedelta(days=back), "views": views})
    for start in range(0, len(rows), 5000):
        statement = insert(film_views_daily).values(rows[start : start + 5000])
        await db.execute(statement.on_conflict_do_nothing())
    await popularity.refresh(db)


async def seed_demo(db: AsyncSession, catalog: dict[str, Any]) -> int:
    genre_ids = await upsert_genres(db, catalog["genres"])
    # No invented ratings: rating_avg/rating_count only ever come from real ratings.
    new_ids = await load_films(db, catalog["films"], genre_ids=genre_ids)
    await add_view_history(db, new_ids)
    return len(new_ids)


async def has_films(db: AsyncSession) -> bool:
    return (await db.execute(select(Film.id).limit(1))).first() is not None


async def analyze(db: AsyncSession) -> None:
    await db.execute(text("ANALYZE films, film_genres, film_people, people"))
