"""Search over films: the match condition and the relevance score, tried in three steps.

1. `corrected`: every word of the query must match (title, people, characters, description;
   simple + russian + english configurations over normalised text: words, stems, case,
   accents, ё), where a word missing from the vocabulary of titles and names also matches
   the vocabulary words one edit away, and the last word, unless it is a whole vocabulary
   word, also matches as a prefix while it is being typed (`cinema_search_query`, migration
   0006). A GIN full-text match.
2. `lenient`: the same, leaving out words that match no vocabulary word at all.
3. `similar`: the query as typed, full text or (with pg_trgm) titles similar to it.

The first step that finds anything answers. Ranking: an exact title first, then ts_rank over
titles and people (a match in the description alone adds nothing there) plus (with pg_trgm)
closeness to the title. There is no `%q%` scan anywhere.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from sqlalchemy import ColumnElement, Float, case, func, literal, literal_column, or_, select, text
from sqlalchemy.dialects.postgresql import TSQUERY
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


class Step(StrEnum):
    corrected = "corrected"
    lenient = "lenient"
    similar = "similar"


STEPS = tuple(Step)


# A NamedTuple: a dataclass compiles its methods when declared, a millisecond of each cold start.
class SearchTerms(NamedTuple):
    match: ColumnElement[bool]
    score: ColumnElement[float]


def _closeness(qn: ColumnElement[str]) -> ColumnElement[float]:
    """How well the query matches a word run inside a title, then how close it is to the
    whole title: of "The Matrix" and "The Matrix Reloaded", "matrx" is nearer the first."""
    return 0.6 * func.greatest(
        func.word_similarity(qn, Film.title_norm), func.word_similarity(qn, Film.original_title_norm)
    ) + 0.4 * func.greatest(
        func.similarity(Film.title_norm, qn), func.similarity(Film.original_title_norm, qn)
    )


def _exact(qn: ColumnElement[str]) -> ColumnElement[float]:
    return case((or_(Film.title_norm == qn, Film.original_title_norm == qn), 10.0), else_=0.0)


def terms(q: str, step: Step, *, trigram: bool) -> SearchTerms:
    qn = func.cinema_norm(literal(q))
    if step is Step.similar:
        tsq = (
            func.websearch_to_tsquery(literal_column("'simple'::regconfig"), qn)
            .op("||")(func.websearch_to_tsquery(literal_column("'russian'::regconfig"), qn))
            .op("||")(func.websearch_to_tsquery(literal_column("'english'::regconfig"), qn))
        )
    else:  # computed once per statement (a CTE read by the match and the rank), a GIN index condition
        lenient = literal(step is Step.lenient)
        query = select(func.cinema_search_query(literal(q), lenient, type_=TSQUERY).label("tsq")).cte(
            "search_query"
        )
        tsq = select(query.c.tsq).scalar_subquery()
    full_text = Film.search_vector.op("@@")(tsq)
    score = _exact(qn) + func.ts_rank(Film.rank_vector, tsq)  # titles and people; 0 for the rest
    if not trigram:
        return SearchTerms(match=full_text, score=score.cast(Float))
    if step is not Step.similar:
        # Every word matched already: closeness of the whole title is enough to put the
        # intended one first. Only matches in titles or people are scored; a match in the
        # description alone scores 0 (ts_rank over titles and people would be 0 anyway),
        # so ranking costs little however many descriptions mention the words.
        title = func.greatest(
            func.similarity(Film.title_norm, qn), func.similarity(Film.original_title_norm, qn)
        )
        in_head = Film.rank_vector.op("@@")(tsq)
        return SearchTerms(match=full_text, score=case((in_head, score + title), else_=0.0).cast(Float))
    score = score + _closeness(qn)
    match = or_(
        full_text,
        Film.title_norm.op("%")(qn),
        Film.original_title_norm.op("%")(qn),
        qn.op("<%")(Film.title_norm),
        qn.op("<%")(Film.original_title_norm),
    )
    return SearchTerms(match=match, score=score.cast(Float))
