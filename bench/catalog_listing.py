"""Catalog listing pages at scale: `GET /api/v1/films` with the filters and sorts the API offers
(genre, year range, minimum rating, country; popular, rating, year, title, new, either way; a
second page through its cursor), on `--films` (1,000,000) synthetic films.

The catalog is `cinema seed --synthetic N` (cinema.catalog.seed_commands.run_synthetic), then a week
of views (one film in twenty watched, `popularity` = 1 + 5000 * u^4 for u uniform among them: a
long tail), as `sort=popular`, the default, would meet it, then VACUUM (ANALYZE).

Each case is asked `--requests` (40) times with rotating values (genres, decades, countries,
thresholds), each a cache miss: Redis and the process's level-1 cache are emptied before each
request (untimed), as the first page of a listing is cached; a second page is asked right after
its first (untimed), as a visitor reads on: pages after the first are never cached, but they
reuse the total the first one counted. Timed: the request end to end in process
(httpx.ASGITransport: FastAPI, SQL, ORM, JSON, the Redis miss; no network), and its SQL: the
statements the API issued (captured from the engine while it answered: the page and its
count), executed again on their own. Median and p95 of both, and p95 of the count alone.

Then, for the first request of each case, every statement it issued under
`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)`, and the indexes the plan used; a sequential scan of a
catalog table is flagged.

    python bench/catalog_listing.py [--films 1000000] [--requests 40]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from _stack import say, stack  # bench/ is on sys.path: these run as scripts
from sqlalchemy import text

GENRES = ("drama", "comedy", "thriller", "sci-fi", "fantasy", "action", "crime", "romance", "horror", "war")
COUNTRIES = ("RU", "US", "FR", "GB", "DE", "IT", "JP", "KR", "ES", "SU")
DECADES = tuple(range(1930, 2030, 10))
CATALOG_TABLES = ("films", "film_genres", "film_people")  # genres (10 rows) is read whole, rightly

Params = dict[str, Any]

# A week of views: one film in twenty watched at all, a long tail among those (u^4 for u uniform).
POPULARITY = "UPDATE films SET popularity = 1 + floor(5000 * power(random(), 4))::int WHERE random() < 0.05"


@dataclass
class Case:
    name: str
    params: Callable[[int], Params]
    second_page: bool = False  # ask the first page (untimed), then time the page after it
    api_ms: list[float] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)
    count_ms: list[float] = field(default_factory=list)  # the part of sql_ms that counted matches
    statements: list[list[tuple[str, Any]]] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)


def _cases() -> list[Case]:
    def genre(i: int) -> str:
        return GENRES[i % len(GENRES)]

    def decade(i: int) -> Params:
        return {"year_from": DECADES[i % len(DECADES)], "year_to": DECADES[i % len(DECADES)] + 9}

    return [
        Case("default (-popular)", lambda i: {}),
        Case("sort=-rating", lambda i: {"sort": "-rating"}),
        Case("sort=rating", lambda i: {"sort": "rating"}),
        Case("sort=-year", lambda i: {"sort": "-year"}),
        Case("sort=title", lambda i: {"sort": "title"}),
        Case("sort=-new", lambda i: {"sort": "-new"}),
        Case("genre", lambda i: {"genre": genre(i)}),
        Case("two genres, sort=-rating", lambda i: {"genre": [genre(i), genre(i + 3)], "sort": "-rating"}),
        Case("decade", decade),
        Case("decade, sort=-year", lambda i: {**decade(i), "sort": "-year"}),
        Case("rating_min, sort=-rating", lambda i: {"rating_min": 5 + i % 5, "sort": "-rating"}),
        Case("country", lambda i: {"country": COUNTRIES[i % len(COUNTRIES)]}),
        Case(
            "genre+decade+rating_min",
            lambda i: {"genre": genre(i), **decade(i), "rating_min": 6 + i % 3, "sort": "-rating"},
        ),
        Case("page 2, default", lambda i: {}, second_page=True),
        Case("page 2, genre, sort=title", lambda i: {"genre": genre(i), "sort": "title"}, second_page=True),
    ]


def pct(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


# ---- the run -----------------------------------------------------------------------------


def seed_catalog(count: int) -> float:
    from cinema.catalog import seed_commands  # noqa: PLC0415
    from cinema.core import cache  # noqa: PLC0415

    started = time.perf_counter()
    asyncio.run(seed_commands.run_synthetic(count, progress=seed_commands.ProgressLine(sys.stdout)))
    cache.reset()  # run_synthetic leaves its Redis client bound to the loop that just closed
    return time.perf_counter() - started


async def prepare() -> None:
    """A long tail of views in `popularity`, then VACUUM (ANALYZE): the visibility map set, as a
    catalog that has been up a while has it, and no autovacuum in the middle of the timings."""
    from cinema.core import db  # noqa: PLC0415

    try:
        async with db.engine().connect() as conn:
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await auto.execute(text(POPULARITY))
            await auto.execute(text("VACUUM (ANALYZE) films, film_genres, genres, film_people, people"))
    finally:
        await db.dispose()


async def replay(engine: Any, statements: list[tuple[str, Any]]) -> tuple[float, float]:
    """(ms for all the statements, ms for those that count)."""
    every = counting = 0.0
    async with engine.connect() as pooled:
        conn = await pooled.execution_options(isolation_level="AUTOCOMMIT")
        for statement, parameters in statements:
            started = time.perf_counter()
            (await conn.exec_driver_sql(statement, parameters)).all()
            took = (time.perf_counter() - started) * 1000
            every += took
            counting += took if statement.lstrip().startswith("SELECT count(") else 0.0
    return every, counting


async def measure(cases: list[Case], requests: int) -> None:
    from sqlalchemy import event  # noqa: PLC0415

    from cinema.catalog import caching  # noqa: PLC0415
    from cinema.core import cache, db  # noqa: PLC0415
    from cinema.local.app import create_app  # noqa: PLC0415 - after the settings point at the stack

    app = create_app()
    redis = cache.client()
    assert redis is not None
    engine = db.engine()
    capture: list[tuple[str, Any]] | None = None

    def record(*args: Any) -> None:  # (conn, cursor, statement, parameters, context, executemany)
        if capture is not None:
            capture.append((args[2], args[3]))

    async def get(
        http: httpx.AsyncClient, params: Params, *, cold: bool = True
    ) -> tuple[float, dict[str, Any]]:
        if cold:
            await redis.flushdb()
            caching.clear_local()
        started = time.perf_counter()
        response = await http.get("/api/v1/films", params=params)
        took = (time.perf_counter() - started) * 1000
        response.raise_for_status()
        return took, response.json()

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            for case in cases:  # warm-up: connections, plans, the pages each case reads
                await get(http, case.params(0))
            for i in range(requests):  # cases interleaved, so that a slow spell hits them all
                for case in cases:
                    params = {**case.params(i), "limit": 20}
                    if case.second_page:  # as a visitor reads on: the first page, then the next
                        _, first = await get(http, params)
                        params["cursor"] = first["next_cursor"]
                    capture = []
                    took, page = await get(http, params, cold=not case.second_page)
                    statements, capture = capture, None
                    case.api_ms.append(took)
                    every, counting = await replay(engine, statements)
                    case.sql_ms.append(every)
                    case.count_ms.append(counting)
                    case.statements.append(statements)
                    case.totals.append(page["total"])
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
        await redis.aclose()
        cache.reset()
        await db.dispose()


SCANS = re.compile(
    r"(?:Index Only Scan|Index Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\w+)|Seq Scan on (\w+)"
)


async def explain(cases: list[Case], show: bool) -> dict[str, tuple[list[str], list[str]]]:
    """Per case: (indexes used, catalog tables read by a sequential scan)."""
    from cinema.core import db  # noqa: PLC0415

    found: dict[str, tuple[list[str], list[str]]] = {}
    try:
        async with db.engine().connect() as pooled:
            conn = await pooled.execution_options(isolation_level="AUTOCOMMIT")
            for case in cases:
                indexes: list[str] = []
                seq: list[str] = []
                if show:
                    say("")
                    say(f"== {case.name}: {case.params(0)}")
                for statement, parameters in case.statements[0]:
                    plan = [
                        row[0]
                        for row in await conn.exec_driver_sql(
                            "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, parameters
                        )
                    ]
                    for line in plan:
                        for match in SCANS.finditer(line):
                            if match.group(1) and match.group(1) not in indexes:
                                indexes.append(match.group(1))
                            if match.group(2) in CATALOG_TABLES and match.group(2) not in seq:
                                seq.append(match.group(2))
                    if show:
                        say(
                            "  " + " ".join(statement.split())[:160] + ("..." if len(statement) > 160 else "")
                        )
                        for line in plan:
                            say("    " + line)
                found[case.name] = (indexes, seq)
    finally:
        await db.dispose()
    return found


def report(cases: list[Case], plans: dict[str, tuple[list[str], list[str]]], films: int) -> None:
    say("")
    say(f"listing pages (limit=20), {len(cases[0].api_ms)} cache misses each, {films} films:")
    say(
        f"  {'case':<26} {'API median':>10} {'p95':>8}   {'SQL median':>10} {'p95':>8}  {'count p95':>9}"
        f"   {'total':>9}  indexes"
    )
    for case in cases:
        indexes, seq = plans[case.name]
        flag = f"  !! Seq Scan on {', '.join(seq)}" if seq else ""
        say(
            f"  {case.name:<26} {statistics.median(case.api_ms):8.1f}ms {pct(case.api_ms, 0.95):6.1f}ms"
            f"   {statistics.median(case.sql_ms):8.1f}ms {pct(case.sql_ms, 0.95):6.1f}ms"
            f"  {pct(case.count_ms, 0.95):7.1f}ms   {statistics.median(case.totals):9,.0f}  {', '.join(indexes)}{flag}"
        )
    every_api = [ms for case in cases for ms in case.api_ms]
    every_sql = [ms for case in cases for ms in case.sql_ms]
    worst = max(cases, key=lambda c: pct(c.api_ms, 0.95))
    say(
        f"listing: {films} films; over all cases API p95 {pct(every_api, 0.95):.1f} ms "
        f"(median {statistics.median(every_api):.1f}), SQL p95 {pct(every_sql, 0.95):.1f} ms; "
        f"slowest case {worst.name} (API p95 {pct(worst.api_ms, 0.95):.1f} ms); "
        f"sequential scans of catalog tables: {sum(bool(seq) for _, seq in plans.values())} of {len(cases)} cases"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--films", type=int, default=1_000_000, help="synthetic films to seed")
    parser.add_argument("--requests", type=int, default=40, help="timed requests per case")
    args = parser.parse_args()

    with stack():
        say(f"seeding {args.films} synthetic films (cinema.catalog.seed_commands.run_synthetic)")
        seconds = seed_catalog(args.films)
        say(f"seeded {args.films} films in {seconds:.1f}s")
        started = time.perf_counter()
        asyncio.run(prepare())
        say(f"popularity set, VACUUM (ANALYZE) done in {time.perf_counter() - started:.1f}s")
        cases = _cases()
        started = time.perf_counter()
        asyncio.run(measure(cases, args.requests))
        say(f"requests done in {time.perf_counter() - started:.1f}s")
        plans = asyncio.run(explain(cases, show=True))
        report(cases, plans, args.films)


if __name__ == "__main__":
    main()
