"""What can go wrong in the catalog, each with its HTTP status."""

from __future__ import annotations

from cinema.core.errors import Conflict, NotFound, Unprocessable


class FilmNotFound(NotFound):
    detail = "film not found"


class GenreNotFound(NotFound):
    detail = "genre not found"


class GenreExists(Conflict):
    detail = "a genre with this slug already exists"


class UnknownGenres(Unprocessable):
    loc = ("body", "genres")

    def __init__(self, slugs: list[str]) -> None:
        super().__init__(f"unknown genre slugs: {', '.join(sorted(slugs))}")


class InvalidFilm(Unprocessable):
    pass


class FilmInUse(Conflict):
    detail = "this film has been bought and cannot be deleted: unpublish it instead"
