"""Films like a film: one score per pair of published films, from what is known about them and
from viewing, computed by the scheduled job (cinema.catalog.jobs, `refresh-similar`) into
film_similar, never on a request.

What counts, for a pair (the weights below; the bench, bench/similar.py, judges them):
- one title series ("Матрица" / "Матрица: Перезагрузка", "Крёстный отец" / "Крёстный отец 2",
  "Harry Potter and the ..."): the strongest sign;
- people: a shared director weighs most, then a shared writer, then each shared actor;
- genres (the share of their genres in common), a shared country, closeness of their years;
- co-viewing: the viewers who watched both, over the geometric mean of each film's viewers
  (cosine), damped while few viewers back it, so that one viewer of two rare films is no sign.

Only pairs that share something are scored (candidates from inverted indexes: series, people,
co-viewing, and each genre's films nearest in year), so the work is bounded per film: the
job is about n x (a few hundred) pair scores, not n².
"""

from __future__ import annotations

import bisect
import heapq
import math
import re
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Mapping
from typing import NamedTuple

# The most similar films kept per film: the read shows 12 of them, the published ones the
# viewer's age limit allows, so a few more are kept for the ones it hides.
KEEP = 30
SHOWN = 12

W_SERIES = 6.0
W_DIRECTOR = 3.0
W_WRITER = 1.0
W_ACTOR = 0.75  # each shared actor,
MAX_ACTORS = 3  # up to three
W_GENRES = 2.0  # x the Jaccard index of their genres
W_COUNTRY = 0.5
W_YEAR = 1.0  # x (1 - years apart / YEAR_SPAN), 0 beyond
YEAR_SPAN = 15.0
W_COVIEW = 5.0  # x cosine of their viewers x the damping below
COVIEW_DAMPING = 2.0  # co-viewers c count c / (c + 2): 1 viewer a third, 10 viewers 83 %

# Candidate generation bounds (so that a million films stay n x hundreds of pairs).
GENRE_NEIGHBOURS = 40  # per genre of a film: the films of that genre nearest in year
CROWDED_PERSON = 50  # a person in more films than this says little: not a candidate source


class FilmFacts(NamedTuple):
    """What the job knows of one published film."""

    id: uuid.UUID
    title: str
    original_title: str
    year: int
    countries: tuple[str, ...]
    genres: frozenset[uuid.UUID]
    directors: frozenset[uuid.UUID]
    writers: frozenset[uuid.UUID]
    actors: frozenset[uuid.UUID]
    popularity: int = 0


class CoViews(NamedTuple):
    """Viewing: viewers per film, and viewers per pair of films (key: the smaller id first)."""

    viewers: Mapping[uuid.UUID, int]
    pairs: Mapping[tuple[uuid.UUID, uuid.UUID], int]


NO_VIEWS = CoViews({}, {})

# ---- title series ----------------------------------------------------------------------

_ROMAN = re.compile(r"^(?=[ivx]+$)x{0,3}(ix|iv|v?i{0,3})$")
_PART_WORDS = {"part", "chapter", "episode", "часть", "глава", "эпизод", "фильм"}
_ARTICLES = {"the", "a", "an", "le", "la", "les", "el", "il", "der", "die", "das"}
_STOP = _ARTICLES | {"and", "of", "in", "и", "в", "во", "на", "с", "о"}
# what ends a series' name: "Матрица: ...", "Ирония судьбы. Продолжение", "..., или ...", " – "
_SEPARATORS = re.compile(r"\s*(?::|\.\s|\s[–—-]\s|,\s*или\s|,\s*or\s)\s*")


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text.casefold().replace("ё", "е"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.findall(r"\w+", text)


def _is_number(word: str) -> bool:
    return word.isdigit() or bool(_ROMAN.match(word))


def _head(title: str) -> tuple[str, ...]:
    """The series part of a title: before a colon (a full stop, a dash, ", или"), without a leading
    article and a trailing part number ("Терминатор 2: Судный день" -> терминатор)."""
    words = _words(_SEPARATORS.split(title, maxsplit=1)[0])
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    while len(words) > 1 and (_is_number(words[-1]) or words[-1] in _PART_WORDS):
        words = words[:-1]
    return tuple(words)


class SeriesKeys(NamedTuple):
    heads: frozenset[tuple[str, ...]]  # each title's head
    prefix: tuple[str, ...] | None  # the title's first two content words, when it has more
    original_prefix: tuple[str, ...] | None  # the same of a distinct original title


def _prefix(title: str) -> tuple[str, ...] | None:
    content = [w for w in _words(title) if w not in _STOP]
    # "Гарри Поттер и философский камень" -> гарри поттер; a two-word title is its own head
    return tuple(content[:2]) if len(content) > 2 else None


def series_keys(film: FilmFacts) -> SeriesKeys:
    heads = {_head(title) for title in {film.title, film.original_title} - {""}}
    # a bare number is no series ("1917", "12")
    heads = {h for h in heads if h and not (len(h) == 1 and _is_number(h[0]))}
    original = film.original_title if film.original_title not in ("", film.title) else None
    return SeriesKeys(frozenset(heads), _prefix(film.title), _prefix(original) if original else None)


def same_series(a: SeriesKeys, b: SeriesKeys) -> bool:
    """One head ("Матрица" / "Матрица: Перезагрузка"), or titles that open alike: in each
    language both films have ("Гарри Поттер и ..." and "Harry Potter and the ...", but not
    "Once Upon a Time in Hollywood" / "... in America": "Однажды в… Голливуде" does not)."""
    if a.heads & b.heads:
        return True
    if a.prefix is None or a.prefix != b.prefix:
        return False
    if a.original_prefix is not None or b.original_prefix is not None:
        return a.original_prefix == b.original_prefix
    return True


# ---- the score -------------------------------------------------------------------------


class _Film(NamedTuple):
    """A film as the scores read it: genres and people as small integers (a UUID's hash is
    computed in Python, and a run hashes them millions of times)."""

    year: int
    countries: frozenset[str]
    genres: frozenset[int]
    directors: frozenset[int]
    writers: frozenset[int]
    actors: frozenset[int]
    series: SeriesKeys
    popularity: int


def _compact(films: list[FilmFacts]) -> list[_Film]:
    numbers: dict[uuid.UUID, int] = {}

    def number(values: frozenset[uuid.UUID]) -> frozenset[int]:
        return frozenset(numbers.setdefault(value, len(numbers)) for value in values)

    return [
        _Film(
            film.year,
            frozenset(film.countries),
            number(film.genres),
            number(film.directors),
            number(film.writers),
            number(film.actors),
            series_keys(film),
            film.popularity,
        )
        for film in films
    ]


def metadata_score(a: _Film, b: _Film) -> float:
    score = W_SERIES if same_series(a.series, b.series) else 0.0
    if a.directors & b.directors:
        score += W_DIRECTOR
    if a.writers & b.writers:
        score += W_WRITER
    if a.actors:
        score += W_ACTOR * min(len(a.actors & b.actors), MAX_ACTORS)
    if a.genres or b.genres:
        score += W_GENRES * len(a.genres & b.genres) / len(a.genres | b.genres)
    if a.countries & b.countries:
        score += W_COUNTRY
    return score + W_YEAR * max(0.0, 1.0 - abs(a.year - b.year) / YEAR_SPAN)


def coview_score(together: int, viewers_a: int, viewers_b: int) -> float:
    if together <= 0 or viewers_a <= 0 or viewers_b <= 0:
        return 0.0
    cosine = together / math.sqrt(viewers_a * viewers_b)
    return W_COVIEW * min(cosine, 1.0) * together / (together + COVIEW_DAMPING)


def _candidates(films: list[_Film], views: dict[tuple[int, int], int]) -> list[set[int]]:
    """For each film (by position), the films it shares something with (bounded per film)."""
    found: list[set[int]] = [set() for _ in films]

    def meet(group: list[int]) -> None:
        for at in group:
            found[at].update(group)

    by_series: dict[tuple[str, ...], list[int]] = defaultdict(list)
    by_person: dict[int, list[int]] = defaultdict(list)
    by_genre: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for at, film in enumerate(films):
        for head in film.series.heads:
            by_series[("=", *head)].append(at)
        if film.series.prefix is not None:
            by_series[("^", *film.series.prefix)].append(at)
        for person in film.directors | film.writers | film.actors:
            by_person[person].append(at)
        for genre in film.genres:
            by_genre[genre].append((film.year, at))
    for group in by_series.values():
        meet(group)
    for group in by_person.values():
        if len(group) <= CROWDED_PERSON:
            meet(group)
    half = GENRE_NEIGHBOURS // 2
    for members in by_genre.values():
        members.sort()
        years = [year for year, _ in members]
        for year, at in members:
            middle = bisect.bisect_left(years, year)
            found[at].update(other for _, other in members[max(0, middle - half) : middle + half])
    for a, b in views:
        found[a].add(b)
        found[b].add(a)
    return found


def rank(
    films: list[FilmFacts], views: CoViews = NO_VIEWS, *, keep: int = KEEP
) -> dict[uuid.UUID, list[tuple[uuid.UUID, float]]]:
    """For each film, its `keep` most similar films, best first: (id, score), ties broken by
    the more popular film, then by id (the answer does not change from run to run)."""
    films = sorted(films, key=lambda film: film.id)
    position = {film.id: at for at, film in enumerate(films)}
    compact = _compact(films)
    viewers = [views.viewers.get(film.id, 0) for film in films]
    together: dict[tuple[int, int], int] = {}
    for (a, b), count in views.pairs.items():
        if a in position and b in position:
            x, y = position[a], position[b]
            together[(x, y) if x < y else (y, x)] = count
    candidates = _candidates(compact, together)
    # Each pair is scored once, into both films' bounded heaps of (score, popularity, -position):
    # the smallest, the one to drop, on top.
    best: list[list[tuple[float, int, int]]] = [[] for _ in compact]

    def offer(heap: list[tuple[float, int, int]], item: tuple[float, int, int]) -> None:
        if len(heap) < keep:
            heapq.heappush(heap, item)
        elif item > heap[0]:
            heapq.heapreplace(heap, item)

    for at, film in enumerate(compact):
        for other in candidates[at]:
            if other == at or (other < at and at in candidates[other]):
                continue  # itself, or a pair already scored from the other end
            score = metadata_score(film, compact[other])
            pair = (at, other) if at < other else (other, at)
            if pair in together:
                score += coview_score(together[pair], viewers[at], viewers[other])
            if score > 0:
                offer(best[at], (score, compact[other].popularity, -other))
                offer(best[other], (score, film.popularity, -at))
    return {
        films[at].id: [(films[-minus].id, round(score, 4)) for score, _, minus in sorted(heap, reverse=True)]
        for at, heap in enumerate(best)
    }
