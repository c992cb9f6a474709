"""A router's routes as FastAPI's general APIRoute handles them: the reference that the routes
matched first (cinema.core.hot_dispatch) and read by hand (cinema.media.hot_routes) are compared
with, request by request."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.routing import APIRoute


def plain_copy(router: APIRouter) -> APIRouter:
    """The same endpoints, declarations and order, each one a plain APIRoute."""
    copy = APIRouter(prefix=router.prefix, tags=router.tags)
    for route in router.routes:
        assert isinstance(route, APIRoute)
        copy.add_api_route(
            route.path.removeprefix(router.prefix),
            route.endpoint,
            methods=sorted(route.methods),
            status_code=route.status_code,
            response_model=route.response_model,
            responses=route.responses,
            summary=route.summary,
            openapi_extra=route.openapi_extra,
            route_class_override=APIRoute,
        )
    return copy
