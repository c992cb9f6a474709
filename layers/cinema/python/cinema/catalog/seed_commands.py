"""Entry points of `cinema seed`: each runs in its own transaction and event loop."""

from __future__ import annotations

import time
from typing import Any, TextIO

from cinema.catalog import bulk_load, caching, synthetic_films
from cinema.core import cache, db


async def run_demo(catalog: dict[str, Any]) -> int:
    """Loads `catalog` (the demo catalog, which the local stack reads: cinema.local.demo_catalog)."""
    try:
        async with db.session_factory()() as session:
            added = await bulk_load.seed_demo(session, catalog)
            await bulk_load.analyze(session)
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
            if await bulk_load.has_films(session):
                return 0
        return await run_demo(catalog)
    finally:
        await db.dispose()
        cache.reset()  # its connections belong to this event loop, which is about to close


async def run_synthetic(count: int, *, progress: bulk_load.Progress | None = None) -> int:
    """Adds `count` synthetic films (those not there yet), generated as they are copied."""
    try:
        async with db.session_factory()() as session:
            genre_ids = await bulk_load.upsert_genres(session, synthetic_films.genre_rows())
            added = await bulk_load.load_films(
                session, synthetic_films.films(count), genre_ids=genre_ids, total=count, progress=progress
            )
            if progress:
                progress("analyze", 0, 1)
            await bulk_load.analyze(session)
            await session.commit()
            if progress:
                progress("analyze", 1, 1)
        await caching.invalidate()
        return len(added)
    finally:
        await db.dispose()
        cache.reset()  # its connections belong to this event loop, which is about to close


class ProgressLine:
    """A `bulk_load.Progress` that prints each step as it goes: done/total, per second, time left.
    On a terminal one line per step, rewritten in place; otherwise a line every tenth. A step
    is timed from the end of the one before, and `steps` keeps how long each took."""

    def __init__(self, out: TextIO) -> None:
        self.out, self.tty = out, out.isatty()
        self.step, self.last, self.shown, self.tenth = "", time.perf_counter(), 0.0, -1
        self.started = self.last
        self.steps: dict[str, float] = {}

    def __call__(self, step: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if step != self.step:
            self.step, self.started, self.shown, self.tenth = step, self.last, 0.0, -1
        self.last = now
        self.steps[step] = now - self.started
        finished = done >= total
        tenth = 10 * done // max(total, 1)
        if done == 0 and not finished:
            return
        if not finished and (now - self.shown < 0.5 if self.tty else tenth == self.tenth):
            return
        if finished and self.tenth == 10:  # told twice that it is over
            return
        self.shown, self.tenth = now, tenth
        elapsed = now - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        left = f"ETA {(total - done) / rate:4.0f}s" if rate and not finished else f"in {elapsed:5.1f}s"
        line = (
            f"{step:<15} {done:>9,}/{total:<9,} {100 * done / max(total, 1):3.0f}%  {rate:>8,.0f}/s  {left}"
        )
        self.out.write(("\r" if self.tty else "") + line + ("\n" if finished or not self.tty else ""))
        self.out.flush()
