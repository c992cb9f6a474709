"""What other domains may do with a film: the catalog owns the `films` table, and this is its
whole surface for the rest of the package (tests/core/test_film_ownership.py holds it).

- reads: a film's status and age rating (`film_state`: None for no such film; checked for a
  caller by `check_reachable`: 404 or 403, as the film's page answers); its row as a
  viewer may see it, for its status, access and price (`visible_film`: FilmNotFound
  otherwise); its state with the rating aggregate (`film_rating`);
- writes: the rating aggregate (`lock_for_rating`, then `set_rating_aggregate`) and the frame
  poster (`set_frame_poster`); nothing else of a film is written outside the catalog;
- `film_changed`: after any of those writes, retires the film's cached answers once committed;
- names: `Film` (to join films in a read or declare a relationship; never to write it),
  `FilmState`, `FilmStatus`, `Access`, and `rating` (an average as the API shows it).

Flushes, never commits. Kept light (models, errors and the cache module): every function loads it.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from functools import partial
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cinema.catalog import caching
from cinema.catalog.errors import FilmNotFound
from cinema.catalog.models import Access, Film, FilmStatus, rating
from cinema.core.db import after_commit
from cinema.profiles.age import NO_LIMIT, allows
from cinema.profiles.errors import AgeRestricted

__all__ = [
    "Access",
    "Film",
    "FilmState",
    "FilmStatus",
    "check_reachable",
    "film_changed",
    "film_rating",
    "film_state",
    "lock_for_rating",
    "rating",
    "set_frame_poster",
    "set_rating_aggregate",
    "visible_film",
]


class FilmState(NamedTuple):
    """What a read or write about a film checks before anything else: whether its caller may
    reach it (published, or staff) and whether the caller's profile may see it (age rating)."""

    status: FilmStatus
    age_rating: str


async def film_state(db: AsyncSession, film_id: uuid.UUID) -> FilmState | None:
    """The film's status and age rating, None when there is no such film."""
    row = (await db.execute(select(Film.status, Film.age_rating).where(Film.id == film_id))).first()
    return None if row is None else FilmState(row[0], row[1])


def check_reachable(
    state: FilmState | None, *, staff: bool = False, max_age_rating: str = NO_LIMIT
) -> FilmState:
    """`state` when its caller may reach the film: FilmNotFound (404) for no film, or one not
    published to anyone but staff; AgeRestricted (403) for a film above the caller's profile's
    age limit, as its page is."""
    if state is None or (state.status is not FilmStatus.published and not staff):
        raise FilmNotFound()
    if not allows(max_age_rating, state.age_rating):
        raise AgeRestricted()
    return state


async def visible_film(db: AsyncSession, film_id: uuid.UUID, *, staff: bool) -> Film:
    """The film row as its viewer may see it (staff: drafts too); FilmNotFound (404) otherwise.
    Its own columns only (status, access, price, ...): its genres and credits are not loaded."""
    query = select(Film).where(Film.id == film_id)
    if not staff:
        query = query.where(Film.status == FilmStatus.published)
    film = (await db.execute(query)).scalar_one_or_none()
    if film is None:
        raise FilmNotFound()
    return film


async def film_rating(db: AsyncSession, film_id: uuid.UUID) -> tuple[FilmState, Decimal, int] | None:
    """(state, rating_avg, rating_count) of the film, None when there is no such film."""
    query = select(Film.status, Film.age_rating, Film.rating_avg, Film.rating_count).where(Film.id == film_id)
    row = (await db.execute(query)).first()
    return None if row is None else (FilmState(row[0], row[1]), row[2], row[3])


async def lock_for_rating(db: AsyncSession, film_id: uuid.UUID) -> FilmState | None:
    """Takes the film row's lock (FOR NO KEY UPDATE: heartbeats and other rows that only
    reference the film are not blocked), so rating writers of one film run one at a time.
    The film's state, None when there is no such film."""
    query = select(Film.status, Film.age_rating).where(Film.id == film_id).with_for_update(key_share=True)
    row = (await db.execute(query)).first()
    return None if row is None else FilmState(row[0], row[1])


async def set_rating_aggregate(
    db: AsyncSession,
    film_id: uuid.UUID,
    *,
    avg: ColumnElement[Any] | Decimal,
    count: ColumnElement[Any] | int,
) -> tuple[Decimal, int]:
    """films.rating_avg/rating_count := `avg`/`count`, in one statement; returns what was stored.

    The caller (reviews) passes scalar subqueries over its ratings: evaluated by this very
    statement, they are exact when the caller took `lock_for_rating` before writing its rating.
    The film's updated_at is kept: a rating is not an edit of the film."""
    statement = (
        update(Film)
        .where(Film.id == film_id)
        .values(rating_avg=avg, rating_count=count, updated_at=Film.updated_at)
        .returning(Film.rating_avg, Film.rating_count)
        .execution_options(synchronize_session=False)
    )
    stored_avg, stored_count = (await db.execute(statement)).one()
    return stored_avg, stored_count


async def set_frame_poster(db: AsyncSession, film_id: uuid.UUID, key: str) -> bool:
    """The film's poster becomes the frame captured from its playing upload, unless staff set
    one of their own (a poster outside the film's hls/ prefix). True when it changed."""
    changed = await db.execute(
        update(Film)
        .where(
            Film.id == film_id,
            or_(Film.poster_key.is_(None), Film.poster_key.startswith(f"hls/{film_id}/", autoescape=True)),
            Film.poster_key.is_distinct_from(key),
        )
        .values(poster_key=key)
        .returning(Film.id)
    )
    return changed.first() is not None


def film_changed(db: AsyncSession, film_id: uuid.UUID, *, rating_only: bool = False) -> None:
    """Once `db` commits, the film's cached answers are retired: its page and every cached
    listing, or with `rating_only` its page and only the listings that depend on ratings
    (sorted or filtered by rating; see caching.py). After the commit, not before: a read in
    between could cache the old row again."""
    invalidate = caching.invalidate_rating if rating_only else caching.invalidate
    after_commit(db, partial(invalidate, film_id))
