"""The playback routes read well-formed requests by hand (cinema.media.hot_routes): every other
request must get exactly what FastAPI's own handling of the same routes answers."""

from __future__ import annotations

import uuid

import pytest
from fastapi import APIRouter
from tests.media_rows import insert_upload
from tests.plain_routes import plain_copy

from cinema.core.app import build_app
from cinema.media.hot_routes import HotRoute
from cinema.media.playback_router import router as playback_router

API = "/api/v1"


@pytest.fixture(scope="module")
def reference_app():
    """The same endpoints, declarations and order, handled by FastAPI's general APIRoute."""
    assert all(isinstance(route, HotRoute) for route in playback_router.routes)
    return build_app(plain_copy(playback_router))


@pytest.fixture
async def film(catalog):
    found = await catalog.film(title="Hot film", access="free", duration_seconds=600)
    await insert_upload(found["id"], ready=True)
    return found


JSON = {"Content-Type": "application/json"}
BODIES = [
    (b"", JSON),
    (b"{", JSON),
    (b"not json", JSON),
    (b"[]", JSON),
    (b"null", JSON),
    (b'{"position_seconds": "12"}', JSON),
    (b'{"position_seconds": 1.5}', JSON),
    (b'{"position_seconds": true}', JSON),
    (b'{"position_seconds": -1}', JSON),
    (b'{"position_seconds": 999999999}', JSON),
    (b'{"position_seconds": NaN}', JSON),
    (b'{"position_seconds": 1e400}', JSON),
    (b'{"position_seconds": 12, "extra": 1}', JSON),
    (b'{"position": 12}', JSON),
    (b'{"position_seconds": 12}', {"Content-Type": "text/plain"}),
    (b'{"position_seconds": 12}', {}),
    (b'{"position_seconds": 12}', {"Content-Type": "application/json; charset=utf-8"}),
    (b'{"position_seconds": 12}', {"Content-Type": "application/merge-patch+json"}),
    ('\ufeff{"position_seconds": 12}'.encode(), JSON),
    ('{"position_seconds": 12}'.encode("utf-16"), JSON),
    (b'{"position_seconds": "x", "position_seconds": 12}', JSON),
    (b'{"position_seconds": 12, "position_seconds": "x"}', JSON),
    (b'{"position_seconds": 12.0}', JSON),
    (b' {"position_seconds": 12} ', JSON),
    (b'{"position_seconds": 12}', JSON),
]


def _ids(film_id: str) -> list[str]:
    return [
        film_id,
        film_id.upper(),
        film_id.replace("-", ""),
        f"urn:uuid:{film_id}",
        "{" + film_id + "}",
        "not-a-uuid",
        film_id[:-1] + "g",
        str(uuid.uuid4()),
    ]


def _auths(account) -> list[dict[str, str]]:
    return [account.auth, {}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic abc"}]


async def _same(client, reference, method: str, url: str, **kwargs) -> None:
    ours = await client.request(method, url, **kwargs)
    theirs = await reference.request(method, url, **kwargs)
    assert (ours.status_code, ours.headers.get("content-type"), ours.content) == (
        theirs.status_code,
        theirs.headers.get("content-type"),
        theirs.content,
    ), (method, url, kwargs)
    assert ours.headers.get("www-authenticate") == theirs.headers.get("www-authenticate")


async def test_heartbeats_are_answered_as_fastapi_answers_them(client, reference, viewer, film):
    for film_id in _ids(film["id"]):
        for auth in _auths(viewer):
            for body, headers in BODIES:
                await _same(
                    client,
                    reference,
                    "PUT",
                    f"{API}/films/{film_id}/progress",
                    content=body,
                    headers={**headers, **auth},
                )


async def test_play_is_answered_as_fastapi_answers_it(client, reference, viewer, film):
    for film_id in _ids(film["id"]):
        for auth in _auths(viewer):
            ours = await client.get(f"{API}/films/{film_id}/play", headers=auth)
            theirs = await reference.get(f"{API}/films/{film_id}/play", headers=auth)
            assert ours.status_code == theirs.status_code, (film_id, auth)
            if ours.status_code != 200:  # a grant's signature is the same for a minute, not its bytes
                assert ours.json() == theirs.json()


async def test_other_methods_and_paths_are_answered_as_fastapi_answers_them(client, reference, viewer, film):
    """The hot routes are matched first (cinema.core.hot_dispatch): a request they do not take
    (another method, a trailing slash, a longer path) still gets FastAPI's answer."""
    base = f"{API}/films/{film['id']}"
    for method, url in [
        ("PUT", f"{base}/play"),
        ("POST", f"{base}/play"),
        ("DELETE", f"{base}/progress"),
        ("GET", f"{base}/progress"),
        ("HEAD", f"{base}/play"),
        ("OPTIONS", f"{base}/play"),
        ("GET", f"{base}/play/"),
        ("PUT", f"{base}/progress/"),
        ("GET", f"{base}/play/more"),
        ("GET", f"{API}/films//play"),
    ]:
        await _same(client, reference, method, url, headers=viewer.auth)
        ours = await client.request(method, url, headers=viewer.auth)
        theirs = await reference.request(method, url, headers=viewer.auth)
        assert ours.headers.get("allow") == theirs.headers.get("allow"), (method, url)
        assert ours.headers.get("location") == theirs.headers.get("location"), (method, url)


async def test_the_document_is_fastapis(app, reference_app):
    ours, theirs = app.openapi(), reference_app.openapi()
    for path in (f"{API}/films/{{film_id}}/play", f"{API}/films/{{film_id}}/progress"):
        assert ours["paths"][path] == theirs["paths"][path]
    assert ours["components"]["schemas"]["ProgressIn"] == theirs["components"]["schemas"]["ProgressIn"]


def test_a_route_of_another_shape_is_refused():
    router = APIRouter(route_class=HotRoute)

    async def by_query(film_id: uuid.UUID, q: str) -> None:
        return None

    with pytest.raises((TypeError, ValueError)):
        router.add_api_route("/films/{film_id}", by_query, methods=["GET"])
