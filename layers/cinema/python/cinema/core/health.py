"""GET /health: is the database answering, is the cache."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from cinema.core import cache, db

router = APIRouter(tags=["health"])
log = logging.getLogger("cinema.health")


@router.get("/health", summary="Liveness of the API, the database and the cache")
async def health() -> JSONResponse:
    database = "ok"
    try:
        async with db.engine().connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:  # a health check reports, it does not raise
        log.exception("database health check failed")
        database = "down"
    cache_state = "ok" if await cache.ping() else "degraded"
    body = {"status": "ok" if database == "ok" else "down", "database": database, "cache": cache_state}
    return JSONResponse(body, status_code=200 if database == "ok" else 503)
