"""The catalog's cached reads are matched at the head of the app's table (FirstRoute,
cinema.core.hot_dispatch): every request must get what FastAPI's own routing answers."""

from __future__ import annotations

import uuid

import pytest
from fastapi import APIRouter, Depends
from tests.plain_routes import plain_copy

from cinema.catalog.router import router as catalog_router
from cinema.core.app import build_app
from cinema.core.hot_dispatch import FirstRoute, HotDispatch, get_first

API = "/api/v1"


@pytest.fixture(scope="module")
def reference_app():
    """The catalog's routes, same declarations and order, all of them plain APIRoutes."""
    return build_app(plain_copy(catalog_router))


def test_the_cached_reads_are_first(app):
    (hot,) = [route for route in app.router.routes if isinstance(route, HotDispatch)]
    assert {route.path for _, _, route in hot.entries} >= {"/films/popular", "/films/{film_id}"}


async def test_film_pages_and_the_popular_list_are_answered_as_fastapi_answers_them(
    client, reference, catalog, viewer
):
    film = await catalog.film(title="First film", access="free")
    film_id = film["id"]
    base = f"{API}/films"
    requests = [
        ("GET", f"{base}/{film_id}"),
        ("GET", f"{base}/{film_id.upper()}"),
        ("GET", f"{base}/{film_id.replace('-', '')}"),
        ("GET", f"{base}/not-a-uuid"),
        ("GET", f"{base}/{uuid.uuid4()}"),
        ("GET", f"{base}/{film_id}/"),
        ("GET", f"{base}/popular"),
        ("GET", f"{base}/popular?limit=5"),
        ("GET", f"{base}/popular?limit=0"),
        ("GET", f"{base}/popular?limit=abc"),
        ("GET", f"{base}/popular/"),
        ("GET", f"{base}"),
        ("GET", f"{base}/"),
        ("POST", f"{base}/{film_id}"),
        ("DELETE", f"{base}/popular"),
        ("PATCH", f"{base}/{film_id}"),
        ("HEAD", f"{base}/{film_id}"),
        ("OPTIONS", f"{base}/popular"),
        ("GET", f"{base}/{film_id}/similar"),
    ]
    for headers in [{}, viewer.auth, {"Authorization": "Bearer nonsense"}]:
        for method, url in requests:
            ours = await client.request(method, url, headers=headers)
            theirs = await reference.request(method, url, headers=headers)
            assert (ours.status_code, ours.headers.get("content-type"), ours.content) == (
                theirs.status_code,
                theirs.headers.get("content-type"),
                theirs.content,
            ), (method, url, headers)
            for name in ("allow", "location", "www-authenticate"):
                assert ours.headers.get(name) == theirs.headers.get(name), (method, url, name)


async def test_the_document_is_fastapis(app, reference_app):
    ours, theirs = app.openapi(), reference_app.openapi()
    for path in (f"{API}/films/popular", f"{API}/films/{{film_id}}"):
        assert ours["paths"][path] == theirs["paths"][path]


def test_a_route_with_dependencies_cannot_be_first():
    router = APIRouter()

    async def token() -> str:
        return "t"

    async def needs(value: str = Depends(token)) -> None:
        return None

    with pytest.raises(TypeError):
        get_first(router, "/x")(needs)


def test_a_route_cannot_be_first_where_a_route_declared_before_it_answers():
    """FastAPI would have chosen the earlier route: being first would change the answer."""
    router = APIRouter()

    async def literal() -> None:
        return None

    async def by_id(film_id: uuid.UUID) -> None:
        return None

    router.add_api_route("/films/latest", literal, methods=["GET"])
    get_first(router, "/films/{film_id}")(by_id)
    with pytest.raises(ValueError, match="/films/latest"):
        HotDispatch.of([router], API)
    # Declared the other way round, or for another method, nothing is shadowed.
    other = APIRouter()
    get_first(other, "/films/{film_id}")(by_id)
    other.add_api_route("/films/latest", literal, methods=["GET"])
    other.add_api_route("/films/{film_id}/more", literal, methods=["GET"])
    assert len(HotDispatch.of([other], API).entries) == 1
    assert isinstance(other.routes[0], FirstRoute)
