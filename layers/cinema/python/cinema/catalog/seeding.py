"""Entry points of `cinema seed`: each runs in its own transaction and event loop."""

from __future__ import annotations

from typing import Any

from cinema.catalog import caching, seed, synthetic
from cinema.core import cache, db


async def run_demo(catalog: dict[str, Any]) -> int:
    """Loads `catalog` (the demo catalog, which the local stack reads: cinema.local.demo_catalog)."""
    try:
        async with db.session_factory()() as session:
            added = await seed.seed_demo(session, catalog)
            await seed.analyze(session)
            await session.commit()
        await caching.invalidate()
        return added
    finally:
        await db.dispose()
        cache.reset()  # its connections belong to this event loop, which is about to close


async def run_demo_if_empty(catalog: dict[str, Any]) -> int:
    """First start of the local platform: a browsable catalog rather than an empty page."""
    try:
        async with db.session_factory()() as session:
            if await seed.has_films(session):
                return 0
        return await run_demo(catalog)
    finally:
        await db.dispose()
        cache.reset()  # its connections belong to this event loop, which is about to close


async def run_synthetic(count: int, *, progress: seed.Progress | None = None) -> int:
    try:
        async with db.session_factory()() as session:
            genre_ids = await seed.upsert_genres(session, synthetic.genre_rows())
            added = await seed.load_films(
                session, list(synthetic.films(count)), genre_ids=genre_ids, progress=progress
            )
            await seed.analyze(session)
            await session.commit()
        await caching.invalidate()
        return len(added)
    finally:
        await db.dispose()
        cache.reset()  # its connections belong to this event loop, which is about to close
