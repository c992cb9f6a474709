"""Loading catalogs in bulk: the demo catalog (`cinema seed --demo`, its data in cinema/local)
and synthetic films for benchmarks (`cinema seed --synthetic N`). Both are idempotent per
(title, year)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from cinema.catalog import popularity
from cinema.catalog import repository as repo
from cinema.catalog.models import Film, FilmGenre, FilmPerson, FilmStatus, FilmViewsDaily, Genre

Progress = Callable[[int], None]


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


async def _existing(db: AsyncSession, films: list[dict[str, Any]]) -> set[tuple[str, int]]:
    titles = list({f["title"] for f in films})
    rows = await db.execute(select(Film.title, Film.year).where(Film.title.in_(titles)))
    return {(t, y) for t, y in rows.all()}


async def load_films(
    db: AsyncSession,
    films: list[dict[str, Any]],
    *,
    genre_ids: dict[str, uuid.UUID],
    progress: Progress | None = None,
) -> list[uuid.UUID]:
    """Inserts the films that are not there yet (by title and year), published, with their
    genres and credits; returns the new ids. Uses multi-row statements: 100k films in minutes."""
    new_ids: list[uuid.UUID] = []
    for start in range(0, len(films), 1000):
        batch = films[start : start + 1000]
        known = await _existing(db, batch)
        batch = [f for f in batch if (f["title"], f["year"]) not in known]
        if batch:
            new_ids += await _insert_batch(db, batch, genre_ids)
        if progress:
            progress(len(films[start : start + 1000]))
    return new_ids


async def _insert_batch(
    db: AsyncSession, batch: list[dict[str, Any]], genre_ids: dict[str, uuid.UUID]
) -> list[uuid.UUID]:
    now = datetime.now(UTC)
    rows, genre_rows, credit_rows, names = [], [], [], set()
    for i, f in enumerate(batch):
        film_id = uuid.uuid4()
        price = f.get("price")
        rows.append(
            {
                "id": film_id,
                "title": f["title"],
                "original_title": f.get("original_title", ""),
                "description": f.get("description", ""),
                "year": f["year"],
                "duration_seconds": f["duration_seconds"],
                "age_rating": f.get("age_rating", "0+"),
                "countries": f.get("countries", []),
                "access": f.get("access", "subscription"),
                "price_amount": price["amount"] if price else None,
                "price_currency": price["currency"] if price else None,
                "status": FilmStatus.published,
                "listed_at": now - timedelta(minutes=i),
                "rating_avg": f.get("rating_avg", 0),
                "rating_count": f.get("rating_count", 0),
            }
        )
        genre_rows += [
            {"film_id": film_id, "genre_id": genre_ids[s]} for s in dict.fromkeys(f.get("genres", []))
        ]
        for ord_, person in enumerate(f.get("people", [])):
            names.add(person["name"])
            credit_rows.append((film_id, ord_, person))
    await db.execute(insert(Film).values(rows))
    if genre_rows:
        await db.execute(insert(FilmGenre).values(genre_rows))
    if credit_rows:
        people = await repo.people_by_name(db, sorted(names))
        await db.execute(
            insert(FilmPerson).values(
                [
                    {
                        "film_id": fid,
                        "ord": o,
                        "person_id": people[p["name"]].id,
                        "role": p["role"],
                        "character": p.get("character"),
                    }
                    for fid, o, p in credit_rows
                ]
            )
        )
    ids = [r["id"] for r in rows]
    await repo.refresh_search(db, ids)
    return ids


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
        statement = insert(FilmViewsDaily).values(rows[start : start + 5000])
        await db.execute(statement.on_conflict_do_nothing())
    await popularity.refresh(db, force=True)


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
