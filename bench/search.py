"""Catalog search on 100,000 (or `--films`, e.g. 1,000,000) synthetic films: latency against an
`ILIKE '%q%'` scan, and recall of titles typed with one typo.

The catalog is `cinema seed --synthetic N` (bilingual titles; the seeding time is shown, step by
step: loading, indexes, analyze).
Queries are titles of films drawn at random (fixed seed, half Russian, half English), each
with one typo: a deletion, a substitution by a neighbouring key of the same keyboard layout
(ЙЦУКЕН or QWERTY), a transposition or an insertion, never in a word of one or two letters,
never making another word of the generator's vocabulary. Every query string is distinct and
Redis is flushed first, so each API call is a cache miss (the first page of every listing is
cached per query string; the Redis counters printed below confirm no hit was served).

Latency, two ways, against the baseline, a raw `ILIKE '%q%'` over title, original title and
description (LIMIT 20, same engine) for the same strings, all interleaved query by query; both
the typo'd queries and the exact titles. Target: >= 50x faster, median and p95. The baseline
runs as a scan (index and bitmap scans off for it, parallel workers allowed): left to itself
the planner walks the popularity index and fetches every row at random, 3x slower at a million
films. A scan costs the same whatever the string, so above 250,000 films only every n-th query
times it (`--baseline-every`; one in four at a million films, where a scan takes seconds).
  - search SQL: the statements the API issued for the query (captured from the engine while
    it answered), executed again on their own, like the baseline: the search itself against
    the scan, SQL against SQL. This is what the target is judged on.
  - API: `GET /api/v1/films?q=...&limit=20` end to end in process (httpx.ASGITransport:
    FastAPI, SQL, ORM, JSON, the Redis cache miss; no network). Shown beside it: this adds a
    few milliseconds that no search can remove, plus, on these VMs, the cost of waking the
    idle processes after each 0.2 s baseline scan (back to back, the same calls take about
    half as long).
Recall@3: the share of typo'd queries for which the API (relevance order) returns the intended
film in its first 3 items. Target: >= 0.95. They are read off the timed limit=20 page: the
order is total (score, then id), so a limit=3 page is its prefix, which the first --check
queries verify with real limit=3 calls (also cache misses: the limit is part of the key). The generator
repeats short titles across years, so recall is also shown counting any film with exactly
the intended title as found (the query cannot tell such films apart).

    python bench/search.py [--films 100000] [--queries 200] [--seed 11] [--baseline-every N]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
import unicodedata
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from _stack import say, stack  # bench/ is on sys.path: these run as scripts
from sqlalchemy import text

TARGET_SPEEDUP = 50.0
TARGET_RECALL = 0.95
SEEDING_BUDGET_S = 900.0  # "minutes, not hours", at a million films

BASELINE_SQL = text(
    """
    SELECT id, title FROM films
    WHERE status = 'published'
      AND (title ILIKE '%' || :q || '%' OR original_title ILIKE '%' || :q || '%'
           OR description ILIKE '%' || :q || '%')
    ORDER BY popularity DESC
    LIMIT 20
    """
)

# Staggered keyboard rows: the key at (row, col) touches (row, col±1), (row-1, col), (row-1, col+1),
# (row+1, col-1) and (row+1, col).
LAYOUTS = (
    ("qwertyuiop", "asdfghjkl", "zxcvbnm"),
    ("йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю"),
)


def _neighbours() -> dict[str, str]:
    found: dict[str, str] = {}
    for rows in LAYOUTS:
        for r, row in enumerate(rows):
            for c, key in enumerate(row):
                near = [(r, c - 1), (r, c + 1), (r - 1, c), (r - 1, c + 1), (r + 1, c - 1), (r + 1, c)]
                found[key] = "".join(
                    rows[rr][cc] for rr, cc in near if 0 <= rr < len(rows) and 0 <= cc < len(rows[rr])
                )
    found["ё"] = found["е"]
    return found


NEIGHBOURS = _neighbours()
OPS = ("deletion", "substitution", "transposition", "insertion")


def _near(rng: random.Random, char: str) -> str | None:
    keys = NEIGHBOURS.get(char.lower())
    if not keys:
        return None
    pick = rng.choice(keys)
    return pick.upper() if char.isupper() else pick


def typo(rng: random.Random, title: str, vocabulary: set[str]) -> tuple[str, str] | None:
    """The title with one typo in a word of 3+ letters, and the kind of typo; None if none fits."""
    words = title.split(" ")
    eligible = [i for i, w in enumerate(words) if len(w) >= 3 and w.isalpha()]
    if not eligible:
        return None
    for _ in range(50):
        index, op = rng.choice(eligible), rng.choice(OPS)
        word = words[index]
        pos = rng.randrange(len(word))
        if op == "deletion":
            changed = word[:pos] + word[pos + 1 :]
        elif op == "transposition":
            pos = rng.randrange(len(word) - 1)
            changed = word[:pos] + word[pos + 1] + word[pos] + word[pos + 2 :]
        else:
            near = _near(rng, word[pos])
            if near is None:
                continue
            if op == "substitution":
                changed = word[:pos] + near + word[pos + 1 :]
            else:  # a neighbouring key pressed just before or after the intended one
                at = pos + rng.randint(0, 1)
                changed = word[:at] + near.lower() + word[at:]
        if changed.lower() == word.lower() or changed.lower() in vocabulary:
            continue
        return " ".join([*words[:index], changed, *words[index + 1 :]]), op
    return None


def cyrillic(title: str) -> bool:
    return any("CYRILLIC" in unicodedata.name(ch, "") for ch in title)


@dataclass
class Query:
    text: str
    film_id: uuid.UUID
    title: str
    russian: bool
    kind: str  # "exact" or the typo operation
    api_ms: float = 0.0
    sql_ms: float = 0.0
    baseline_ms: float | None = None  # None: the scan was not timed for this query (--baseline-every)
    statements: list[tuple[str, Any]] = field(default_factory=list)
    api_top3: list[tuple[uuid.UUID, str]] = field(default_factory=list)
    baseline_top3: list[tuple[uuid.UUID, str]] = field(default_factory=list)
    api_total: int = 0
    copies: int = 1  # films carrying exactly this title

    def found(self, top3: Sequence[tuple[uuid.UUID, str]], *, by_title: bool) -> bool:
        if by_title:
            return any(title.lower() == self.title.lower() for _, title in top3)
        return any(film_id == self.film_id for film_id, _ in top3)


def pct(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def recall(queries: Sequence[Query], *, baseline: bool = False, by_title: bool = True) -> float:
    if baseline:
        queries = [q for q in queries if q.baseline_ms is not None]
    hits = [q.found(q.baseline_top3 if baseline else q.api_top3, by_title=by_title) for q in queries]
    return sum(hits) / len(hits) if hits else float("nan")


# ---- the run -----------------------------------------------------------------------------


def seed_catalog(count: int) -> tuple[float, dict[str, float]]:
    """(seconds, seconds per step of the load)."""
    from cinema.catalog import seed_commands  # noqa: PLC0415
    from cinema.core import cache  # noqa: PLC0415

    started = time.perf_counter()
    progress = seed_commands.ProgressLine(sys.stdout)  # a line per tenth of each step, rate and time left
    asyncio.run(seed_commands.run_synthetic(count, progress=progress))
    cache.reset()  # run_synthetic leaves its Redis client bound to the loop that just closed
    return time.perf_counter() - started, progress.steps


async def make_queries(count: int, seed: int) -> tuple[list[Query], list[Query], Counter[str], int]:
    """(typo'd queries, exact-title queries, films per lower-cased title, films in the catalog)."""
    from cinema.catalog import synthetic_films  # noqa: PLC0415
    from cinema.core import db  # noqa: PLC0415

    async with db.engine().connect() as conn:
        rows = (await conn.execute(text("SELECT id, title FROM films WHERE status = 'published'"))).all()
    per_title = Counter(title.lower() for _, title in rows)
    lists = (
        synthetic_films.RU_ADJ,
        synthetic_films.RU_NOUN,
        synthetic_films.RU_TAIL,
        synthetic_films.EN_ADJ,
        synthetic_films.EN_NOUN,
    )
    places = (synthetic_films.places(True), synthetic_films.places(False))
    vocabulary = {
        w.lower() for words in (*lists, *places, synthetic_films.EN_TAIL, ("the", "of", "in")) for w in words
    }
    rng = random.Random(seed)
    used: set[str] = set()
    picked: dict[bool, list[tuple[Query, Query]]] = {True: [], False: []}
    for russian in (True, False):
        pool = sorted((r for r in rows if cyrillic(r[1]) == russian), key=lambda r: str(r[0]))
        rng.shuffle(pool)
        for film_id, title in pool:
            if len(picked[russian]) == (count + 1) // 2:
                break
            made = typo(rng, title, vocabulary)
            if made is None or made[0].lower() in per_title or {title.lower(), made[0].lower()} & used:
                continue
            used |= {title.lower(), made[0].lower()}
            pair = (
                Query(made[0], film_id, title, russian, made[1]),
                Query(title, film_id, title, russian, "exact"),
            )
            picked[russian].append(pair)
    pairs = [pair for both in zip(picked[True], picked[False], strict=True) for pair in both][:count]
    return [t for t, _ in pairs], [e for _, e in pairs], per_title, len(rows)


async def measure(
    queries: list[Query], http: httpx.AsyncClient, flip: int, check: int, baseline_every: int
) -> int:
    """Times each query three ways (rotating which goes first; the scan only for every
    `baseline_every`-th query); returns how many of the first `check` queries had a limit=3
    page that differed from the first 3 of the limit=20 one."""
    from sqlalchemy import event  # noqa: PLC0415

    from cinema.core import db  # noqa: PLC0415

    engine = db.engine()
    differing = 0
    capture: list[tuple[str, Any]] | None = None

    def record(*args: Any) -> None:  # (conn, cursor, statement, parameters, context, executemany)
        statement, parameters = args[2], args[3]
        if capture is not None:
            capture.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)

    async def api() -> None:
        nonlocal capture
        capture = q.statements
        started = time.perf_counter()
        response = await http.get("/api/v1/films", params={"q": q.text, "limit": 20})
        q.api_ms = (time.perf_counter() - started) * 1000
        capture = None
        response.raise_for_status()
        page = response.json()
        q.api_total = page["total"]
        q.api_top3 = [(uuid.UUID(item["id"]), item["title"]) for item in page["items"][:3]]

    async def search_sql() -> None:
        async with engine.connect() as pooled:  # right after api(), whose statements it replays
            conn = await pooled.execution_options(isolation_level="AUTOCOMMIT")
            started = time.perf_counter()
            for statement, parameters in q.statements:
                (await conn.exec_driver_sql(statement, parameters)).all()
            q.sql_ms = (time.perf_counter() - started) * 1000

    async def baseline() -> None:
        if i % baseline_every:
            return
        async with engine.connect() as conn:  # its transaction ends (rolled back) with the block
            # A scan, as its name says: left to itself the planner walks the popularity index
            # and fetches every row at random (3x slower than this at 1M films).
            await conn.execute(text("SET LOCAL enable_indexscan = off"))
            await conn.execute(text("SET LOCAL enable_bitmapscan = off"))
            started = time.perf_counter()
            rows = (await conn.execute(BASELINE_SQL, {"q": q.text})).all()
            q.baseline_ms = (time.perf_counter() - started) * 1000
        q.baseline_top3 = [(r[0], r[1]) for r in rows[:3]]

    try:
        for i, q in enumerate(queries):
            for step in [api, search_sql, baseline] if (i + flip) % 2 == 0 else [baseline, api, search_sql]:
                await step()
            if i < check:  # relevance order is total (score, then id): limit=3 is a prefix of limit=20
                response = await http.get("/api/v1/films", params={"q": q.text, "limit": 3})
                response.raise_for_status()
                top3 = [(uuid.UUID(item["id"]), item["title"]) for item in response.json()["items"]]
                differing += top3 != q.api_top3
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    return differing


async def run_queries(
    typos: list[Query], exact: list[Query], warmup: list[Query], check: int, baseline_every: int
) -> dict[str, int]:
    from cinema.core import cache, db  # noqa: PLC0415
    from cinema.local.app import create_app  # noqa: PLC0415 - after the settings point at the stack

    app = create_app()
    redis = cache.client()
    assert redis is not None
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            await measure(warmup, http, 0, 0, 5)  # connections, plans, buffers: not counted
            await redis.flushdb()
            before = await redis.info("stats")
            differing = await measure(typos, http, 0, check, baseline_every)
            differing += await measure(exact, http, 1, check, baseline_every)
            after = await redis.info("stats")
        counts = {k: int(after[k]) - int(before[k]) for k in ("keyspace_hits", "keyspace_misses")}
        return {**counts, "limit3_checked": 2 * min(check, len(typos)), "limit3_differing": differing}
    finally:
        await redis.aclose()
        cache.reset()
        await db.dispose()


async def vacuum() -> None:
    from cinema.core import db  # noqa: PLC0415

    try:
        async with db.engine().connect() as conn:
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(
                text("VACUUM (ANALYZE) films, film_genres, film_people, people")
            )
    finally:
        await db.dispose()


def _row(queries: Sequence[Query], getter: Callable[[Query], float | None]) -> str:
    values = [v for v in map(getter, queries) if v is not None]
    return f"median {statistics.median(values):8.2f} ms  p95 {pct(values, 0.95):8.2f} ms  ({len(values)})"


def _median(values: Sequence[float | None]) -> float:
    timed = [v for v in values if v is not None]
    return statistics.median(timed) if timed else float("nan")


def _speedup(group: Sequence[Query], side: Callable[[Query], float]) -> tuple[float, float]:
    """(median, p95) of the baseline over the same of `side`."""
    base = [q.baseline_ms for q in group if q.baseline_ms is not None]
    mine = [side(q) for q in group]
    return statistics.median(base) / statistics.median(mine), pct(base, 0.95) / pct(mine, 0.95)


def report(typos: list[Query], exact: list[Query], films: int, redis_stats: dict[str, int]) -> None:
    both = typos + exact

    def api(q: Query) -> float:
        return q.api_ms

    def base(q: Query) -> float | None:
        return q.baseline_ms

    scans = [q.baseline_ms for q in both if q.baseline_ms is not None]

    def sql(q: Query) -> float:
        return q.sql_ms

    say("")
    say(f"latency, {len(typos)} typo'd + {len(exact)} exact-title queries, each string asked once")
    cache = {k: v for k, v in redis_stats.items() if k.startswith("keyspace")}
    say(f"  Redis during the measured queries: {cache} (0 hits: every API call was a cache miss)")
    for label, group in (("typo'd", typos), ("exact", exact), ("all", both)):
        say(f"  {label:<7} search SQL            : {_row(group, sql)}")
        say(f"  {label:<7} API q=...&limit=20   : {_row(group, api)}")
        say(f"  {label:<7} ILIKE '%q%' LIMIT 20  : {_row(group, base)}")
        for name, side in (("search SQL", sql), ("API", api)):
            med, p95 = _speedup(group, side)
            say(f"  {label:<7} speed-up ILIKE / {name:<10}: median {med:6.1f}x  p95 {p95:6.1f}x")
    statements = Counter(len(q.statements) for q in both)
    say(f"  statements per search (the API's, replayed as search SQL): {dict(sorted(statements.items()))}")
    totals = [q.api_total for q in typos]
    say(
        f"  matches per typo'd query (the API's `total`): median {statistics.median(totals):.0f}, "
        f"p95 {pct(totals, 0.95):.0f}, max {max(totals)}"
    )
    say("  by title length (all queries):")
    for words in sorted({len(q.title.split()) for q in both}):
        group = [q for q in both if len(q.title.split()) == words]
        say(
            f"    {words} words ({len(group):>3}): API {_row(group, api)};  ILIKE median "
            f"{_median([q.baseline_ms for q in group]):6.1f} ms;  matches median "
            f"{statistics.median(q.api_total for q in group):.0f}"
        )

    say("")
    say(
        "recall@3: the first 3 items of the timed limit=20 page, relevance order; "
        f"{redis_stats['limit3_checked']} of them checked against limit=3 pages: "
        f"{redis_stats['limit3_differing']} differed"
    )
    say("                               intended film   or same title   ILIKE (same title)")
    for label, group in (("typo'd", typos), ("exact title", exact)):
        say(
            f"  {label:<12} ({len(group):>3} queries) :     {recall(group, by_title=False):6.3f}"
            f"          {recall(group):6.3f}          {recall(group, baseline=True):6.3f}"
        )
    ceiling = statistics.mean(min(1.0, 3 / q.copies) for q in typos)
    say(
        f"  (a title carried by k films leaves the intended one a 3/k chance at best: "
        f"the by-film ceiling of this sample is {ceiling:.3f})"
    )
    by_kind: dict[str, list[Query]] = defaultdict(list)
    for q in typos:
        by_kind[f"{'ru' if q.russian else 'en'} {q.kind}"].append(q)
        by_kind[f"{len(q.title.split())} words"].append(q)
    say("  typo'd, by kind (same title counted):")
    for kind in sorted(by_kind):
        group = by_kind[kind]
        say(f"    {kind:<18} {recall(group):6.3f}  ({len(group)} queries)")
    misses = [q for q in typos if not q.found(q.api_top3, by_title=True)]
    say(f"  typo'd queries whose intended title was not in the first 3: {len(misses)}")
    for q in misses[:12]:
        got = "; ".join(t for _, t in q.api_top3) or "(nothing)"
        say(f"    {q.kind:<13} {q.text!r} (meant {q.title!r}) -> {got}")

    med, p95 = _speedup(both, sql)
    api_med, api_p95 = _speedup(both, api)
    verdict_speed = "PASS" if min(med, p95) >= TARGET_SPEEDUP else "FAIL"
    verdict_recall = "PASS" if recall(typos, by_title=False) >= TARGET_RECALL else "FAIL"
    say("")
    say(
        f"search: {films} films; search SQL median {statistics.median(map(sql, both)):.2f} ms "
        f"p95 {pct([sql(q) for q in both], 0.95):.2f} ms; ILIKE median {statistics.median(scans):.1f} ms "
        f"p95 {pct(scans, 0.95):.1f} ms ({len(scans)} timed); speed-up median {med:.1f}x p95 {p95:.1f}x "
        f"(target >= {TARGET_SPEEDUP:g}x: {verdict_speed}); end to end through the API median "
        f"{statistics.median(map(api, both)):.1f} ms p95 {pct([api(q) for q in both], 0.95):.1f} ms, "
        f"{api_med:.1f}x / {api_p95:.1f}x; recall@3 typo {recall(typos, by_title=False):.3f} "
        f"(same title counted {recall(typos):.3f}; target >= {TARGET_RECALL}: {verdict_recall}), "
        f"exact {recall(exact, by_title=False):.3f} (same title {recall(exact):.3f}); "
        f"ILIKE recall@3 typo {recall(typos, baseline=True):.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--films", type=int, default=100_000, help="synthetic films to seed")
    parser.add_argument("--queries", type=int, default=200, help="typo'd queries (as many exact ones)")
    parser.add_argument("--check", type=int, default=25, help="queries also asked with limit=3")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured queries first")
    parser.add_argument("--seed", type=int, default=11, help="the query sample and typos")
    parser.add_argument(
        "--baseline-every",
        type=int,
        default=0,
        help="time the ILIKE scan for every n-th query only (default: 1 up to 250k films, then 1 per 250k):"
        " a scan costs the same whatever the query, and takes seconds at a million films",
    )
    args = parser.parse_args()

    with stack():
        say(f"seeding {args.films} synthetic films (cinema.catalog.seed_commands.run_synthetic)")
        seconds, steps = seed_catalog(args.films)
        say(
            f"seeded {args.films} films in {seconds:.1f}s ({args.films / seconds:,.0f} films/s): "
            + ", ".join(f"{step} {took:.1f}s" for step, took in steps.items())
        )
        if seconds > SEEDING_BUDGET_S:
            say(f"  !! seeding took longer than {SEEDING_BUDGET_S:.0f}s")
        asyncio.run(vacuum())  # autovacuum would otherwise wake up in the middle of the timings
        say("VACUUM (ANALYZE) done")

        typos, exact, per_title, films = asyncio.run(make_queries(args.queries + args.warmup, args.seed))
        warmup = typos[: args.warmup]  # never measured, and their strings are not reused
        typos, exact = typos[args.warmup :], exact[args.warmup :]
        for q in typos + exact:
            q.copies = per_title[q.title.lower()]
        shared = Counter(min(q.copies, 4) for q in typos)
        say(
            f"{len(typos)} queries ({sum(q.russian for q in typos)} Russian), one typo each: "
            + ", ".join(f"{n} {op}" for op, n in sorted(Counter(q.kind for q in typos).items()))
        )
        say(
            "  films carrying the intended title: "
            + ", ".join(f"{'4+' if k == 4 else k}: {n}" for k, n in sorted(shared.items()))
            + f" queries  (the catalog has {len(per_title)} distinct titles for {films} films)"
        )
        for q in typos[:6]:
            say(f"  e.g. {q.kind:<13} {q.title!r} -> {q.text!r}")

        started = time.perf_counter()
        every = args.baseline_every or max(1, args.films // 250_000)
        redis_stats = asyncio.run(run_queries(typos, exact, warmup, args.check, every))
        say(f"queries done in {time.perf_counter() - started:.1f}s")
        report(typos, exact, films, redis_stats)


if __name__ == "__main__":
    main()
