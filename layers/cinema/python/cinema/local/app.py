"""The one-machine app: every module's routers in one process, plus the local-only routes."""

from __future__ import annotations

from fastapi import FastAPI

from cinema.auth.router import router as auth_router
from cinema.auth.users_router import router as users_router
from cinema.catalog.admin_router import router as catalog_admin_router
from cinema.catalog.router import router as catalog_router
from cinema.core.app import build_app
from cinema.local.docs import mount_docs
from cinema.local.outbox_router import router as outbox_router
from cinema.media.admin_router import router as media_admin_router
from cinema.media.playback_router import router as playback_router


def create_app() -> FastAPI:
    app = build_app(
        auth_router,
        users_router,
        catalog_router,
        catalog_admin_router,
        media_admin_router,
        playback_router,
        title="Cinema API (local)",
        docs=False,
    )
    mount_docs(app)
    # Local-only routes sit outside /api/v1: they are not part of the contract.
    app.include_router(outbox_router)
    return app
