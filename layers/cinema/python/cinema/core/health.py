"""GET /health: is the database answering, is the cache."""

import logging
from collections.abc import Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from cinema.core import cache, db

router = APIRouter(tags=["health"])
log = logging.getLogger("cinema.health")

# Extra components a shape adds to the answer (the local stack: "live" -> "ok"|"unavailable").
_extra: dict[str, Callable[[], str]] = {}


def register(name: str, check: Callable[[], str] | None) -> None:
    """Adds (or with None removes) a component: a quick, non-blocking check answering its state."""
    if check is None:
        _extra.pop(name, None)
    else:
        _extra[name] = check


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
    body |= {name: check() for name, check in _extra.items()}
    return JSONResponse(body, status_code=200 if database == "ok" else 503)
