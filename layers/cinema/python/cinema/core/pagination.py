"""Keyset (cursor) pagination: stable under inserts, no OFFSET scans."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel

from cinema.core.errors import CinemaError

T = TypeVar("T")


class InvalidCursor(CinemaError):
    status_code = 422
    detail = "invalid cursor"


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    next_cursor: str | None = None


LIMIT_MAX = 100
LIMIT_DEFAULT = 20
Limit = Annotated[int, Query(ge=1, le=LIMIT_MAX, description="page size")]
# `Limit` for a hot route that reads it with `limit_of` instead of FastAPI's parameter machinery.
LIMIT_OPENAPI = {
    "parameters": [
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "description": "page size",
            "schema": {"type": "integer", "minimum": 1, "maximum": LIMIT_MAX, "default": LIMIT_DEFAULT},
        }
    ]
}


def limit_of(request: Request) -> int:
    """`limit` from the query string, checked as `Limit` is, with the same 422 body."""
    given = request.query_params.getlist("limit")
    if not given:
        return LIMIT_DEFAULT
    raw = given[-1]
    value = int(raw) if raw.strip().lstrip("+-").isdigit() else None
    if value is None:
        error = {
            "type": "int_parsing",
            "msg": "Input should be a valid integer, unable to parse string as an integer",
        }
    elif value < 1:
        error = {
            "type": "greater_than_equal",
            "msg": "Input should be greater than or equal to 1",
            "ctx": {"ge": 1},
        }
    elif value > LIMIT_MAX:
        error = {
            "type": "less_than_equal",
            "msg": f"Input should be less than or equal to {LIMIT_MAX}",
            "ctx": {"le": LIMIT_MAX},
        }
    else:
        return value
    raise RequestValidationError([{**error, "loc": ("query", "limit"), "input": raw}])


Cursor = Annotated[str | None, Query(max_length=512, description="next_cursor of the previous page")]


def encode_cursor(*values: Any) -> str:
    raw = json.dumps([v if isinstance(v, int | float | str) or v is None else str(v) for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError) as exc:
        raise InvalidCursor() from exc
    if not isinstance(values, list) or len(values) != size:
        raise InvalidCursor()
    return values


def encode_time_cursor(at: datetime, row_id: uuid.UUID) -> str:
    """The cursor of a list in (time, id) order: created_at, updated_at, ..."""
    return encode_cursor(at.isoformat(), row_id)


def decode_time_cursor(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    """The (time, id) a `encode_time_cursor` cursor carries; None for no cursor, 422 for a bad one."""
    if not cursor:
        return None
    at, row_id = decode_cursor(cursor, 2)
    try:
        return datetime.fromisoformat(str(at)), uuid.UUID(str(row_id))
    except (TypeError, ValueError):
        raise InvalidCursor() from None
