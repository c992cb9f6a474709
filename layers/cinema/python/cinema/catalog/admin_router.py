"""Staff catalog routes: films and genres (admin only)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from cinema.auth.dependencies import AdminUser
from cinema.catalog import presenters, service
from cinema.catalog.schemas import FilmCreate, FilmOut, FilmPatch, GenreIn, GenreOut, GenrePatch
from cinema.core.db import DbSession

router = APIRouter(prefix="/admin", tags=["catalog admin"])


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


@router.post("/genres", status_code=status.HTTP_201_CREATED, response_model=GenreOut)
async def create_genre(body: GenreIn, _: AdminUser, db: DbSession) -> GenreOut:
    return GenreOut.model_validate(await service.create_genre(db, body))


@router.patch("/genres/{slug}", response_model=GenreOut)
async def rename_genre(slug: str, body: GenrePatch, _: AdminUser, db: DbSession) -> GenreOut:
    return GenreOut.model_validate(await service.rename_genre(db, slug, body))


@router.delete("/genres/{slug}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_genre(slug: str, _: AdminUser, db: DbSession) -> Response:
    await service.delete_genre(db, slug)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
