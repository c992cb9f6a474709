"""Full-text plus trigram search over films: the match condition and the relevance score.

Full text (simple + russian + english configurations over normalised text) handles words,
stems and case/accent/ё; pg_trgm similarity on the normalised titles handles typos. Both
are served by GIN indexes; there is no `%q%` scan anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Float, case, func, literal, literal_column, or_, text
from sqlalchemy.ext.asyncio import AsyncSession

from cinema.catalog.models import Film

_trigram_available: bool | None = None


async def trigram_available(db: AsyncSession) -> bool:
    """Whether pg_trgm is installed in this database (checked once per process)."""
    global _trigram_available  # noqa: PLW0603 - a fact about the server, fixed for the process
    if _trigram_available is None:
        found = await db.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"))
        _trigram_available = found.first() is not None
    return _trigram_available


@dataclass(frozen=True)
class SearchTerms:
    match: ColumnElement[bool]
    score: ColumnElement[float]


def terms(q: str, *, trigram: bool) -> SearchTerms:
    qn = func.cinema_norm(literal(q))
    tsq = (
        func.websearch_to_tsquery(literal_column("'simple'::regconfig"), qn)
        .op("||")(func.websearch_to_tsquery(literal_column("'russian'::regconfig"), qn))
        .op("||")(func.websearch_to_tsquery(literal_column("'english'::regconfig"), qn))
    )
    full_text = Film.search_vector.op("@@")(tsq)
    exact = case((or_(Film.title_norm == qn, Film.original_title_norm == qn), 10.0), else_=0.0)
    rank = func.ts_rank(Film.search_vector, tsq)
    if not trigram:
        return SearchTerms(match=full_text, score=(exact + rank).cast(Float))
    match = or_(
        full_text,
        Film.title_norm.op("%")(qn),
        Film.original_title_norm.op("%")(qn),
        qn.op("<%")(Film.title_norm),
        qn.op("<%")(Film.original_title_norm),
    )
    # How well the query matches a word run inside a title, then how close it is to the
    # whole title: of "The Matrix" and "The Matrix Reloaded", "matrx" is nearer the first.
    closeness = 0.6 * func.greatest(
        func.word_similarity(qn, Film.title_norm), func.word_similarity(qn, Film.original_title_norm)
    ) + 0.4 * func.greatest(
        func.similarity(Film.title_norm, qn), func.similarity(Film.original_title_norm, qn)
    )
    return SearchTerms(match=match, score=(exact + rank + closeness).cast(Float))
