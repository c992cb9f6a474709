"""GET /admin/reviews: every film's reviews for moderators, newest first."""

from __future__ import annotations

API = "/api/v1"


async def _review(client, film_id: str, account, body: str, **extra):
    response = await client.post(
        f"{API}/films/{film_id}/reviews", json={"body": body} | extra, headers=account.auth
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_every_film_newest_first_with_film_and_author(client, catalog, accounts, admin):
    solaris = await catalog.film(title="Солярис")
    mirror = await catalog.film(title="Зеркало")
    author = await accounts.create()
    await client.patch(f"{API}/users/me", json={"display_name": "Критик"}, headers=author.auth)
    other = await accounts.create()
    first = await _review(client, solaris["id"], author, "первая", score=9)
    second = await _review(client, mirror["id"], other, "вторая")
    third = await _review(client, mirror["id"], author, "третья")
    moderator = await accounts.create("moderator")

    response = await client.get(f"{API}/admin/reviews", headers=moderator.auth)
    assert response.status_code == 200, response.text
    page = response.json()
    assert [r["id"] for r in page["items"]] == [third["id"], second["id"], first["id"]]
    assert (page["total"], page["next_cursor"]) == (3, None)
    oldest = page["items"][-1]
    assert oldest["film"] == {"id": solaris["id"], "title": "Солярис"}
    assert oldest["film_id"] == solaris["id"]
    assert oldest["author"] == {"id": str(author.id), "display_name": "Критик"}
    assert oldest["score"] == 9
    assert "email" not in str(oldest)
    assert (await client.get(f"{API}/admin/reviews", headers=admin.auth)).status_code == 200


async def test_hidden_filter_and_cursor_paging(client, catalog, accounts):
    film = await catalog.film()
    moderator = await accounts.create("moderator")
    reviews = [await _review(client, film["id"], await accounts.create(), f"отзыв {n}") for n in range(5)]
    for review in reviews[1::2]:
        hidden = await client.patch(
            f"{API}/reviews/{review['id']}", json={"hidden": True}, headers=moderator.auth
        )
        assert hidden.status_code == 200
    only_hidden = (
        await client.get(f"{API}/admin/reviews", params={"hidden": "true"}, headers=moderator.auth)
    ).json()
    assert [r["id"] for r in only_hidden["items"]] == [reviews[3]["id"], reviews[1]["id"]]
    assert all(r["hidden"] for r in only_hidden["items"])
    visible = (
        await client.get(f"{API}/admin/reviews", params={"hidden": "false"}, headers=moderator.auth)
    ).json()
    assert visible["total"] == 3
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(f"{API}/admin/reviews", params=params, headers=moderator.auth)).json()
        seen += [r["id"] for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [r["id"] for r in reversed(reviews)]


async def test_staff_only_and_inputs_checked(client, accounts, viewer):
    moderator = await accounts.create("moderator")
    assert (await client.get(f"{API}/admin/reviews")).status_code == 401
    assert (await client.get(f"{API}/admin/reviews", headers=viewer.auth)).status_code == 403
    for params in ({"hidden": "maybe"}, {"limit": 0}, {"limit": 101}, {"cursor": "bad"}):
        response = await client.get(f"{API}/admin/reviews", params=params, headers=moderator.auth)
        assert response.status_code == 422, params
