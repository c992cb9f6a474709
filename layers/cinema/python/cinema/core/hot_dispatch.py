"""The busiest routes matched before FastAPI's included routers.

FastAPI (0.165) keeps each included router behind a wrapper that matches a request twice (once
to choose the router, once inside it to choose the route) and sets and restores scope keys
around every candidate it tries: for a heartbeat that was ~20 us of CPU in ~300 (bench/README.md,
bench/playback.py). A route that declares `dispatch_first` (cinema.media.hot_routes.HotRoute:
/play and the heartbeat, every viewer every 10-15 s) is also listed here, at the head of the
app's table, under its full path: one regular expression, then the route's own handler, as
FastAPI calls it once it has chosen the route. Whatever does not match here (another path,
another method) goes on to FastAPI's routing unchanged, its 404s and 405s included. The route
stays in its router too: the OpenAPI document, `url_path_for` and the 405 answers are FastAPI's.

`FirstRoute` puts an ordinary route there: the catalog's cached reads (a film page, the popular
list), which answer from memory in ~100 us and paid the same ~20 us. Being first must not change
which route answers, so `HotDispatch.of` refuses a route that a route declared before it (not
itself first) could answer: FastAPI would have chosen that one.
"""

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match, NoMatchFound, compile_path, get_route_path
from starlette.types import Receive, Scope, Send


class HotDispatch(BaseRoute):
    def __init__(self, entries: list[tuple[re.Pattern[str], dict[str, Any], APIRoute]]) -> None:
        self.entries = entries  # (the full path's regex, its convertors, the route), in order

    @classmethod
    def of(cls, routers: Iterable[APIRouter], prefix: str) -> "HotDispatch":
        """The routes of `routers` (all of the app's, in the order it includes them) that declare
        `dispatch_first`, under `prefix`."""
        entries: list[tuple[re.Pattern[str], dict[str, Any], APIRoute]] = []
        before: list[tuple[APIRoute, str]] = []  # each with a path it answers
        for router in routers:
            for route in router.routes:
                if not isinstance(route, APIRoute):
                    continue
                if not getattr(route, "dispatch_first", False):
                    before.append((route, _example(prefix + route.path_format)))
                    continue
                regex, _, convertors = compile_path(prefix + route.path)
                for other, example in before:
                    if other.methods & route.methods and regex.match(example):
                        raise ValueError(
                            f"{route.path} cannot be first: {other.path}, declared before it, answers it"
                        )
                entries.append((regex, convertors, route))
        return cls(entries)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        path, method = get_route_path(scope), scope["method"]
        for regex, convertors, route in self.entries:
            found = regex.match(path)
            if found is not None and method in route.methods:
                params = {name: convertors[name].convert(value) for name, value in found.groupdict().items()}
                return Match.FULL, {
                    "endpoint": route.endpoint,
                    "path_params": {**scope.get("path_params", {}), **params},
                    "route": route,
                }
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await scope["route"].app(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        raise NoMatchFound(name, path_params)  # the routes answer it in their own routers


def _example(path_format: str) -> str:
    """A path that `path_format`'s route answers: each parameter one segment."""
    return re.sub(r"{[^}]+}", "0", path_format)


class FirstRoute(APIRoute):
    """An ordinary route, matched at the head of the app's table (HotDispatch). Only for a route
    with no dependency to solve: its handler is called as its router built it, which is also
    how FastAPI calls it, but `app.dependency_overrides` would not reach it on this path."""

    dispatch_first = True

    def __init__(self, path: str, endpoint: Any, **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        if self.dependant.dependencies:
            raise TypeError(f"{path}: a FirstRoute has no dependencies")


Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def get_first(router: APIRouter, path: str, **kwargs: Any) -> Callable[[Endpoint], Endpoint]:
    """`@router.get(path, **kwargs)`, declared as a FirstRoute."""

    def declare(endpoint: Endpoint) -> Endpoint:
        router.add_api_route(path, endpoint, methods=["GET"], route_class_override=FirstRoute, **kwargs)
        return endpoint

    return declare
