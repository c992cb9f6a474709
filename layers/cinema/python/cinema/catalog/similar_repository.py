"""Every query of the similar films: what the job reads (films, their genres and people,
co-viewing), its rewrite of film_similar, and the read of GET /films/{id}/similar."""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer, selectinload

from cinema.catalog.models import Film, FilmPerson, FilmStatus, PersonRole, film_genres
from cinema.catalog.similar import CoViews, FilmFacts
from cinema.catalog.similar_models import film_similar

# The transaction-level advisory lock the job holds (popularity's constant + 1).
SIMILAR_LOCK = 0x63696E656D62

# Co-viewing looks at each viewer's most recent films only: a viewer with a thousand films
# would otherwise make half a million pairs, and says least about each of them.
RECENT_PER_VIEWER = 100


async def try_lock(db: AsyncSession) -> bool:
    """True when this transaction now holds the job's lock (released at its end)."""
    return bool((await db.execute(select(func.pg_try_advisory_xact_lock(SIMILAR_LOCK)))).scalar_one())


async def published_facts(db: AsyncSession) -> list[FilmFacts]:
    """Every published film with its genres and people (three reads, whatever the count)."""
    published = Film.status == FilmStatus.published
    films = (
        await db.execute(
            select(Film.id, Film.title, Film.original_title, Film.year, Film.countries, Film.popularity)
            .where(published)
            .order_by(Film.id)
        )
    ).all()
    genres: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    rows = await db.execute(
        select(film_genres.c.film_id, film_genres.c.genre_id)
        .join(Film, Film.id == film_genres.c.film_id)
        .where(published)
    )
    for film_id, genre_id in rows.all():
        genres[film_id].add(genre_id)
    people: dict[tuple[uuid.UUID, PersonRole], set[uuid.UUID]] = defaultdict(set)
    rows = await db.execute(
        select(FilmPerson.film_id, FilmPerson.role, FilmPerson.person_id)
        .join(Film, Film.id == FilmPerson.film_id)
        .where(published)
    )
    for film_id, role, person_id in rows.all():
        people[(film_id, PersonRole(role))].add(person_id)
    return [
        FilmFacts(
            id=row.id,
            title=row.title,
            original_title=row.original_title,
            year=row.year,
            countries=tuple(row.countries),
            genres=frozenset(genres.get(row.id, ())),
            directors=frozenset(people.get((row.id, PersonRole.director), ())),
            writers=frozenset(people.get((row.id, PersonRole.writer), ())),
            actors=frozenset(people.get((row.id, PersonRole.actor), ())),
            popularity=row.popularity,
        )
        for row in films
    ]


# Who a viewer is: a profile ("profiles that watched this also watched"), watch_progress's
# owner since migration 0015 (before it, the account: watch_progress.user_id). The one statement
# that knows it.
_COVIEWS = text(
    """
    WITH seen AS (
        SELECT w.profile_id AS viewer, w.film_id
        FROM (SELECT profile_id, film_id,
                     row_number() OVER (PARTITION BY profile_id ORDER BY updated_at DESC) AS recent
              FROM watch_progress) w
        JOIN films f ON f.id = w.film_id AND f.status = 'published'
        WHERE w.recent <= :recent
    )
    SELECT a.film_id AS a, b.film_id AS b, count(*) AS together
    FROM seen a JOIN seen b ON a.viewer = b.viewer AND a.film_id < b.film_id
    GROUP BY a.film_id, b.film_id
    UNION ALL
    SELECT film_id, NULL, count(*) FROM seen GROUP BY film_id
    """
)


async def coviews(db: AsyncSession) -> CoViews:
    """Who watched what, as pairs: viewers per published film, and viewers per pair of them."""
    viewers: dict[uuid.UUID, int] = {}
    pairs: dict[tuple[uuid.UUID, uuid.UUID], int] = {}
    for a, b, together in (await db.execute(_COVIEWS, {"recent": RECENT_PER_VIEWER})).all():
        if b is None:
            viewers[a] = together
        else:
            pairs[(a, b)] = together  # a < b: the order the scores look pairs up in
    return CoViews(viewers, pairs)


def digest(similar_ids: Sequence[uuid.UUID]) -> str:
    """What a film's list is, in 32 characters: the md5 of its ids in order, as `current_digests`
    computes it in the database (the lists themselves would be 30 rows a film to fetch)."""
    return hashlib.md5(b"".join(u.bytes for u in similar_ids), usedforsecurity=False).hexdigest()


async def current_digests(db: AsyncSession) -> dict[uuid.UUID, str]:
    """Each film's stored list as `digest` makes it (uuid_send: a UUID's 16 bytes, as UUID.bytes)."""
    rows = await db.execute(
        text(
            "SELECT film_id, md5(string_agg(uuid_send(similar_id), ''::bytea ORDER BY rank))"
            " FROM film_similar GROUP BY film_id"
        )
    )
    return {row[0]: row[1] for row in rows.all()}


async def replace_lists(
    db: AsyncSession,
    ranked: Mapping[uuid.UUID, Sequence[tuple[uuid.UUID, float]]],
    gone: Sequence[uuid.UUID],
) -> None:
    """The lists of the films in `ranked` become those; the films in `gone` lose theirs."""
    films = [*ranked, *gone]
    for start in range(0, len(films), 5000):
        await db.execute(delete(film_similar).where(film_similar.c.film_id.in_(films[start : start + 5000])))
    rows = [
        (film_id, at, similar_id, score)
        for film_id, similar in ranked.items()
        for at, (similar_id, score) in enumerate(similar, start=1)
    ]
    for start in range(0, len(rows), 20000):  # four arrays a statement, not a statement a row
        film_ids, ranks, similar_ids, scores = zip(*rows[start : start + 20000], strict=True)
        await db.execute(
            _INSERT_LISTS,
            {
                "films": list(film_ids),
                "ranks": list(ranks),
                "similar": list(similar_ids),
                "scores": list(scores),
            },
        )


_INSERT_LISTS = text(
    """
    INSERT INTO film_similar (film_id, rank, similar_id, score)
    SELECT * FROM unnest(CAST(:films AS uuid[]), CAST(:ranks AS smallint[]),
                         CAST(:similar AS uuid[]), CAST(:scores AS float8[]))
    """
)


async def published_age_rating(db: AsyncSession, film_id: uuid.UUID) -> str | None:
    """The film's age rating when it is published, else None (no such film, or a draft)."""
    query = select(Film.age_rating).where(Film.id == film_id, Film.status == FilmStatus.published)
    return (await db.execute(query)).scalar_one_or_none()


async def similar_films(
    db: AsyncSession, film_id: uuid.UUID, ratings: Sequence[str], limit: int
) -> list[Film]:
    """The film's most similar films, best first: published ones whose age rating is among
    `ratings`, with what a list item shows (its genres)."""
    query = (
        select(Film)
        .join(film_similar, film_similar.c.similar_id == Film.id)
        .where(
            film_similar.c.film_id == film_id,
            Film.status == FilmStatus.published,
            Film.age_rating.in_(ratings),
        )
        .order_by(film_similar.c.rank)
        .limit(limit)
        .options(selectinload(Film.genres), defer(Film.description, raiseload=True))
    )
    return list((await db.execute(query)).scalars())
