"""One error family: every domain error carries its HTTP status; one handler renders them.

Every 422 has FastAPI's shape, `{"detail": [{"loc", "msg", "type"}]}`, whether validation or
the application raised it, and none echoes a secret field of the request back.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

log = logging.getLogger("cinema.errors")

# Request fields whose value a validation error must never repeat (a 422 lands in logs,
# browser consoles and bug reports).
SECRET_FIELDS = frozenset(
    {"password", "new_password", "current_password", "token", "refresh_token", "access_token"}
    | {"client_secret", "secret", "pin", "stream_key", "api_key"}
)
HIDDEN = "[hidden]"


class CinemaError(Exception):
    status_code: int = 400
    detail: str = "bad request"
    headers: dict[str, str] | None = None
    # True when the request's writes must be kept although it fails (e.g. revoking a token
    # family on replay): the session dependency then commits before the error is answered.
    commit: bool = False
    # A 422 names, like FastAPI's own, where the bad value is and what kind of error it is.
    loc: tuple[str | int, ...] = ("body",)
    error_type: str = "value_error"

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None) -> None:
        if detail is not None:
            self.detail = detail
        if headers is not None:
            self.headers = headers
        super().__init__(self.detail)


class NotFound(CinemaError):
    status_code = 404
    detail = "not found"


class Conflict(CinemaError):
    status_code = 409
    detail = "conflict"


class Unauthorized(CinemaError):
    status_code = 401
    detail = "not authenticated"
    headers = {"WWW-Authenticate": "Bearer"}  # noqa: RUF012 - shared read-only default


class Forbidden(CinemaError):
    status_code = 403
    detail = "not allowed"


class Unprocessable(CinemaError):
    """A request that is well formed but breaks a rule the schema cannot state (422)."""

    status_code = 422
    detail = "unprocessable request"


class TooManyRequests(CinemaError):
    status_code = 429
    detail = "too many attempts, try again later"

    def __init__(self, retry_after: int) -> None:
        super().__init__(headers={"Retry-After": str(max(1, int(retry_after)))})
        self.retry_after = retry_after


def validation_detail(loc: tuple[str | int, ...], msg: str, error_type: str) -> list[dict[str, Any]]:
    """One error in the body shape of FastAPI's validation 422."""
    return [{"loc": list(loc), "msg": msg, "type": error_type}]


async def _cinema_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CinemaError)
    detail: Any = exc.detail
    if exc.status_code == 422:
        detail = validation_detail(exc.loc, exc.detail, exc.error_type)
    return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)


def _is_secret(name: object) -> bool:
    return isinstance(name, str) and name.lower() in SECRET_FIELDS


def _scrub(value: Any) -> Any:
    """The value with every secret field's value replaced, at any depth (and the numbers JSON
    cannot carry, such as the infinity Python reads 1e999 as, written as text)."""
    if isinstance(value, Mapping):
        return {k: HIDDEN if _is_secret(k) else _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def scrubbed_errors(errors: Any) -> list[dict[str, Any]]:
    """FastAPI's validation errors without the values of secret fields: an error about a
    secret field says what is wrong, not what was sent, and a whole-body input is masked."""
    cleaned = []
    for original in errors:
        error = dict(original)
        if "input" in error:
            loc = error.get("loc") or ()
            error["input"] = HIDDEN if any(_is_secret(part) for part in loc) else _scrub(error["input"])
        cleaned.append(error)
    return cleaned


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": jsonable_encoder(scrubbed_errors(exc.errors()))}, status_code=422)


async def _http_error(request: Request, exc: Exception) -> Any:
    """Starlette's errors (404, 405 ...) as FastAPI answers them; a 405's `Allow` lists every
    method of the resource (Starlette names only those of the first route that matched)."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:
        # The resource is the most literal path template that matches (`/upload/complete`, not
        # `/upload/{upload_id}`); its methods are those of every route with that template.
        by_template: dict[str, set[str]] = {}
        for route in iter_route_contexts(request.app.routes):
            if route.methods and route.matches(request.scope)[0] is not Match.NONE:
                by_template.setdefault(route.path_format or "", set()).update(route.methods)
        if by_template:
            resource = min(by_template, key=lambda template: template.count("{"))
            exc.headers = {**(exc.headers or {}), "Allow": ", ".join(sorted(by_template[resource]))}
    return await http_exception_handler(request, exc)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    # The trace goes to the log with the request id; the client learns nothing about internals.
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse({"detail": "internal server error"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(CinemaError, _cinema_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
