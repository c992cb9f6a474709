"""Values in request bodies, read the way the OpenAPI document types them.

JSON has one number type: `7` and `7.0` are the same integer, while `true`, `7.5` and `"7"` are
no integers at all; and a `date-time` is a string. Pydantic's lax mode also takes `true` and
`"7"` for an int and a number of seconds for a datetime, its strict int refuses `7.0`. These
take exactly what the document says (schemathesis checks both ways: tests/core/openapi_fuzz.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Field


def _integral(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def whole_number(**constraints: Any) -> Any:
    """`Annotated[int, ...]` for a body field: `whole_number(ge=1, le=10, description=...)`."""
    # The bounds sit on the integer itself (before the validator), so the document shows them.
    return Annotated[int, Field(strict=True, **constraints), BeforeValidator(_integral)]


def _date_time_text(value: Any) -> Any:
    if isinstance(value, int | float):  # a bool too: no number is a date-time string
        raise ValueError("a date-time is an ISO 8601 string, e.g. 2030-01-31T20:00:00Z")
    return value


DateTime = Annotated[datetime, BeforeValidator(_date_time_text)]
