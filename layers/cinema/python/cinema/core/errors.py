"""One error family: every domain error carries its HTTP status; one handler renders them."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

log = logging.getLogger("cinema.errors")


class CinemaError(Exception):
    status_code: int = 400
    detail: str = "bad request"
    headers: dict[str, str] | None = None
    # True when the request's writes must be kept although it fails (e.g. revoking a token
    # family on replay): the session dependency then commits before the error is answered.
    commit: bool = False

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


class TooManyRequests(CinemaError):
    status_code = 429
    detail = "too many attempts, try again later"

    def __init__(self, retry_after: int) -> None:
        super().__init__(headers={"Retry-After": str(max(1, int(retry_after)))})
        self.retry_after = retry_after


async def _cinema_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CinemaError)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    # The trace goes to the log with the request id; the client learns nothing about internals.
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse({"detail": "internal server error"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(CinemaError, _cinema_error)
    app.add_exception_handler(Exception, _unexpected_error)
