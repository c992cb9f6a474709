"""Staff catalog routes: films and genres (admin only)."""

import uuid

from fastapi import APIRouter, Response, status

from cinema.auth.dependencies import AdminUser
from cinema.catalog import pages, presenters, service
from cinema.catalog.models import FilmStatus
from cinema.catalog.params import SearchParam, SortParam
from cinema.catalog.schemas import FilmOut, FilmSummary, GenreOut, Slug
from cinema.catalog.staff_schemas import FilmCreate, FilmPatch, GenreIn, GenrePatch
from cinema.core.db import DbSession
from cinema.core.pagination import Cursor, Limit, Page

router = APIRouter(prefix="/admin", tags=["catalog admin"])

STAFF_ONLY = {
    401: {"description": "missing or invalid access token"},
    403: {"description": "not an admin"},
}


@router.get(
    "/films",
    response_model=Page[FilmSummary],
    summary="Every film, drafts included: filter by status, search, page",
    description="`q` is the catalog's full-text, typo-tolerant search; without `q` and `sort` the "
    "newest films come first (`-new`: by first publication, a draft by its creation).",
    responses={**STAFF_ONLY, 422: {"description": "invalid filter, sort, cursor or limit"}},
)
async def list_films(
    _: AdminUser,
    status: FilmStatus | None = None,
    q: SearchParam = None,
    sort: SortParam = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Response:
    body = await pages.staff_list(status=status, q=q, sort=sort, cursor=cursor, limit=limit)
    return Response(content=body, media_type="application/json")


@router.get(
    "/films/{film_id}",
    response_model=FilmOut,
    summary="One film, a draft too",
    responses={**STAFF_ONLY, 404: {"description": "no such film"}},
)
async def get_film(film_id: uuid.UUID, _: AdminUser) -> Response:
    return Response(content=await pages.film_page(film_id, staff=True), media_type="application/json")


@router.post(
    "/films", status_code=status.HTTP_201_CREATED, response_model=FilmOut, summary="Create a draft film"
)
async def create_film(body: FilmCreate, _: AdminUser, db: DbSession) -> FilmOut:
    return presenters.detail(await service.create_film(db, body))


@router.patch("/films/{film_id}", response_model=FilmOut, summary="Edit, publish or unpublish a film")
async def update_film(film_id: uuid.UUID, body: FilmPatch, _: AdminUser, db: DbSession) -> FilmOut:
    return presenters.detail(await service.update_film(db, film_id, body))


@router.delete(
    "/films/{film_id}", status_code=status.HTTP_204_NO_CONTENT, responses={409: {"description": "bought"}}
)
async def delete_film(film_id: uuid.UUID, _: AdminUser, db: DbSession) -> Response:
    await service.delete_film(db, film_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/genres",
    status_code=status.HTTP_201_CREATED,
    response_model=GenreOut,
    responses={409: {"description": "a genre with this slug exists"}},
)
async def create_genre(body: GenreIn, _: AdminUser, db: DbSession) -> GenreOut:
    return GenreOut.model_validate(await service.create_genre(db, body))


@router.patch("/genres/{slug}", response_model=GenreOut)
async def rename_genre(slug: Slug, body: GenrePatch, _: AdminUser, db: DbSession) -> GenreOut:
    return GenreOut.model_validate(await service.rename_genre(db, slug, body))


@router.delete("/genres/{slug}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_genre(slug: Slug, _: AdminUser, db: DbSession) -> Response:
    await service.delete_genre(db, slug)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
