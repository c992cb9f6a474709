from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from tests.media_rows import heartbeat_window_passes, insert_upload

from cinema.account import heartbeats
from cinema.core import db

API = "/api/v1"


@pytest.fixture
async def films(catalog):
    """Three free films of 1000 s that play."""
    made = []
    for i in range(3):
        film = await catalog.film(title=f"Film {i}", access="free", duration_seconds=1000)
        await insert_upload(film["id"], ready=True, duration=1000)
        made.append(film)
    return made


async def _watch(client, account, film_id: str, position: int) -> None:
    """A heartbeat as the player sends it, then the coalescing window passes."""
    response = await client.put(
        f"{API}/films/{film_id}/progress", json={"position_seconds": position}, headers=account.auth
    )
    assert response.status_code == 204, response.text
    await heartbeats.flush_all()  # the position reaches its row (written behind) before it ages
    async with db.engine().begin() as conn:
        await conn.execute(
            text(
                "UPDATE watch_progress SET updated_at = updated_at - interval '6 seconds'"
                " WHERE profile_id IN (SELECT id FROM profiles WHERE user_id = :u) AND film_id = :f"
            ),
            {"u": account.id, "f": film_id},
        )
    await heartbeat_window_passes()


async def _get(client, account, path: str, **params) -> dict:
    response = await client.get(f"{API}/me/{path}", params=params, headers=account.auth)
    assert response.status_code == 200, response.text
    return response.json()


def _positions(page: dict) -> list[tuple[str, int]]:
    return [(item["film"]["title"], item["position_seconds"]) for item in page["items"]]


@pytest.mark.parametrize(
    ("position", "expected"),
    [
        (0, "new"),
        (49, "new"),  # under 5 %: not worth resuming
        (50, "resumable"),  # 5 % exactly
        (500, "resumable"),
        (899, "resumable"),
        (900, "completed"),  # 90 %: finished
        (1000, "completed"),
    ],
)
async def test_the_resume_rules_through_the_heartbeats(client, viewer, films, position, expected):
    await _watch(client, viewer, films[0]["id"], position)
    history = await _get(client, viewer, "history")
    assert _positions(history) == [("Film 0", position)]
    item = history["items"][0]
    assert (item["duration_seconds"], item["completed"]) == (1000, expected == "completed")
    resume = await _get(client, viewer, "continue-watching")
    resumable = expected == "resumable"
    assert _positions(resume) == ([("Film 0", position)] if resumable else [])
    assert resume["total"] == int(resumable)


async def test_history_is_newest_first_and_follows_the_latest_heartbeat(client, viewer, films):
    await _watch(client, viewer, films[0]["id"], 100)
    await _watch(client, viewer, films[1]["id"], 950)
    await _watch(client, viewer, films[2]["id"], 10)
    assert _positions(await _get(client, viewer, "history")) == [
        ("Film 2", 10),
        ("Film 1", 950),
        ("Film 0", 100),
    ]
    assert _positions(await _get(client, viewer, "continue-watching")) == [("Film 0", 100)]
    await _watch(client, viewer, films[2]["id"], 400)  # film 2 becomes resumable
    await _watch(client, viewer, films[0]["id"], 300)
    assert _positions(await _get(client, viewer, "continue-watching")) == [("Film 0", 300), ("Film 2", 400)]
    history = await _get(client, viewer, "history")
    assert [i["film"]["title"] for i in history["items"]] == ["Film 0", "Film 2", "Film 1"]
    film = history["items"][0]["film"]
    assert {"id", "title", "year", "genres", "rating_avg", "poster_url", "access"} <= film.keys()


async def test_a_cursor_walk_through_history_and_favorites(client, catalog, viewer):
    ids = []
    for i in range(5):
        film = await catalog.film(title=f"Walk {i}", access="free", duration_seconds=1000)
        await insert_upload(film["id"], ready=True, duration=1000)
        ids.append(film["id"])
        await _watch(client, viewer, film["id"], 100)
        assert (await client.put(f"{API}/me/favorites/{film['id']}", headers=viewer.auth)).status_code == 204
    for path in ("history", "continue-watching", "favorites"):
        seen, cursor = [], None
        while True:
            page = await _get(client, viewer, path, limit=2, **({"cursor": cursor} if cursor else {}))
            assert page["total"] == 5
            seen += [item["film"]["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == list(reversed(ids)), path
    for path in ("history", "favorites"):
        assert (
            await client.get(f"{API}/me/{path}", params={"cursor": "nope"}, headers=viewer.auth)
        ).status_code == 422
        assert (
            await client.get(f"{API}/me/{path}", params={"limit": 0}, headers=viewer.auth)
        ).status_code == 422


async def test_favorites_are_idempotent(client, catalog, viewer, films):
    url = f"{API}/me/favorites/{films[0]['id']}"
    first, again = await client.put(url, headers=viewer.auth), await client.put(url, headers=viewer.auth)
    assert (first.status_code, again.status_code) == (204, 204)
    await client.put(f"{API}/me/favorites/{films[1]['id']}", headers=viewer.auth)
    page = await _get(client, viewer, "favorites")
    assert ([f["film"]["title"] for f in page["items"]], page["total"]) == (["Film 1", "Film 0"], 2)
    assert page["items"][0]["added_at"]
    assert (await client.delete(url, headers=viewer.auth)).status_code == 204
    assert (await client.delete(url, headers=viewer.auth)).status_code == 204
    assert [f["film"]["title"] for f in (await _get(client, viewer, "favorites"))["items"]] == ["Film 1"]


async def test_favorites_of_unknown_or_draft_films_are_refused(client, catalog, viewer):
    draft = await catalog.film(publish=False)
    assert (await client.put(f"{API}/me/favorites/{uuid.uuid4()}", headers=viewer.auth)).status_code == 404
    assert (await client.put(f"{API}/me/favorites/{draft['id']}", headers=viewer.auth)).status_code == 404
    assert (await client.put(f"{API}/me/favorites/not-a-uuid", headers=viewer.auth)).status_code == 422
    assert (await client.delete(f"{API}/me/favorites/{uuid.uuid4()}", headers=viewer.auth)).status_code == 204
    assert (await _get(client, viewer, "favorites"))["total"] == 0


async def test_the_cabinet_needs_a_signed_in_user(client, films):
    for path in ("history", "continue-watching", "favorites"):
        response = await client.get(f"{API}/me/{path}")
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert (await client.put(f"{API}/me/favorites/{films[0]['id']}")).status_code == 401
    assert (await client.delete(f"{API}/me/favorites/{films[0]['id']}")).status_code == 401


async def test_a_user_never_sees_or_changes_another_users_lists(client, accounts, viewer, films):
    other = await accounts.create()
    await _watch(client, viewer, films[0]["id"], 300)
    await client.put(f"{API}/me/favorites/{films[0]['id']}", headers=viewer.auth)
    for path in ("history", "continue-watching", "favorites"):
        assert (await _get(client, other, path))["items"] == []
    # the other user's add and remove touch only their own list
    assert (
        await client.delete(f"{API}/me/favorites/{films[0]['id']}", headers=other.auth)
    ).status_code == 204
    await client.put(f"{API}/me/favorites/{films[1]['id']}", headers=other.auth)
    assert [f["film"]["title"] for f in (await _get(client, viewer, "favorites"))["items"]] == ["Film 0"]
    assert [f["film"]["title"] for f in (await _get(client, other, "favorites"))["items"]] == ["Film 1"]
    # there is no way to name another user: unknown query parameters are ignored
    peek = await _get(client, other, "history", user_id=str(viewer.id))
    assert peek["items"] == []


async def test_unpublished_and_deleted_films_leave_the_lists(client, catalog, admin, viewer, films):
    for film in films[:2]:
        await _watch(client, viewer, film["id"], 300)
        await client.put(f"{API}/me/favorites/{film['id']}", headers=viewer.auth)
    await client.patch(f"{API}/admin/films/{films[0]['id']}", json={"status": "draft"}, headers=admin.auth)
    assert (await client.delete(f"{API}/admin/films/{films[1]['id']}", headers=admin.auth)).status_code == 204
    for path in ("history", "continue-watching", "favorites"):
        page = await _get(client, viewer, path)
        assert (page["items"], page["total"]) == ([], 0), path
    # staff still see the draft in their own lists; republished, it comes back for the viewer
    await _watch(client, admin, films[0]["id"], 300)
    assert [i["film"]["status"] for i in (await _get(client, admin, "history"))["items"]] == ["draft"]
    await client.patch(
        f"{API}/admin/films/{films[0]['id']}", json={"status": "published"}, headers=admin.auth
    )
    assert _positions(await _get(client, viewer, "continue-watching")) == [("Film 0", 300)]
    assert [f["film"]["title"] for f in (await _get(client, viewer, "favorites"))["items"]] == ["Film 0"]
