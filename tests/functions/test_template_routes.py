"""template.yaml routes to each HTTP function exactly the routes its handler serves, and the
new staff and cabinet routes answer real API Gateway events through their functions."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml  # cfn-lint's dependency
from fastapi import APIRouter
from fastapi.routing import APIRoute
from tests.functions.test_catalog_handlers import run

from cinema.core.health import router as health_router
from cinema.http_functions import HTTP_FUNCTIONS, every_router, routers
from cinema.local.app import create_app

TEMPLATE = Path(__file__).parents[2] / "template.yaml"
HANDLERS = Path(__file__).parents[2] / "functions"


class _CfnLoader(yaml.SafeLoader):
    """Reads template.yaml with CloudFormation's short tags (!Ref, !Sub ...) as plain values."""


_CfnLoader.add_multi_constructor("!", lambda loader, _tag, node: None)


def _resources() -> dict[str, Any]:
    return yaml.load(TEMPLATE.read_text(), Loader=_CfnLoader)["Resources"]  # noqa: S506


def _resource_name(function: str) -> str:
    return f"{function.replace('_', ' ').title().replace(' ', '')}Function"


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


def test_every_function_with_http_routes_is_a_listed_http_function():
    with_routes = {
        name
        for name, resource in _resources().items()
        if resource["Type"] == "AWS::Serverless::Function"
        and any(e["Type"] == "HttpApi" for e in resource["Properties"].get("Events", {}).values())
    }
    assert with_routes == {_resource_name(function) for function in HTTP_FUNCTIONS}
    serving = {
        path.parent.name for path in HANDLERS.glob("*/handler.py") if "http_handler(" in path.read_text()
    }
    assert serving == set(HTTP_FUNCTIONS)


@pytest.mark.parametrize("function", sorted(HTTP_FUNCTIONS))
def test_the_template_routes_every_route_of_the_function_and_no_other(function):
    resource = _resources()[_resource_name(function)]
    routed = {
        (e["Properties"]["Method"], _shape(e["Properties"]["Path"]))
        for e in resource["Properties"]["Events"].values()
        if e["Type"] == "HttpApi"
    }
    served = _served(routers(function))
    # every function answers the health check; API Gateway routes it to the auth function only
    expected = served | _served([health_router]) if function == "auth" else served
    assert routed == expected
    # ... and its handler serves exactly the listed routers
    source = (HANDLERS / function / "handler.py").read_text()
    assert f'http_handler("{function}", *routers("{function}"))' in source


def test_the_local_app_documents_every_route_of_every_function():
    documented = {
        (method.upper(), _shape(path))
        for path, operations in create_app().openapi()["paths"].items()
        if path.startswith("/api/v1/")
        for method in operations
    }
    assert documented == _served(every_router()) | _served([health_router])
    listed = [module for modules in HTTP_FUNCTIONS.values() for module in modules]
    assert len(listed) == len(set(listed))  # one function per router


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
