"""The sorts of a film list, defined once: each name, the column it orders by (ties broken by
id), what its cursor value must be to be compared with that column, and how the value travels
in the cursor. The query parameter's validation (params.py), the repository's ORDER BY and the
cursors (pages.py) all read this table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement

from cinema.catalog.models import Film
from cinema.core.pagination import cursor_float, cursor_int, cursor_text, cursor_time


# A NamedTuple: a dataclass compiles its methods when declared, a millisecond of each cold start.
class Sort(NamedTuple):
    column: ColumnElement[Any]
    decode: Callable[[Any], Any]  # a cursor value from a client, checked for the column (422 else)
    encode: Callable[[Any], Any]  # the column's value as the cursor carries it (JSON)


def _same(value: Any) -> Any:
    return value


def _iso(value: datetime) -> str:
    return value.isoformat()


# films.popularity is an integer, films.year a smallint, films.rating_avg a numeric (a float in
# the cursor), films.listed_at a timestamp (ISO 8601 in the cursor).
SORTS: dict[str, Sort] = {
    "popular": Sort(Film.popularity, cursor_int, _same),
    "rating": Sort(Film.rating_avg, cursor_float, float),
    "year": Sort(Film.year, lambda value: cursor_int(value, bound=2**15 - 1), _same),
    "title": Sort(Film.title_norm, lambda value: cursor_text(value, max_length=1000), _same),
    "new": Sort(Film.listed_at, cursor_time, _iso),
}

# A search without an explicit sort orders by relevance: a finite score, best first.
RELEVANCE_DECODE = cursor_float
RELEVANCE_ENCODE = float

# The `sort` query parameter: a name, with a leading `-` for descending.
PATTERN = rf"^-?({'|'.join(SORTS)})$"
NAMES = " | ".join(SORTS)


def parse(sort: str | None) -> tuple[str | None, bool]:
    """(name, descending) of a validated `sort` parameter; (None, False) when there is none."""
    if not sort:
        return None, False
    return sort.lstrip("-"), sort.startswith("-")
