"""Catalog cache hit rates under a mixed read load while viewers rate a few films (issue 12, point 1).

The same seeded sequence of anonymous requests is played twice against the app (in this
process, over httpx's ASGI transport, on the real embedded PostgreSQL and Redis): film pages
of films drawn by popularity (Zipf, s = 1), first pages of listings (the home rows and browse
filters: by popularity, newest, year, title, by rating, with a minimum rating; drawn Zipf too),
and, every `--rating-every` reads, a viewer's rating (PUT /films/{id}/rating) of one of the
`--rated` most popular films. A hit is an answer that did not read PostgreSQL: the film page's
and the listings' builders (`cinema.catalog.repository.get_film`, `list_films`) are counted, and
hit rate = 1 - builds / requests (both cache levels count as hits). For film pages the level-1
hit rate is shown too: the share answered by the route from this process's memory, without
Redis (the calls that got past it, into `cinema.catalog.pages.film_page`, are counted).

- baseline: a rating retires every cached listing and empties level 1 (`caching.invalidate`,
  what every rating did before issue 12, point 1), emulated here by the bench alone: the
  rating's invalidation is pointed at `caching.invalidate`;
- this tree: what the code does (a rating retires its film's page and the listings sorted or
  filtered by rating only).

On a tree without `caching.invalidate_rating` (before the change) only one round runs: the
code's own, which is the baseline. Redis is emptied and level 1 cleared before each round;
cache TTLs are the defaults (300 s in Redis, 2 s in level 1), so level-1 expiry is part of it.

    python bench/film_cache_hits.py [--films 2000] [--requests 20000] [--rated 5] [--rating-every 50]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from _stack import close_connections, say, stack  # bench/ is on sys.path: these run as scripts

API = "/api/v1"
FILM_PAGE_SHARE = 0.6  # of the reads; the rest are listings
VIEWERS = 200


def _zipf(count: int, rng: random.Random) -> Callable[[], int]:
    """An index in [0, count) drawn with weight 1 / (rank + 1)."""
    weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(count)))
    return lambda: rng.choices(range(count), cum_weights=weights)[0]


def _listings() -> list[tuple[str, dict[str, Any], bool]]:
    """(name, query, depends on ratings) of the listings asked, the most asked first."""
    genres = ("drama", "comedy", "thriller", "sci-fi", "fantasy", "action")
    found: list[tuple[str, dict[str, Any], bool]] = [
        ("popular row", {}, False),
        ("browse", {"limit": 24}, False),
        ("newest", {"sort": "-new", "limit": 24}, False),
        ("by rating", {"sort": "-rating", "limit": 24}, True),
    ]
    for genre in genres:
        found += [
            (f"{genre} by rating", {"genre": genre, "sort": "-rating", "limit": 24}, True),
            (f"{genre}", {"genre": genre, "limit": 24}, False),
            (f"{genre} newest", {"genre": genre, "sort": "-new", "limit": 24}, False),
            (f"{genre} by year", {"genre": genre, "sort": "-year", "limit": 24}, False),
            (f"{genre} 7+", {"genre": genre, "rating_min": 7, "limit": 24}, True),
            (f"{genre} by title", {"genre": genre, "sort": "title", "limit": 24}, False),
        ]
    return found


async def _setup(films: int) -> tuple[list[uuid.UUID], list[str]]:
    """Seeds `films` synthetic films and the viewers; (published film ids, most watched first;
    the viewers' bearer tokens)."""
    from sqlalchemy import text  # noqa: PLC0415

    from cinema.catalog import seed_commands  # noqa: PLC0415
    from cinema.core import db  # noqa: PLC0415
    from cinema.core.security import create_access_token, hash_password  # noqa: PLC0415

    await seed_commands.run_synthetic(films)
    password_hash = hash_password("bench-password-1")  # one real argon2 hash for every viewer
    viewers = [uuid.uuid4() for _ in range(VIEWERS)]
    try:
        async with db.engine().begin() as conn:
            await conn.execute(
                text("INSERT INTO users (id, email, password_hash) VALUES (:id, :email, :hash)"),
                [
                    {"id": uid, "email": f"rater-{n:04d}@bench.kino.io", "hash": password_hash}
                    for n, uid in enumerate(viewers)
                ],
            )
            rows = await conn.execute(
                text("SELECT id FROM films WHERE status = 'published' ORDER BY popularity DESC, id")
            )
            film_ids = [row[0] for row in rows]
    finally:
        await close_connections()
    return film_ids, [create_access_token(uid, "user")[0] for uid in viewers]


class Builds:
    """Counts the calls of the catalog's page builders (each one a cache miss that read PostgreSQL)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def wrap(self, name: str, function: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return await function(*args, **kwargs)

        return counted


async def _round(
    http: Any, films: list[uuid.UUID], tokens: list[str], builds: Builds, args: argparse.Namespace
) -> dict[str, float]:
    from cinema.catalog import caching  # noqa: PLC0415
    from cinema.core import cache  # noqa: PLC0415

    redis = cache.client()
    assert redis is not None
    await redis.flushdb()
    caching.clear_local()
    rng = random.Random(args.seed)  # the same sequence in every round
    film_of, listing_of = _zipf(len(films), rng), _zipf(len(LISTINGS), rng)
    asked: Counter[str] = Counter()
    builds.calls.clear()
    listing_builds = {False: 0, True: 0}
    started = time.perf_counter()
    for n in range(1, args.requests + 1):
        if rng.random() < FILM_PAGE_SHARE:
            response = await http.get(f"{API}/films/{films[film_of()]}")
            asked["film page"] += 1
        else:
            _, params, by_rating = LISTINGS[listing_of()]
            path = f"{API}/films/popular" if not params else f"{API}/films"
            before = builds.calls["list_films"]
            response = await http.get(path, params=params)
            listing_builds[by_rating] += builds.calls["list_films"] - before
            asked["listing by rating" if by_rating else "other listing"] += 1
        if response.status_code != 200:
            raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text[:300]}")
        if n % args.rating_every == 0:
            film = films[rng.randrange(args.rated)]
            auth = {"Authorization": f"Bearer {rng.choice(tokens)}"}
            rated = await http.put(
                f"{API}/films/{film}/rating", json={"score": rng.randint(1, 10)}, headers=auth
            )
            if rated.status_code != 200:
                raise RuntimeError(f"rating: {rated.status_code} {rated.text[:300]}")
            asked["rating"] += 1
    took = time.perf_counter() - started
    return {
        "film page": 1 - builds.calls["get_film"] / asked["film page"],
        "film page, level 1": 1 - builds.calls["film_page"] / asked["film page"],
        "listing by rating": 1 - listing_builds[True] / max(asked["listing by rating"], 1),
        "other listing": 1 - listing_builds[False] / max(asked["other listing"], 1),
        "ratings": asked["rating"],
        "film pages": asked["film page"],
        "listings": asked["listing by rating"] + asked["other listing"],
        "seconds": took,
    }


LISTINGS = _listings()


async def _measure(films: list[uuid.UUID], tokens: list[str], args: argparse.Namespace) -> None:
    import httpx  # noqa: PLC0415

    from cinema.catalog import caching, pages  # noqa: PLC0415
    from cinema.catalog import repository as repo  # noqa: PLC0415
    from cinema.local.app import create_app  # noqa: PLC0415 - after the settings point at the stack

    builds = Builds()
    repo.get_film = builds.wrap("get_film", repo.get_film)  # type: ignore[method-assign]
    repo.list_films = builds.wrap("list_films", repo.list_films)  # type: ignore[method-assign]
    pages.film_page = builds.wrap("film_page", pages.film_page)  # type: ignore[method-assign]
    scoped = getattr(caching, "invalidate_rating", None)
    modes: list[tuple[str, Callable[..., Awaitable[None]] | None]] = []
    if scoped is not None:
        modes.append(("whole catalog (baseline, emulated)", caching.invalidate))
        modes.append(("this tree: film + rating listings", scoped))
    else:
        modes.append(("this tree: whole catalog", None))
    transport = httpx.ASGITransport(app=create_app(), client=("127.0.0.1", 50000))
    results: dict[str, dict[str, float]] = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        for label, invalidation in modes:
            if invalidation is not None:
                caching.invalidate_rating = invalidation  # type: ignore[attr-defined]
            results[label] = await _round(http, films, tokens, builds, args)
            say(f"  round done: {label} in {results[label]['seconds']:.1f}s")
    first = next(iter(results.values()))
    say("")
    say(
        f"cache hit rates, {args.requests} reads ({first['film pages']:.0f} film pages of {len(films)} films, "
        f"{first['listings']:.0f} first pages of {len(LISTINGS)} listings), {first['ratings']:.0f} ratings "
        f"of the {args.rated} most watched films (one every {args.rating_every} reads)"
    )
    say(
        f"  {'a rating invalidates':<38} {'film page':>10} {'(level 1)':>10} {'listings by rating':>19} "
        f"{'other listings':>15}"
    )
    for label, figures in results.items():
        say(
            f"  {label:<38} {figures['film page']:>10.1%} {figures['film page, level 1']:>10.1%} "
            f"{figures['listing by rating']:>19.1%} {figures['other listing']:>15.1%}"
        )
    if len(results) == 2:
        base, now = results.values()
        say(
            f"  film pages from memory (level 1): {now['film page, level 1']:.1%} against "
            f"{base['film page, level 1']:.1%}; from either level: {now['film page']:.1%} against "
            f"{base['film page']:.1%} (film pages never carried the catalog version: a rating deleted "
            f"only its film's page in Redis, and emptied level 1)"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--films", type=int, default=2000, help="synthetic films in the catalog")
    parser.add_argument("--requests", type=int, default=20000, help="reads per round")
    parser.add_argument("--rated", type=int, default=5, help="how many of the most watched films get rated")
    parser.add_argument("--rating-every", type=int, default=50, help="one rating every N reads")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    with stack():
        started = time.perf_counter()
        films, tokens = asyncio.run(_setup(args.films))
        say(
            f"seeded {len(films)} synthetic films and {VIEWERS} viewers in {time.perf_counter() - started:.1f}s"
        )
        asyncio.run(_measure(films, tokens, args))


if __name__ == "__main__":
    main()
