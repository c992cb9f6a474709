"""Public catalog routes: films, search, popular, genres."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from cinema.auth.dependencies import bearer_token
from cinema.catalog import caching, pages, similar_pages
from cinema.catalog import repository as repo
from cinema.catalog.params import SearchParam, SortParam
from cinema.catalog.schemas import Country, FilmOut, FilmSummary, GenreOut, PopularFilm, Slug
from cinema.core.db import reading
from cinema.core.hot_dispatch import get_first
from cinema.core.openapi import errors
from cinema.core.pagination import LIMIT_OPENAPI, Cursor, Limit, Page, limit_of
from cinema.profiles.dependencies import ANONYMOUS, AgeLimit, audience

router = APIRouter(tags=["catalog"])

JSON = "application/json"


def _json(body: bytes) -> Response:
    return Response(content=body, media_type=JSON)


# Public reads that show staff more and hide from a profile what its age limit does not allow: a
# token is optional, but one that is sent must be valid, and a profile named in X-Profile-Id
# must be the caller's (404).
OPTIONAL_TOKEN = errors(401, 403, 404)


@router.get(
    "/films",
    response_model=Page[FilmSummary],
    summary="Browse and search the catalog",
    responses=OPTIONAL_TOKEN,
)
async def list_films(
    *,
    request: Request,
    genre: Annotated[list[Slug], Query(max_length=10, description="genre slug; several = any of them")] = [],  # noqa: B006
    year_from: Annotated[int | None, Query(ge=1888, le=2100)] = None,
    year_to: Annotated[int | None, Query(ge=1888, le=2100)] = None,
    rating_min: Annotated[float | None, Query(ge=0, le=10)] = None,
    country: Annotated[Country | None, Query(description="ISO 3166-1 alpha-2, e.g. RU")] = None,
    q: SearchParam = None,
    sort: SortParam = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Response:
    staff, max_age_rating = await audience(request)
    body = await pages.browse(
        genres=genre,
        year_from=year_from,
        year_to=year_to,
        rating_min=rating_min,
        country=country,
        q=q,
        staff=staff,
        max_age_rating=max_age_rating,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )
    return _json(body)


@get_first(
    router,
    "/films/popular",
    response_model=Page[PopularFilm],
    summary="Most watched over the last 7 days",
    responses=OPTIONAL_TOKEN,
    openapi_extra=LIMIT_OPENAPI,
)
async def popular_films(request: Request) -> Response:
    # A hot read: `limit` is read by hand (same rules, same 422) rather than by FastAPI's
    # parameter machinery, and a level-1 hit returns before any other work.
    limit = limit_of(request)
    viewer = ANONYMOUS if bearer_token(request) is None else await audience(request)
    key = caching.local_listing_key("popular", pages.popular_params(limit, viewer.max_age_rating))
    hit = caching.local_hit(key) if key else None
    return _json(
        hit if hit is not None else await pages.popular(limit=limit, max_age_rating=viewer.max_age_rating)
    )


@get_first(
    router,
    "/films/{film_id}",
    response_model=FilmOut,
    responses={
        **OPTIONAL_TOKEN,
        403: {"description": "the account is disabled, or the film is above the profile's age limit"},
        404: {"description": "no such film, or no such profile"},
    },
)
async def get_film(film_id: uuid.UUID, request: Request) -> Response:
    # The hottest read: no dependency, no database session unless there is a token to check
    # or a cache miss, and an anonymous level-1 hit returns before any other work.
    if bearer_token(request) is None and (hit := caching.local_hit(caching.film_key(film_id))) is not None:
        return _json(hit)
    staff, max_age_rating = await audience(request)
    return _json(await pages.film_page(film_id, staff=staff, max_age_rating=max_age_rating))


@router.get(
    "/films/{film_id}/similar",
    response_model=Page[FilmSummary],
    summary="Up to 12 published films like this one, best first",
    responses={
        **OPTIONAL_TOKEN,
        403: {"description": "the account is disabled, or the film is above the profile's age limit"},
        404: {"description": "no such film, or no such profile"},
    },
)
async def similar_films(film_id: uuid.UUID, age_limit: AgeLimit) -> Response:
    # Read from the table the scheduled job keeps (cinema.catalog.jobs), cached per age limit.
    return _json(await similar_pages.similar_page(film_id, age_limit=age_limit))


@router.get("/genres", response_model=list[GenreOut])
async def genres() -> list[GenreOut]:
    async with reading() as reader:  # a public read, like the lists: autocommit, no BEGIN/COMMIT
        return [GenreOut.model_validate(g) for g in await repo.all_genres(reader)]
