"""The reviews and account Lambdas answer real HTTP API v2 events, in one fresh process."""

from __future__ import annotations

from tests.functions.test_catalog_handlers import run


async def test_reviews_and_account_functions(catalog, viewer):
    film = await catalog.film(title="Лямбда-рецензия", age_rating="16+")
    reviews_fn, account_fn = "functions/reviews/handler.py", "functions/account/handler.py"
    reviews = f"/api/v1/films/{film['id']}/reviews"
    results = run(
        [
            {
                "handler": reviews_fn,
                "method": "POST",
                "path": reviews,
                "body": {"body": "<b>plain</b>", "score": 8},
                "token": viewer.access_token,
            },
            {"handler": reviews_fn, "method": "GET", "path": reviews},
            {"handler": reviews_fn, "method": "POST", "path": reviews, "body": {"body": "anonymous"}},
            {
                "handler": reviews_fn,
                "method": "PUT",
                "path": f"/api/v1/films/{film['id']}/rating",
                "body": {"score": 6},
                "token": viewer.access_token,
            },
            {
                "handler": account_fn,
                "method": "PUT",
                "path": f"/api/v1/me/favorites/{film['id']}",
                "token": viewer.access_token,
            },
            {
                "handler": account_fn,
                "method": "GET",
                "path": "/api/v1/me/favorites",
                "token": viewer.access_token,
            },
            {"handler": account_fn, "method": "GET", "path": "/api/v1/me/history"},
            {
                "handler": account_fn,
                "method": "POST",
                "path": "/api/v1/me/profiles",
                "body": {"name": "Малыш", "is_kids": True},
                "token": viewer.access_token,
            },
            {
                "handler": account_fn,
                "method": "GET",
                "path": "/api/v1/me/favorites",
                "token": viewer.access_token,
                "profile": "{r[7][id]}",
            },
            {
                "handler": account_fn,
                "method": "GET",
                "path": f"/api/v1/me/films/{film['id']}",
                "token": viewer.access_token,
                "profile": "{r[7][id]}",
            },
            {
                "handler": account_fn,
                "method": "GET",
                "path": "/api/v1/me/profiles",
                "token": viewer.access_token,
            },
        ]
    )
    assert [r["http_status"] for r in results] == [201, 200, 401, 200, 204, 200, 401, 201, 200, 403, 200]
    assert [r["body"] for r in results[1]["items"]] == ["<b>plain</b>"]
    assert (results[3]["rating_avg"], results[3]["rating_count"]) == (6, 1)
    assert [f["film"]["title"] for f in results[5]["items"]] == ["Лямбда-рецензия"]
    assert (results[7]["max_age_rating"], results[8]["total"]) == ("6+", 0)  # the kid's own, empty favorites
    assert [p["name"] for p in results[10]["items"]][1:] == ["Малыш"]
