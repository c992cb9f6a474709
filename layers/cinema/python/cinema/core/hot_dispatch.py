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
"""

from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match, NoMatchFound, compile_path, get_route_path
from starlette.types import Receive, Scope, Send


class HotDispatch(BaseRoute):
    def __init__(self, routes: Iterable[tuple[str, APIRoute]]) -> None:
        self.entries: list[tuple[Any, dict[str, Any], APIRoute]] = []
        for prefix, route in routes:
            regex, _, convertors = compile_path(prefix + route.path)
            self.entries.append((regex, convertors, route))

    @classmethod
    def of(cls, routers: Iterable[APIRouter], prefix: str) -> "HotDispatch":
        """The routes of `routers` that declare `dispatch_first`, under `prefix`."""
        return cls(
            (prefix, route)
            for router in routers
            for route in router.routes
            if isinstance(route, APIRoute) and getattr(route, "dispatch_first", False)
        )

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
