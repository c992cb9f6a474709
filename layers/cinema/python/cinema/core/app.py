"""Builds a FastAPI app from routers: the same assembly for one Lambda and for the local server."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from cinema.core import health
from cinema.core.body_limit import BodyLimitMiddleware
from cinema.core.db import RetryDroppedConnection
from cinema.core.errors import install_error_handlers
from cinema.core.hot_dispatch import HotDispatch
from cinema.core.middleware import RequestContextMiddleware
from cinema.core.openapi import document_errors
from cinema.core.settings import Shape, get_settings

API_PREFIX = "/api/v1"


def build_app(*routers: APIRouter, title: str = "Cinema API", docs: bool = False) -> FastAPI:
    """`docs` adds FastAPI's CDN-based /docs page; the local server mounts its own offline one."""
    settings = get_settings()
    app = FastAPI(
        title=title,
        version="1",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url="/docs" if docs else None,
        redoc_url=None,
    )
    every = (health.router, *routers)
    hot = HotDispatch.of(every, API_PREFIX)
    if hot.entries:  # first in the table: the busiest routes, without FastAPI's nested dispatch
        app.router.routes.append(hot)
    for router in every:
        app.include_router(router, prefix=API_PREFIX)
    install_error_handlers(app)
    _document_errors_on_first_use(app)
    # Innermost: a request run again after its database connection dropped is only the route.
    app.add_middleware(RetryDroppedConnection)
    # Next: its 413 still gets the CORS, security and request id headers.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=True,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=[
            "Authorization",
            "Content-Type",
            "X-Request-ID",
            "Range",
            "X-Profile-Id",
            "X-Profile-Pin",
        ],
        expose_headers=[
            "X-Request-ID",
            "Retry-After",
            "Content-Range",
            "Content-Length",
            "Accept-Ranges",
            "ETag",
        ],
        max_age=600,
    )
    app.add_middleware(
        RequestContextMiddleware,
        hsts=settings.shape is Shape.aws,
        # API Gateway already writes an access log in AWS; one line per request is enough.
        access_log=settings.shape is not Shape.aws,
    )
    return app


def _document_errors_on_first_use(app: FastAPI) -> None:
    """The error answers of every route are documented when the document is built, so that
    routes added after `build_app` (the local server's) are documented too."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        return document_errors(build(), app.routes)  # idempotent: FastAPI caches the document

    app.openapi = openapi  # type: ignore[method-assign]
