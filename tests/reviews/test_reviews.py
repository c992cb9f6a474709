from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from cinema.core import db

API = "/api/v1"


@pytest.fixture
async def film(catalog):
    return await catalog.film(title="Рецензируемый")


async def _review(client, film_id: str, account, **body):
    return await client.post(
        f"{API}/films/{film_id}/reviews", json={"body": "Хорошо."} | body, headers=account.auth
    )


async def _bodies(client, film_id: str, account=None, **params) -> list[str]:
    headers = account.auth if account else {}
    response = await client.get(f"{API}/films/{film_id}/reviews", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [r["body"] for r in response.json()["items"]]


async def test_second_review_is_refused(client, viewer, film):
    first = await _review(client, film["id"], viewer, body="great")
    second = await _review(client, film["id"], viewer, body="again")
    assert (first.status_code, second.status_code) == (201, 409)


async def test_a_review_shows_its_author_by_display_name_never_the_email(client, accounts, film):
    author = await accounts.create()
    await client.patch(f"{API}/users/me", json={"display_name": "Кинокритик"}, headers=author.auth)
    created = await _review(client, film["id"], author, title="Заголовок", body="Текст")
    assert created.status_code == 201, created.text
    review = created.json()
    assert review["author"] == {"id": str(author.id), "display_name": "Кинокритик"}
    assert (review["title"], review["body"], review["hidden"], review["score"]) == (
        "Заголовок",
        "Текст",
        False,
        None,
    )
    listed = (await client.get(f"{API}/films/{film['id']}/reviews")).json()
    assert listed["total"] == 1
    assert listed["items"] == [review]
    assert author.email not in str(listed)


async def test_texts_are_stored_exactly_as_given(client, viewer, film):
    body = "<script>alert('x')</script>\n  two  spaces &amp; ёж 🎬  "
    created = await _review(client, film["id"], viewer, title=" <b>bold</b> ", body=body)
    assert (created.json()["title"], created.json()["body"]) == (" <b>bold</b> ", body)
    assert await _bodies(client, film["id"]) == [body]


async def test_openapi_says_texts_are_plain_text(client):
    schemas = (await client.get(f"{API}/openapi.json")).json()["components"]["schemas"]
    for schema, field in [("ReviewIn", "body"), ("ReviewOut", "body"), ("ReviewPatch", "body")]:
        described = str(schemas[schema]["properties"][field])
        assert "Plain text" in described, (schema, described)
        assert "escape" in described, (schema, described)


@pytest.mark.parametrize(
    "body",
    [
        {"body": ""},
        {"body": "   \n\t"},
        {"body": "x" * 5001},
        {},
        {"body": "ok", "title": ""},
        {"body": "ok", "title": "t" * 201},
        {"body": "ok", "score": 0},
        {"body": "ok", "score": 11},
        {"body": "ok", "score": "ten"},
        {"body": "ok", "author_id": str(uuid.uuid4())},
    ],
)
async def test_bad_reviews_are_refused(client, viewer, film, body):
    response = await client.post(f"{API}/films/{film['id']}/reviews", json=body, headers=viewer.auth)
    assert response.status_code == 422, response.text
    assert await _bodies(client, film["id"]) == []


async def test_limits_of_body_length_are_inclusive(client, accounts, film):
    assert (await _review(client, film["id"], await accounts.create(), body="x")).status_code == 201
    assert (await _review(client, film["id"], await accounts.create(), body="я" * 5000)).status_code == 201


async def test_unknown_draft_or_anonymous(client, catalog, viewer, admin):
    draft = await catalog.film(publish=False)
    assert (await _review(client, str(uuid.uuid4()), viewer)).status_code == 404
    assert (await _review(client, draft["id"], viewer)).status_code == 404
    assert (await client.post(f"{API}/films/{draft['id']}/reviews", json={"body": "x"})).status_code == 401
    assert (await client.get(f"{API}/films/{uuid.uuid4()}/reviews")).status_code == 404
    assert (await client.get(f"{API}/films/{draft['id']}/reviews", headers=viewer.auth)).status_code == 404
    assert (await client.get(f"{API}/films/{draft['id']}/reviews", headers=admin.auth)).status_code == 200
    bad_token = {"Authorization": "Bearer nonsense"}
    assert (await client.get(f"{API}/films/{draft['id']}/reviews", headers=bad_token)).status_code == 401


async def test_newest_first_and_a_cursor_walk(client, accounts, film):
    authors = [await accounts.create() for _ in range(7)]
    for i, author in enumerate(authors):
        assert (await _review(client, film["id"], author, body=f"review {i}")).status_code == 201
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(f"{API}/films/{film['id']}/reviews", params=params)).json()
        assert page["total"] == 7
        seen += [r["body"] for r in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [f"review {i}" for i in reversed(range(7))]


async def test_pagination_input_is_checked(client, film):
    url = f"{API}/films/{film['id']}/reviews"
    assert (await client.get(url, params={"limit": 0})).status_code == 422
    assert (await client.get(url, params={"limit": 101})).status_code == 422
    assert (await client.get(url, params={"limit": 100})).status_code == 200
    assert (await client.get(url, params={"cursor": "garbage"})).status_code == 422
    assert (await client.get(url, params={"cursor": "WyJ4IiwgInkiXQ"})).status_code == 422  # ["x", "y"]


async def test_the_author_edits_and_deletes(client, viewer, film):
    review = (await _review(client, film["id"], viewer, title="Old", body="old")).json()
    url = f"{API}/reviews/{review['id']}"
    edited = await client.patch(url, json={"body": "new"}, headers=viewer.auth)
    assert edited.status_code == 200, edited.text
    assert (edited.json()["title"], edited.json()["body"]) == ("Old", "new")
    assert edited.json()["updated_at"] >= review["updated_at"]
    cleared = await client.patch(url, json={"title": None}, headers=viewer.auth)
    assert cleared.json()["title"] is None
    assert (await client.patch(url, json={"body": None}, headers=viewer.auth)).status_code == 422
    assert (await client.patch(url, json={"body": ""}, headers=viewer.auth)).status_code == 422
    assert (await client.patch(url, json={"hidden": True}, headers=viewer.auth)).status_code == 403
    assert (await client.patch(url, json={"body": "x"})).status_code == 401
    assert (await client.delete(url, headers=viewer.auth)).status_code == 204
    assert (await client.delete(url, headers=viewer.auth)).status_code == 404
    assert (await client.patch(url, json={"body": "x"}, headers=viewer.auth)).status_code == 404
    assert await _bodies(client, film["id"]) == []
    # deleted, the author may review the film again
    assert (await _review(client, film["id"], viewer)).status_code == 201


async def test_another_user_cannot_edit_or_delete(client, accounts, viewer, film):
    review = (await _review(client, film["id"], viewer, body="mine")).json()
    other = await accounts.create()
    url = f"{API}/reviews/{review['id']}"
    assert (await client.patch(url, json={"body": "hacked"}, headers=other.auth)).status_code == 403
    assert (await client.patch(url, json={"hidden": True}, headers=other.auth)).status_code == 403
    assert (await client.delete(url, headers=other.auth)).status_code == 403
    assert await _bodies(client, film["id"]) == ["mine"]
    assert (
        await client.patch(f"{API}/reviews/{uuid.uuid4()}", json={"body": "x"}, headers=other.auth)
    ).status_code == 404


@pytest.mark.parametrize("role", ["moderator", "admin"])
async def test_staff_hide_unhide_and_delete_any_but_do_not_rewrite(client, accounts, viewer, film, role):
    staff = await accounts.create(role)
    review = (await _review(client, film["id"], viewer, body="rude words")).json()
    url = f"{API}/reviews/{review['id']}"
    assert (await client.patch(url, json={"body": "censored"}, headers=staff.auth)).status_code == 403
    hidden = await client.patch(url, json={"hidden": True}, headers=staff.auth)
    assert hidden.status_code == 200, hidden.text
    assert (hidden.json()["hidden"], hidden.json()["body"]) == (True, "rude words")
    assert await _bodies(client, film["id"]) == []
    unhidden = await client.patch(url, json={"hidden": False}, headers=staff.auth)
    assert unhidden.json()["hidden"] is False
    assert await _bodies(client, film["id"]) == ["rude words"]
    assert (await client.delete(url, headers=staff.auth)).status_code == 204
    assert await _bodies(client, film["id"], staff) == []


async def test_a_hidden_review_is_seen_only_by_its_author_flagged_and_by_staff(
    client, accounts, viewer, film
):
    moderator = await accounts.create("moderator")
    admin = await accounts.create("admin")
    other = await accounts.create()
    hidden = (await _review(client, film["id"], viewer, body="hidden one")).json()
    await _review(client, film["id"], other, body="visible one")
    await client.patch(f"{API}/reviews/{hidden['id']}", json={"hidden": True}, headers=moderator.auth)

    async def listing(account=None):
        headers = account.auth if account else {}
        return (await client.get(f"{API}/films/{film['id']}/reviews", headers=headers)).json()

    for account in (None, other):
        page = await listing(account)
        assert ([r["body"] for r in page["items"]], page["total"]) == (["visible one"], 1)
    mine = await listing(viewer)
    assert [(r["body"], r["hidden"]) for r in mine["items"]] == [("visible one", False), ("hidden one", True)]
    for account in (moderator, admin):
        assert (await listing(account))["total"] == 2
    # someone else's hidden review does not exist for other users, whatever they try
    url = f"{API}/reviews/{hidden['id']}"
    assert (await client.patch(url, json={"body": "x"}, headers=other.auth)).status_code == 404
    assert (await client.delete(url, headers=other.auth)).status_code == 404
    # its author still edits it; it stays hidden
    edited = await client.patch(url, json={"body": "hidden, edited"}, headers=viewer.auth)
    assert (edited.status_code, edited.json()["hidden"]) == (200, True)


async def test_a_review_with_a_score_rates_the_film(client, viewer, film):
    created = await _review(client, film["id"], viewer, body="9 of 10", score=9)
    assert created.json()["score"] == 9
    detail = (await client.get(f"{API}/films/{film['id']}")).json()
    assert (detail["rating_avg"], detail["rating_count"]) == (9, 1)
    await client.put(f"{API}/films/{film['id']}/rating", json={"score": 7}, headers=viewer.auth)
    assert [r["score"] for r in (await client.get(f"{API}/films/{film['id']}/reviews")).json()["items"]] == [
        7
    ]
    # a refused second review changes nothing, not even the rating
    assert (await _review(client, film["id"], viewer, score=1)).status_code == 409
    detail = (await client.get(f"{API}/films/{film['id']}")).json()
    assert (detail["rating_avg"], detail["rating_count"]) == (7, 1)


async def test_review_creation_is_rate_limited_per_user(client, catalog, accounts, viewer):
    films = [await catalog.film(title=f"Film {i}") for i in range(11)]
    for film in films[:10]:
        assert (await _review(client, film["id"], viewer)).status_code == 201
    refused = await _review(client, films[10]["id"], viewer)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    # deleting does not give the allowance back; other users are not affected
    first = (await client.get(f"{API}/films/{films[0]['id']}/reviews")).json()["items"][0]
    assert (await client.delete(f"{API}/reviews/{first['id']}", headers=viewer.auth)).status_code == 204
    assert (await _review(client, films[0]["id"], viewer)).status_code == 429
    assert (await _review(client, films[10]["id"], await accounts.create())).status_code == 201


async def test_the_rate_is_a_setting(client, catalog, viewer, monkeypatch):
    from cinema.core.settings import get_settings  # noqa: PLC0415

    monkeypatch.setenv("CINEMA_REVIEW_RATE_PER_HOUR", "1")
    get_settings.cache_clear()
    one, two = await catalog.film(), await catalog.film()
    assert (await _review(client, one["id"], viewer)).status_code == 201
    assert (await _review(client, two["id"], viewer)).status_code == 429


async def test_reviews_and_ratings_go_with_their_film(client, accounts, catalog, admin):
    film = await catalog.film()
    author = await accounts.create()
    await _review(client, film["id"], author, score=5)
    assert (await client.delete(f"{API}/admin/films/{film['id']}", headers=admin.auth)).status_code == 204
    async with db.engine().connect() as conn:
        counts = (
            await conn.execute(text("SELECT (SELECT count(*) FROM reviews), (SELECT count(*) FROM ratings)"))
        ).one()
    assert tuple(counts) == (0, 0)


async def test_parallel_posts_never_exceed_the_review_rate(client, catalog, viewer):
    import asyncio  # noqa: PLC0415

    films = [await catalog.film(title=f"Parallel {i}") for i in range(30)]
    responses = await asyncio.gather(*(_review(client, film["id"], viewer) for film in films))
    codes = [r.status_code for r in responses]
    assert (codes.count(201), codes.count(429)) == (10, 20), codes
    async with db.engine().connect() as conn:
        stored = (await conn.execute(text("SELECT count(*) FROM reviews"))).scalar_one()
    assert stored == 10
