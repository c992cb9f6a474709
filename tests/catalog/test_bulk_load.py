"""The bulk loader of `cinema seed` on the path a big load takes (indexes and foreign keys
dropped and made again), at a size a test affords: what it writes is what the catalog's own
refresh would write, and nothing of the schema is lost."""

from __future__ import annotations

from sqlalchemy import text

from cinema.catalog import bulk_load, synthetic_films
from cinema.core import db

API = "/api/v1"

SCHEMA = """
SELECT 'index ' || pg_get_indexdef(i.indexrelid) FROM pg_index i
WHERE i.indrelid IN ('films'::regclass, 'film_genres'::regclass, 'film_people'::regclass)
UNION ALL
SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
FROM pg_constraint
WHERE conrelid IN ('films'::regclass, 'film_genres'::regclass, 'film_people'::regclass)
ORDER BY 1
"""
VECTORS = "SELECT id, search_vector::text, rank_vector::text FROM films ORDER BY id"


async def _load(films: list[dict], *, rebuild_from: int) -> tuple[int, set[str]]:
    """(films added, the steps it went through)."""
    steps: list[str] = []
    async with db.session_factory()() as session:
        genre_ids = await bulk_load.upsert_genres(session, synthetic_films.genre_rows())
        added = await bulk_load.load_films(
            session,
            iter(films),
            genre_ids=genre_ids,
            total=len(films),
            progress=lambda step, done, total: steps.append(step),
            rebuild_from=rebuild_from,
        )
        await session.commit()
    return len(added), set(steps)


async def _rows(query: str) -> list[tuple]:
    async with db.engine().connect() as conn:
        return [tuple(row) for row in await conn.execute(text(query))]


async def test_a_big_load_rebuilds_indexes_and_keys_and_writes_what_a_refresh_would(client, services):
    schema = await _rows(SCHEMA)
    films = list(synthetic_films.films(120))
    # into an empty catalog: the indexes and foreign keys go, and come back at the end
    assert await _load(films, rebuild_from=1) == (120, {"loading", "indexes"})
    assert await _rows(SCHEMA) == schema
    counts = await _rows(
        "SELECT (SELECT count(*) FROM films WHERE status = 'published'), (SELECT count(*) FROM film_genres),"
        " (SELECT count(*) FROM film_people), (SELECT count(*) FROM search_words)"
    )
    assert counts[0][:3] == (120, sum(len(set(f["genres"])) for f in films), 360)
    assert counts[0][3] > 20

    loaded = await _rows(VECTORS)
    async with db.engine().begin() as conn:
        await conn.execute(text("SELECT cinema_film_search_refresh(array_agg(id)) FROM films"))
    assert await _rows(VECTORS) == loaded

    typo = films[7]["title"][:-2] + films[7]["title"][-1]  # one letter left out
    found = (await client.get(f"{API}/films", params={"q": typo, "limit": 3})).json()["items"]
    assert films[7]["title"] in [f["title"] for f in found]


async def test_loading_again_adds_only_what_is_new_and_keeps_the_schema(client, services):
    films = list(synthetic_films.films(60))
    assert await _load(films[:40], rebuild_from=1) == (40, {"loading", "indexes"})
    schema = await _rows(SCHEMA)
    assert await _load(films, rebuild_from=10) == (20, {"loading"})  # fewer new films than there are
    assert await _load(films, rebuild_from=1) == (0, {"loading"})
    assert await _rows(SCHEMA) == schema
    assert (await client.get(f"{API}/films", params={"limit": 1})).json()["total"] == 60
