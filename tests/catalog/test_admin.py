from __future__ import annotations

from datetime import UTC, datetime

import pytest

API = "/api/v1"


async def test_create_is_a_draft_with_everything_shown(client, catalog, admin):
    await catalog.genre("drama", "Драма")
    response = await client.post(
        f"{API}/admin/films",
        json={
            "title": "Сталкер",
            "original_title": "Сталкер",
            "description": "Проводник ведёт двоих в Зону.",
            "year": 1979,
            "duration_seconds": 9660,
            "countries": ["SU"],
            "genres": ["drama"],
            "age_rating": "12+",
            "access": "purchase",
            "price": {"amount": 19900, "currency": "RUB"},
            "people": [
                {"name": "Андрей Тарковский", "role": "director"},
                {"name": "Александр Кайдановский", "role": "actor", "character": "Сталкер"},
            ],
        },
        headers=admin.auth,
    )
    assert response.status_code == 201, response.text
    film = response.json()
    assert film["status"] == "draft"
    assert film["genres"] == [{"slug": "drama", "name": "Драма"}]
    assert [(p["name"], p["role"], p["character"]) for p in film["people"]] == [
        ("Андрей Тарковский", "director", None),
        ("Александр Кайдановский", "actor", "Сталкер"),
    ]
    assert film["price"] == {"amount": 19900, "currency": "RUB"}
    assert (film["rating_avg"], film["rating_count"]) == (0, 0)
    # a draft is invisible to the public, visible to staff
    assert (await client.get(f"{API}/films/{film['id']}")).status_code == 404
    assert (await client.get(f"{API}/films/{film['id']}", headers=admin.auth)).status_code == 200


async def test_publish_unpublish_and_edit(client, catalog, admin):
    film = await catalog.film(title="Old title")
    assert (await client.get(f"{API}/films/{film['id']}")).json()["title"] == "Old title"
    edited = await client.patch(
        f"{API}/admin/films/{film['id']}", json={"title": "New title"}, headers=admin.auth
    )
    assert edited.json()["title"] == "New title"
    assert (await client.get(f"{API}/films/{film['id']}")).json()["title"] == "New title"
    hidden = await client.patch(
        f"{API}/admin/films/{film['id']}", json={"status": "draft"}, headers=admin.auth
    )
    assert hidden.json()["status"] == "draft"
    assert (await client.get(f"{API}/films/{film['id']}")).status_code == 404


async def test_delete(client, catalog, admin):
    film = await catalog.film()
    assert (await client.delete(f"{API}/admin/films/{film['id']}", headers=admin.auth)).status_code == 204
    assert (await client.get(f"{API}/films/{film['id']}", headers=admin.auth)).status_code == 404
    assert (await client.delete(f"{API}/admin/films/{film['id']}", headers=admin.auth)).status_code == 404


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"year": 1887}, "year"),
        ({"year": datetime.now(UTC).year + 2}, "year"),
        ({"duration_seconds": 0}, "duration_seconds"),
        ({"duration_seconds": -5}, "duration_seconds"),
        ({"access": "purchase"}, "price"),
        ({"price": {"amount": 100, "currency": "RUB"}}, "price"),
        ({"access": "purchase", "price": {"amount": 0, "currency": "RUB"}}, "amount"),
        ({"access": "purchase", "price": {"amount": 100, "currency": "rub"}}, "currency"),
        ({"age_rating": "21+"}, "age_rating"),
        ({"countries": ["Russia"]}, "countries"),
        ({"title": "   "}, "title"),
        ({"genres": ["Not A Slug"]}, "genres"),
        ({"status": "published"}, "status"),
    ],
)
async def test_invalid_films_are_refused_and_nothing_is_created(client, admin, change, fragment):
    body = {"title": "Film", "year": 2000, "duration_seconds": 5400} | change
    response = await client.post(f"{API}/admin/films", json=body, headers=admin.auth)
    assert response.status_code == 422
    assert fragment in response.text
    listing = (await client.get(f"{API}/films", headers=admin.auth)).json()
    assert listing["total"] == 0


async def test_next_year_is_allowed(catalog):
    film = await catalog.film(year=datetime.now(UTC).year + 1)
    assert film["year"] == datetime.now(UTC).year + 1


async def test_unknown_genre_is_refused(client, admin):
    body = {"title": "Film", "year": 2000, "duration_seconds": 5400, "genres": ["no-such-genre"]}
    response = await client.post(f"{API}/admin/films", json=body, headers=admin.auth)
    assert response.status_code == 422
    [error] = response.json()["detail"]  # FastAPI's shape, as every 422
    assert error["loc"] == ["body", "genres"]
    assert "no-such-genre" in error["msg"]


async def test_price_rules_apply_to_edits(client, catalog, admin):
    film = await catalog.film(access="subscription")
    to_purchase = await client.patch(
        f"{API}/admin/films/{film['id']}", json={"access": "purchase"}, headers=admin.auth
    )
    assert to_purchase.status_code == 422
    ok = await client.patch(
        f"{API}/admin/films/{film['id']}",
        json={"access": "purchase", "price": {"amount": 29900, "currency": "RUB"}},
        headers=admin.auth,
    )
    assert ok.status_code == 200
    back = await client.patch(
        f"{API}/admin/films/{film['id']}", json={"access": "free", "price": None}, headers=admin.auth
    )
    assert (back.status_code, back.json()["price"]) == (200, None)


async def test_genres_crud(client, admin):
    created = await client.post(
        f"{API}/admin/genres", json={"slug": "sci-fi", "name": "Фантастика"}, headers=admin.auth
    )
    duplicate = await client.post(
        f"{API}/admin/genres", json={"slug": "sci-fi", "name": "Другое"}, headers=admin.auth
    )
    bad = await client.post(f"{API}/admin/genres", json={"slug": "Sci Fi", "name": "x"}, headers=admin.auth)
    assert (created.status_code, duplicate.status_code, bad.status_code) == (201, 409, 422)
    renamed = await client.patch(
        f"{API}/admin/genres/sci-fi", json={"name": "Научная фантастика"}, headers=admin.auth
    )
    assert renamed.json() == {"slug": "sci-fi", "name": "Научная фантастика"}
    assert (await client.get(f"{API}/genres")).json() == [{"slug": "sci-fi", "name": "Научная фантастика"}]
    assert (await client.delete(f"{API}/admin/genres/sci-fi", headers=admin.auth)).status_code == 204
    assert (await client.delete(f"{API}/admin/genres/sci-fi", headers=admin.auth)).status_code == 404
    assert (
        await client.patch(f"{API}/admin/genres/sci-fi", json={"name": "x"}, headers=admin.auth)
    ).status_code == 404
    assert (await client.get(f"{API}/genres")).json() == []


async def test_deleting_a_genre_takes_it_off_its_films(client, catalog, admin):
    film = await catalog.film(genres=["comedy", "drama"])
    await client.delete(f"{API}/admin/genres/comedy", headers=admin.auth)
    genres = (await client.get(f"{API}/films/{film['id']}")).json()["genres"]
    assert [g["slug"] for g in genres] == ["drama"]


async def test_every_admin_route_refuses_users_and_moderators(client, accounts, catalog):
    film = await catalog.film()
    await catalog.genre("drama")
    routes = [
        ("POST", f"{API}/admin/films", {"title": "x", "year": 2000, "duration_seconds": 60}),
        ("PATCH", f"{API}/admin/films/{film['id']}", {"title": "x"}),
        ("DELETE", f"{API}/admin/films/{film['id']}", None),
        ("POST", f"{API}/admin/genres", {"slug": "x", "name": "x"}),
        ("PATCH", f"{API}/admin/genres/drama", {"name": "x"}),
        ("DELETE", f"{API}/admin/genres/drama", None),
    ]
    user = await accounts.create("user")
    moderator = await accounts.create("moderator")
    for method, path, body in routes:
        assert (await client.request(method, path, json=body)).status_code == 401, path
        for caller in (user, moderator):
            response = await client.request(method, path, json=body, headers=caller.auth)
            assert response.status_code == 403, (method, path)
    assert (await client.get(f"{API}/films/{film['id']}")).json()["title"] == film["title"]


async def test_a_bought_film_cannot_be_deleted_only_unpublished(client, catalog, admin, viewer):
    """Purchases reference films with ON DELETE RESTRICT (migration 0005): the catalog answers
    409 and keeps the film, which can still be unpublished."""
    from sqlalchemy import text  # noqa: PLC0415

    from cinema.core import db  # noqa: PLC0415

    film = await catalog.film(title="Bought", access="purchase", price={"amount": 19900, "currency": "RUB"})
    async with db.engine().begin() as conn:  # a purchase as the payments webhook records it
        await conn.execute(
            text(
                "INSERT INTO purchases (user_id, film_id, status, stripe_payment_intent_id)"
                " VALUES (:user, :film, 'paid', 'pi_test_bought')"
            ),
            {"user": viewer.id, "film": film["id"]},
        )
    refused = await client.delete(f"{API}/admin/films/{film['id']}", headers=admin.auth)
    assert refused.status_code == 409
    assert "unpublish" in refused.json()["detail"]
    assert (await client.get(f"{API}/films/{film['id']}")).status_code == 200
    hidden = await client.patch(
        f"{API}/admin/films/{film['id']}", json={"status": "draft"}, headers=admin.auth
    )
    assert hidden.status_code == 200
