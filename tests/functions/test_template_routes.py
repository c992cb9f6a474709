"""template.yaml routes to each HTTP function exactly the routes its handler serves, and the
new staff and cabinet routes answer real API Gateway events through their functions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml  # cfn-lint's dependency
from fastapi import APIRouter
from fastapi.routing import APIRoute
from tests.functions.test_catalog_handlers import run

from cinema.account.router import router as account_router
from cinema.auth.router import router as auth_router
from cinema.auth.users_router import router as users_router
from cinema.catalog.admin_router import router as catalog_admin_router
from cinema.catalog.router import router as catalog_router
from cinema.catalog.stats_router import router as stats_router
from cinema.core.health import router as health_router
from cinema.live.router import router as live_router
from cinema.media.admin_router import router as media_admin_router
from cinema.media.playback_router import router as playback_router
from cinema.payments.account_router import router as payments_account_router
from cinema.payments.router import router as payments_router
from cinema.reviews.router import router as reviews_router

TEMPLATE = Path(__file__).parents[2] / "template.yaml"
HANDLERS = Path(__file__).parents[2] / "functions"


class _CfnLoader(yaml.SafeLoader):
    """Reads template.yaml with CloudFormation's short tags (!Ref, !Sub ...) as plain values."""


_CfnLoader.add_multi_constructor("!", lambda loader, _tag, node: None)

# Every HTTP function with the routers its handler passes to http_handler (the health check is
# served by each, routed to the auth function only).
FUNCTIONS = {
    "AuthFunction": ("auth", [auth_router, users_router, health_router]),
    "CatalogFunction": ("catalog", [catalog_router]),
    "AdminFunction": ("admin", [catalog_admin_router, stats_router, media_admin_router]),
    "StreamingFunction": ("streaming", [playback_router, live_router]),
    "ReviewsFunction": ("reviews", [reviews_router]),
    "AccountFunction": ("account", [account_router]),
    "PaymentsFunction": ("payments", [payments_router, payments_account_router]),
}


def _shape(path: str) -> str:
    return re.sub(r"\{\w+(?::\w+)?\}", "{}", path)  # Starlette convertors ({id:uuid}) too


def _served(routers: list[APIRouter]) -> set[tuple[str, str]]:
    return {
        (method, _shape("/api/v1" + route.path))
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_the_template_routes_every_route_of_the_function_and_no_other(function):
    name, routers = FUNCTIONS[function]
    resource = yaml.load(TEMPLATE.read_text(), Loader=_CfnLoader)["Resources"][function]  # noqa: S506
    routed = {
        (e["Properties"]["Method"], _shape(e["Properties"]["Path"]))
        for e in resource["Properties"]["Events"].values()
        if e["Type"] == "HttpApi"
    }
    expected = _served(routers)
    if function != "AuthFunction":
        expected -= _served([health_router])
    assert routed == expected
    # ... which are the routers the function's handler passes to http_handler
    source = (HANDLERS / name / "handler.py").read_text()
    for router in routers:
        if router is not health_router:
            module = next(r.endpoint.__module__ for r in router.routes if isinstance(r, APIRoute))
            assert f"from {module} import router" in source, (name, module)


async def test_staff_and_cabinet_routes_answer_through_their_functions(catalog, admin, viewer, accounts):
    film = await catalog.film(title="Через лямбду", access="free")
    moderator = await accounts.create("moderator")
    results = run(
        [
            {
                "handler": "functions/admin/handler.py",
                "method": "GET",
                "path": "/api/v1/admin/stats",
                "query": "days=3",
                "token": admin.access_token,
            },
            {
                "handler": "functions/admin/handler.py",
                "method": "GET",
                "path": "/api/v1/admin/films",
                "query": "status=published",
                "token": admin.access_token,
            },
            {
                "handler": "functions/admin/handler.py",
                "method": "GET",
                "path": f"/api/v1/admin/films/{film['id']}",
                "token": admin.access_token,
            },
            {
                "handler": "functions/reviews/handler.py",
                "method": "GET",
                "path": "/api/v1/admin/reviews",
                "token": moderator.access_token,
            },
            {
                "handler": "functions/account/handler.py",
                "method": "GET",
                "path": f"/api/v1/me/films/{film['id']}",
                "token": viewer.access_token,
            },
            {
                "handler": "functions/admin/handler.py",
                "method": "GET",
                "path": "/api/v1/admin/stats",
                "token": viewer.access_token,
            },
        ]
    )
    assert [r["http_status"] for r in results] == [200, 200, 200, 200, 200, 403]
    assert len(results[0]["views_per_day"]) == 3
    assert [f["title"] for f in results[1]["items"]] == ["Через лямбду"]
    assert results[2]["title"] == "Через лямбду"
    assert results[3]["items"] == []
    assert (results[4]["film_id"], results[4]["can_watch"]) == (film["id"], True)
