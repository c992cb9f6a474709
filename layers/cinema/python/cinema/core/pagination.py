"""Keyset (cursor) pagination: stable under inserts, no OFFSET scans."""

import base64
import binascii
import json
import math
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query, Request
from fastapi.exceptions import RequestValidationError

from cinema.core.errors import Unprocessable
from cinema.core.openapi import errors
from cinema.core.schemas import ApiModel

T = TypeVar("T")
R = TypeVar("R")
C = TypeVar("C")


class InvalidCursor(Unprocessable):
    detail = "invalid cursor"
    loc = ("query", "cursor")
    error_type = "cursor_invalid"


class Page(ApiModel, Generic[T]):
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
    ],
    "responses": {str(code): entry for code, entry in errors(422).items()},
}


def limit_of(request: Request) -> int:
    """`limit` from the query string, checked as `Limit` is, with the same 422 body."""
    given = request.query_params.getlist("limit")
    if not given:
        return LIMIT_DEFAULT
    raw = given[-1]
    digits = raw[1:] if raw[:1] in ("+", "-") else raw
    if not (digits.isascii() and digits.isdigit()):
        value = None  # int() would also read "٣" or " 7", and refuse 5,000 digits with a ValueError
    elif len(digits) > 9:
        value = -1 if raw.startswith("-") else LIMIT_MAX + 1  # far out of range either way
    else:
        value = int(raw)
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


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a cursor value")  # NaN, Infinity: JSON has no such numbers


def decode_cursor(cursor: str, size: int) -> list[Any]:
    """The `size` values a cursor carries. Cursors come back from clients: every value is
    checked again by whoever uses it (`cursor_int`, `cursor_float`, `cursor_text` ...)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()), parse_constant=_no_constant)
    except (ValueError, TypeError, binascii.Error, RecursionError) as exc:
        raise InvalidCursor() from exc
    if not isinstance(values, list) or len(values) != size:
        raise InvalidCursor()
    return values


INT32 = 2**31 - 1
INT64 = 2**63 - 1


def cursor_int(value: Any, *, bound: int = INT32) -> int:
    """An integer cursor value that its column can hold (a bool is no integer here)."""
    if isinstance(value, bool) or not isinstance(value, int) or not -bound - 1 <= value <= bound:
        raise InvalidCursor()
    return value


def cursor_float(value: Any, *, bound: float = 1e12) -> float:
    """A finite number of sane size (a float cursor orders a rating or a relevance score)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidCursor()
    number = float(value)
    if not math.isfinite(number) or abs(number) > bound:
        raise InvalidCursor()
    return number


def cursor_text(value: Any, *, max_length: int = 300) -> str:
    """A text cursor value: bounded, no control characters (it goes into a comparison)."""
    if (
        not isinstance(value, str)
        or len(value) > max_length
        or any(ord(c) < 32 or c == "\x7f" for c in value)
    ):
        raise InvalidCursor()
    return value


def cursor_uuid(value: Any) -> uuid.UUID:
    if not isinstance(value, str):
        raise InvalidCursor()
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidCursor() from None


def cursor_time(value: Any) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise InvalidCursor()
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise InvalidCursor() from None


def encode_time_cursor(at: datetime, row_id: uuid.UUID) -> str:
    """The cursor of a list in (time, id) order: created_at, updated_at, ..."""
    return encode_cursor(at.isoformat(), row_id)


def decode_time_cursor(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    """The (time, id) a `encode_time_cursor` cursor carries; None for no cursor, 422 for a bad one."""
    if not cursor:
        return None
    at, row_id = decode_cursor(cursor, 2)
    return cursor_time(at), cursor_uuid(row_id)


def page_of(rows: Sequence[R], limit: int, cursor_of: Callable[[R], C]) -> tuple[Sequence[R], C | None]:
    """The page a keyset query read `limit + 1` rows for (one more tells there is a next
    page): its first `limit` rows, and `cursor_of` the last of them when there is a next page,
    else None."""
    kept = rows[:limit]
    return kept, cursor_of(kept[-1]) if len(rows) > limit else None
