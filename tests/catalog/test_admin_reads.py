"""GET /admin/films and /admin/films/{id}: the staff's view of the catalog, drafts included."""

from __future__ import annotations

import uuid

API = "/api/v1"


async def test_every_status_newest_first_with_a_status_filter(client, catalog, admin):
    first = await catalog.film(title="First published")
    draft = await catalog.film(title="A draft", publish=False)
    last = await catalog.film(title="Last published")
    everything = await client.get(f"{API}/admin/films", headers=admin.auth)
    assert everything.status_code == 200, everything.text
    page = everything.json()
    assert [f["id"] for f in page["items"]] == [last["id"], draft["id"], first["id"]]
    assert (page["total"], page["next_cursor"]) == (3, None)
    drafts = (await client.get(f"{API}/admin/films", params={"status": "draft"}, headers=admin.auth)).json()
    assert [(f["id"], f["status"]) for f in drafts["items"]] == [(draft["id"], "draft")]
    published = await client.get(f"{API}/admin/films", params={"status": "published"}, headers=admin.auth)
    assert published.json()["total"] == 2


async def test_cursor_pages_cover_the_list_once(client, catalog, admin):
    made = [await catalog.film(title=f"Film {n}", publish=n % 2 == 0) for n in range(5)]
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(f"{API}/admin/films", params=params, headers=admin.auth)).json()
        assert page["total"] == 5
        seen += [f["id"] for f in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f["id"] for f in reversed(made)]


async def test_search_finds_drafts_with_the_catalog_search(client, catalog, admin):
    await catalog.film(title="Солярис", publish=False)
    await catalog.film(title="Зеркало")
    found = await client.get(f"{API}/admin/films", params={"q": "соляри"}, headers=admin.auth)
    assert [f["title"] for f in found.json()["items"]] == ["Солярис"]
    typo = await client.get(
        f"{API}/admin/films", params={"q": "Салярис", "status": "draft"}, headers=admin.auth
    )
    assert [f["title"] for f in typo.json()["items"]] == ["Солярис"]
    public = await client.get(f"{API}/films", params={"q": "соляри"})
    assert public.json()["items"] == []


async def test_one_film_a_draft_too(client, catalog, admin, viewer):
    draft = await catalog.film(title="Unfinished", publish=False)
    response = await client.get(f"{API}/admin/films/{draft['id']}", headers=admin.auth)
    assert response.status_code == 200
    assert (response.json()["title"], response.json()["status"]) == ("Unfinished", "draft")
    assert "people" in response.json()
    missing = await client.get(f"{API}/admin/films/{uuid.uuid4()}", headers=admin.auth)
    assert missing.status_code == 404


async def test_staff_reads_are_for_admins_and_inputs_are_checked(client, catalog, admin, viewer):
    film = await catalog.film()
    assert (await client.get(f"{API}/admin/films")).status_code == 401
    assert (await client.get(f"{API}/admin/films", headers=viewer.auth)).status_code == 403
    assert (await client.get(f"{API}/admin/films/{film['id']}", headers=viewer.auth)).status_code == 403
    for params in ({"status": "gone"}, {"limit": 0}, {"limit": 101}, {"cursor": "%%%"}, {"sort": "best"}):
        response = await client.get(f"{API}/admin/films", params=params, headers=admin.auth)
        assert response.status_code == 422, params
