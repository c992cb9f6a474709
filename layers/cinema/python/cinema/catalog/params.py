"""The query parameters of a film list, shared by the public catalog and the staff's list (the
admin function serves the latter without importing the public routes)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from cinema.catalog import sorts
from cinema.core.text import LINE_PATTERN

SortParam = Annotated[
    str | None,
    Query(
        pattern=sorts.PATTERN,
        description=f"{sorts.NAMES}; a leading `-` sorts descending. "
        "Default: relevance when `q` is given, else `-popular` (most watched first).",
    ),
]
SearchParam = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        pattern=LINE_PATTERN,
        description="full-text search over titles, people and descriptions (ru/en), typo-tolerant",
    ),
]
