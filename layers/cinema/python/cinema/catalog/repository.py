"""Every catalog query."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, and_, delete, exists, func, or_, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer, joinedload, selectinload

from cinema.catalog import search
from cinema.catalog.models import Film, FilmPerson, FilmStatus, Genre, Person, film_genres, film_views_daily
from cinema.catalog.sorts import SORTS
from cinema.core.pagination import page_of
from cinema.profiles.age import NO_LIMIT, ratings_up_to


# A NamedTuple: a dataclass compiles its methods when declared, a millisecond of each cold start.
class FilmFilters(NamedTuple):
    genres: Sequence[str] = ()
    year_from: int | None = None
    year_to: int | None = None
    rating_min: float | None = None
    country: str | None = None
    q: str | None = None
    published_only: bool = True
    status: FilmStatus | None = None  # staff lists: only drafts, or only published films
    max_age_rating: str = NO_LIMIT  # the profile's age limit: films above it are left out


def _with_details(query: Select[Any]) -> Select[Any]:
    return query.options(selectinload(Film.genres), selectinload(Film.credits).joinedload(FilmPerson.person))


def _with_genres(query: Select[Any]) -> Select[Any]:
    """What a film summary shows (lists): its genres; not its credits or description."""
    return query.options(joinedload(Film.genres), defer(Film.description, raiseload=True))


async def get_film(db: AsyncSession, film_id: uuid.UUID, *, published_only: bool) -> Film | None:
    query = _with_details(select(Film).where(Film.id == film_id))
    if published_only:
        query = query.where(Film.status == FilmStatus.published)
    return (await db.execute(query)).scalar_one_or_none()


async def get_film_for_update(db: AsyncSession, film_id: uuid.UUID) -> Film | None:
    query = _with_details(select(Film).where(Film.id == film_id)).with_for_update(of=Film)
    return (await db.execute(query)).scalar_one_or_none()


def _conditions(filters: FilmFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.published_only:
        conditions.append(Film.status == FilmStatus.published)
    if filters.status is not None:
        conditions.append(Film.status == filters.status)
    if filters.genres:
        conditions.append(
            exists()
            .where(
                film_genres.c.film_id == Film.id,
                film_genres.c.genre_id == Genre.id,
                Genre.slug.in_(filters.genres),
            )
            .correlate(Film)
        )
    if filters.year_from is not None:
        conditions.append(Film.year >= filters.year_from)
    if filters.year_to is not None:
        conditions.append(Film.year <= filters.year_to)
    if filters.rating_min is not None:
        # As a numeric, the column's type: a float parameter would cast the column instead
        # (rating_avg::float8 >= ...), which no index serves.
        conditions.append(Film.rating_avg >= Decimal(str(filters.rating_min)))
    if filters.country:
        conditions.append(Film.countries.contains([filters.country]))
    if filters.max_age_rating != NO_LIMIT:
        conditions.append(Film.age_rating.in_(ratings_up_to(filters.max_age_rating)))
    return conditions


# A NamedTuple: a dataclass compiles its methods when declared, a millisecond of each cold start.
class Page(NamedTuple):
    films: list[Film]
    total: int
    last_key: tuple[Any, ...] | None  # the sort key of the last film, when there is a next page


async def _count(db: AsyncSession, conditions: list[ColumnElement[bool]]) -> int:
    return (await db.execute(select(func.count()).select_from(Film).where(*conditions))).scalar_one()


async def list_films(
    db: AsyncSession,
    filters: FilmFilters,
    *,
    sort: str | None,
    descending: bool,
    after: tuple[Any, ...] | None,
    limit: int,
    total: int | None = None,
) -> Page:
    """A page of films; `total`, when the caller knows it (from an earlier page of the same
    list), spares counting the matches again. Not for a search: which step answers it is
    decided by counting."""
    conditions = _conditions(filters)
    if not filters.q:
        key = SORTS[sort or "popular"].column
        return await _page(db, conditions, key, descending=descending, after=after, limit=limit, total=total)
    trigram = await search.trigram_available(db)
    for step in search.STEPS:  # the first step that finds anything answers
        terms = search.terms(filters.q, step, trigram=trigram)
        # Relevance (no explicit sort): best score first, then id; the score travels in the cursor.
        key = terms.score if sort is None else SORTS[sort].column
        page = await _page(
            db,
            [*conditions, terms.match],
            key,
            descending=descending,
            after=after,
            limit=limit,
            relevance=sort is None,
            count_in_page=True,
        )
        if page.total:
            break
    return page


async def _page(
    db: AsyncSession,
    conditions: list[ColumnElement[bool]],
    key: ColumnElement[Any],
    *,
    descending: bool,
    after: tuple[Any, ...] | None,
    limit: int,
    relevance: bool = False,
    count_in_page: bool = False,
    total: int | None = None,
) -> Page:
    """One page in (key, id) order: for relevance the best score first, then ascending ids;
    for a sort both the same way. With `count_in_page` (search results) a first page carries
    its total as a window count over the matches, which ranking evaluates anyway; other
    pages count apart."""
    query = select(Film, key.label("sort_key")).where(*conditions)
    if after is not None:
        if total is None:
            total = await _count(db, conditions)
        if not total:
            return Page(films=[], total=0, last_key=None)
        if relevance:
            query = query.where(or_(key < after[0], and_(key == after[0], Film.id > uuid.UUID(after[1]))))
        else:
            boundary, cursor = tuple_(key, Film.id), tuple_(after[0], uuid.UUID(after[1]))
            query = query.where(boundary < cursor if descending else boundary > cursor)
    elif count_in_page:
        query = query.add_columns(func.count().over().label("total"))
    if relevance:
        order = (key.desc(), Film.id.asc())
    else:
        order = (key.desc(), Film.id.desc()) if descending else (key.asc(), Film.id.asc())
    rows = (await db.execute(_with_genres(query.order_by(*order).limit(limit + 1)))).unique().all()
    if total is None:
        total = (rows[0].total if rows else 0) if count_in_page else await _count(db, conditions)
    kept, last_key = page_of(rows, limit, lambda row: (row.sort_key, str(row[0].id)))
    return Page(films=[row[0] for row in kept], total=total, last_key=last_key)


async def delete_film(db: AsyncSession, film_id: uuid.UUID) -> bool:
    """Credits, genres and view counts go with it (ON DELETE CASCADE)."""
    result = await db.execute(delete(Film).where(Film.id == film_id).returning(Film.id))
    return result.first() is not None


async def genres_by_slug(db: AsyncSession, slugs: Sequence[str]) -> dict[str, Genre]:
    if not slugs:
        return {}
    rows = await db.execute(select(Genre).where(Genre.slug.in_(slugs)))
    return {g.slug: g for g in rows.scalars()}


async def all_genres(db: AsyncSession) -> list[Genre]:
    return list((await db.execute(select(Genre).order_by(Genre.name))).scalars())


async def get_genre(db: AsyncSession, slug: str) -> Genre | None:
    return (await db.execute(select(Genre).where(Genre.slug == slug))).scalar_one_or_none()


async def people_by_name(db: AsyncSession, names: Sequence[str]) -> dict[str, Person]:
    """The people with these names, creating the missing ones (race-safe upsert)."""
    if not names:
        return {}
    unique = sorted(set(names))
    await db.execute(insert(Person).values([{"name": n} for n in unique]).on_conflict_do_nothing())
    rows = await db.execute(select(Person).where(Person.name.in_(unique)))
    return {p.name: p for p in rows.scalars()}


async def replace_genres(db: AsyncSession, film_id: uuid.UUID, genre_ids: Sequence[uuid.UUID]) -> None:
    await db.execute(delete(film_genres).where(film_genres.c.film_id == film_id))
    if genre_ids:
        await db.execute(insert(film_genres).values([{"film_id": film_id, "genre_id": g} for g in genre_ids]))


async def replace_credits(db: AsyncSession, film_id: uuid.UUID, credits: Sequence[dict[str, Any]]) -> None:
    await db.execute(delete(FilmPerson).where(FilmPerson.film_id == film_id))
    if credits:
        await db.execute(insert(FilmPerson).values([{"film_id": film_id, **c} for c in credits]))


async def refresh_search(db: AsyncSession, film_ids: Sequence[uuid.UUID]) -> None:
    await db.execute(text("SELECT cinema_film_search_refresh(:ids)"), {"ids": list(film_ids)})


async def add_view(db: AsyncSession, film_id: uuid.UUID, day: date) -> None:
    statement = insert(film_views_daily).values(film_id=film_id, day=day, views=1)
    await db.execute(
        statement.on_conflict_do_update(
            index_elements=[film_views_daily.c.film_id, film_views_daily.c.day],
            set_={"views": film_views_daily.c.views + 1},
        )
    )


async def views_by_day(db: AsyncSession, since: date, until: date) -> dict[date, int]:
    """Views of every film (drafts too) per day, days without views left out."""
    query = (
        select(film_views_daily.c.day, func.sum(film_views_daily.c.views))
        .where(film_views_daily.c.day.between(since, until))
        .group_by(film_views_daily.c.day)
    )
    return {row[0]: int(row[1]) for row in (await db.execute(query)).all()}


async def most_viewed(
    db: AsyncSession, since: date, until: date, limit: int
) -> list[tuple[uuid.UUID, str, int]]:
    """(id, title, views) of the most viewed films of the period, whatever their status now."""
    views = func.sum(film_views_daily.c.views).label("views")
    query = (
        select(Film.id, Film.title, views)
        .join(film_views_daily, film_views_daily.c.film_id == Film.id)
        .where(film_views_daily.c.day.between(since, until))
        .group_by(Film.id)
        .order_by(views.desc(), Film.id)
        .limit(limit)
    )
    return [(row[0], row[1], int(row[2])) for row in (await db.execute(query)).all()]


async def titles(db: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = await db.execute(select(Film.id, Film.title).where(Film.id.in_(set(ids))))
    return {row[0]: row[1] for row in rows.all()}


# The transaction-level advisory lock the popularity refresh holds (an arbitrary constant of ours).
POPULARITY_LOCK = 0x63696E656D61  # "cinema"


async def try_lock_popularity(db: AsyncSession) -> bool:
    """True when this transaction now holds the refresh's lock (released at its end)."""
    statement = select(func.pg_try_advisory_xact_lock(POPULARITY_LOCK))
    return bool((await db.execute(statement)).scalar_one())


async def refresh_popularity(db: AsyncSession, since: date) -> int:
    """films.popularity := views since `since`; films that fell out of the window go to 0.
    Returns how many films changed (only those are written)."""
    result = await db.execute(
        text(
            """
            UPDATE films f SET popularity = coalesce(v.views, 0)
            FROM films f2
            LEFT JOIN (SELECT film_id, sum(views)::int AS views FROM film_views_daily
                       WHERE day >= :since GROUP BY film_id) v ON v.film_id = f2.id
            WHERE f.id = f2.id AND f.popularity IS DISTINCT FROM coalesce(v.views, 0)
            """
        ),
        {"since": since},
    )
    return result.rowcount
