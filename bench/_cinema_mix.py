"""The traffic of bench/load.py: what a cinema's visitors ask for, at their shares (MIX), as
pre-built HTTP/1.1 requests for the open-loop client (bench/_open_loop.py).

    traffic = Traffic(port, catalog, tokens, seed=14)
    traffic.set_rate(100, heartbeat_s=15)
    request = traffic.make()   # one request of the mix, drawn by its share
"""

from __future__ import annotations

import itertools
import json
import random
import re
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from _open_loop import Request
from login_storm import _raw_login  # bench/ is on sys.path: these run as scripts
from search import cyrillic, typo

API = "/api/v1"
SIGNED_IN = 0.5  # share of the reads that carry a viewer's token
PAGE = 24  # the web app's catalog page
NEXT_CURSOR = re.compile(rb'"next_cursor": ?"([^"]+)"')

# (category, share %, what it sends)
MIX: tuple[tuple[str, int, str], ...] = (
    (
        "browse",
        30,
        "GET /films with filters (genres, years, rating, country, sort), 24 a page; "
        "a third of them the next page, by a cursor from an earlier answer",
    ),
    ("film page", 20, "GET /films/{id}, films by popularity (Zipf)"),
    ("heartbeat", 15, "PUT /films/{id}/progress, every watching viewer every 15 s"),
    (
        "search",
        12,
        "GET /films?q=, catalog titles ru/en: half with a typo, a quarter exact, a quarter 1-2 words",
    ),
    (
        "home",
        10,
        "the home page's rows: /films/popular, a genre row by rating, the newest, /genres, "
        "/me/continue-watching",
    ),
    ("play", 5, "GET /films/{id}/play (entitled: free film, or a subscriber's)"),
    ("reviews", 4, "GET /films/{id}/reviews"),
    ("sign-in", 2, "POST /auth/token with the right password (argon2)"),
    ("review post", 1, "POST /films/{id}/reviews, half of them with a score"),
    ("users/me", 1, "GET /users/me"),
)
assert sum(share for _, share, _ in MIX) == 100


@dataclass
class Film:
    id: uuid.UUID
    title: str
    duration: int
    access: str


@dataclass
class Catalog:
    films: list[Film]  # published, most watched first
    playable: list[Film]
    viewers: list[tuple[uuid.UUID, str]]  # (id, email)
    subscribed: set[uuid.UUID]


def search_queries(films: list[Film], rng: random.Random, count: int = 400) -> list[str]:
    """Catalog titles as people type them: half with one typo (as bench/search.py makes them), a
    quarter exact, a quarter the first one or two words; as many Russian as English."""
    from cinema.catalog import synthetic_films  # noqa: PLC0415

    lists = (
        *synthetic_films.RU_ADJ,
        *synthetic_films.RU_NOUN,
        *synthetic_films.RU_TAIL,
        *synthetic_films.EN_ADJ,
        *synthetic_films.EN_NOUN,
    )
    vocabulary = {w.lower() for w in (*lists, *synthetic_films.EN_TAIL, "the", "of")}
    by_language = {
        lang: [f.title for f in films if cyrillic(f.title) == lang][: count * 4] for lang in (True, False)
    }
    queries: list[str] = []
    for n in range(count):
        title = rng.choice(by_language[n % 2 == 0])
        kind = rng.random()
        made = typo(rng, title, vocabulary) if kind < 0.5 else None
        if made is not None:
            queries.append(made[0])
        elif kind < 0.75:
            queries.append(title)
        else:
            queries.append(" ".join(title.split(" ")[: rng.randint(1, 2)]))
    return queries


def _status(expected: int, marker: bytes = b"") -> Callable[[int, bytes], bool]:
    return lambda status, body: status == expected and marker in body


class Traffic:
    """Builds the requests of the mix. One instance lives through the whole run: positions,
    cursors and the (viewer, film) pairs of reviews carry on from step to step."""

    def __init__(self, port: int, catalog: Catalog, tokens: dict[uuid.UUID, str], *, seed: int) -> None:
        from cinema.catalog import synthetic_films  # noqa: PLC0415

        self.rng = random.Random(seed)
        self.host = f"Host: 127.0.0.1:{port}\r\n".encode()
        self.port = port
        self.catalog = catalog
        self.films = catalog.films
        self.zipf = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(self.films))))
        self.auth = {uid: f"Authorization: Bearer {tokens[uid]}\r\n".encode() for uid, _ in catalog.viewers}
        self.queries = search_queries(self.films, self.rng)
        self.genres, self.countries = synthetic_films.GENRES, synthetic_films.COUNTRIES
        self.cursors: deque[tuple[str, str]] = deque(maxlen=500)
        free = [f for f in catalog.playable if f.access == "free"]
        # Each viewer watches one film they are entitled to, from a random position.
        self.sessions = [
            [uid, self.rng.choice(catalog.playable if uid in catalog.subscribed else free), 0]
            for uid, _ in catalog.viewers
        ]
        for session in self.sessions:
            session[2] = self.rng.randrange(0, session[1].duration // 2)
        self.watching = len(self.sessions)
        self.beats = self.reviews_posted = self.sign_ins = 0
        self.categories = [name for name, _, _ in MIX]
        self.cum_shares = list(itertools.accumulate(share for _, share, _ in MIX))
        self.builders: dict[str, Callable[[], Request]] = {
            "browse": self.browse,
            "film page": self.film_page,
            "heartbeat": self.heartbeat,
            "search": self.search,
            "home": self.home,
            "play": self.play,
            "reviews": self.reviews,
            "sign-in": self.sign_in,
            "review post": self.review_post,
            "users/me": self.me,
        }

    def set_rate(self, rate: float, heartbeat_s: float) -> int:
        """Watching viewers for one heartbeat each every `heartbeat_s` at `rate`; returns them."""
        share = {name: s for name, s, _ in MIX}["heartbeat"] / 100
        self.watching = max(1, min(len(self.sessions), round(share * rate * heartbeat_s)))
        return self.watching

    def make(self) -> Request:
        category = self.rng.choices(self.categories, cum_weights=self.cum_shares)[0]
        return self.builders[category]()

    # -- helpers
    def _film(self) -> Film:
        return self.rng.choices(self.films, cum_weights=self.zipf)[0]

    def _viewer(self) -> uuid.UUID:
        return self.rng.choice(self.catalog.viewers)[0]

    def _get(self, path: str, *, signed_in: bool | None = None, viewer: uuid.UUID | None = None) -> bytes:
        if signed_in is None:
            signed_in = self.rng.random() < SIGNED_IN
        auth = self.auth[viewer or self._viewer()] if signed_in or viewer else b""
        return (
            f"GET {API}{path} HTTP/1.1\r\n".encode() + self.host + auth + b"Accept: application/json\r\n\r\n"
        )

    def _send(self, method: str, path: str, viewer: uuid.UUID, payload: object) -> bytes:
        body = json.dumps(payload).encode()
        head = f"{method} {API}{path} HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        return head.encode() + self.host + self.auth[viewer] + b"\r\n" + body

    # -- the categories
    def browse(self) -> Request:
        if self.cursors and self.rng.random() < 1 / 3:
            return self.next_page()
        rng, params = self.rng, []
        if rng.random() < 0.5:  # what most visitors do: one genre, or none, in a sort the page offers
            params += [("genre", rng.choice(self.genres))] if rng.random() < 0.7 else []
            params += [("sort", rng.choice(("-popular", "-rating", "-new")))] if rng.random() < 0.5 else []
        else:  # the rest narrow it down: any combination of the filters
            if rng.random() < 0.7:
                params += [("genre", g) for g in rng.sample(self.genres, rng.choice((1, 1, 2)))]
            if rng.random() < 0.3:
                start = rng.randrange(1930, 2020, 10)
                params += [("year_from", start), ("year_to", start + rng.choice((9, 19)))]
            if rng.random() < 0.25:
                params.append(("rating_min", rng.choice((5, 6, 7, 8))))
            if rng.random() < 0.2:
                params.append(("country", rng.choice(self.countries)))
            if rng.random() < 0.7:
                params.append(("sort", rng.choice(("-popular", "-rating", "-year", "year", "title", "-new"))))
        params.append(("limit", PAGE))
        return self.first_page(urlencode(params))

    def first_page(self, query: str) -> Request:
        """The first page of the listing `query` (its next-page cursor is kept for later)."""
        return Request("browse", self._get(f"/films?{query}"), _status(200), self._keep_cursor(query))

    def next_page(self) -> Request:
        """The next page of a listing answered before (there must be one: see `cursors`)."""
        query, cursor = self.cursors.popleft()
        raw = self._get(f"/films?{query}&cursor={quote(cursor)}")
        return Request("browse, next page", raw, _status(200), self._keep_cursor(query))

    def _keep_cursor(self, query: str) -> Callable[[bytes], None]:
        def keep(body: bytes) -> None:
            found = NEXT_CURSOR.search(body, max(0, len(body) - 400))  # the last key of the page
            if found:
                self.cursors.append((query, found[1].decode()))

        return keep

    def film_page(self) -> Request:
        return Request("film page", self._get(f"/films/{self._film().id}"), _status(200))

    def search(self) -> Request:
        query = urlencode({"q": self.rng.choice(self.queries), "limit": PAGE})
        return Request("search", self._get(f"/films?{query}"), _status(200))

    def home(self) -> Request:
        pick = self.rng.random()
        if pick < 0.4:
            return Request("home: popular", self._get("/films/popular?limit=20"), _status(200))
        if pick < 0.65:
            row = f"/films?genre={self.rng.choice(self.genres)}&sort=-rating&limit=20"
            return Request("home: genre row", self._get(row), _status(200))
        if pick < 0.8:
            return Request("home: newest", self._get("/films?sort=-new&limit=20"), _status(200))
        if pick < 0.9:
            return Request("home: genres", self._get("/genres"), _status(200))
        raw = self._get("/me/continue-watching?limit=20", signed_in=True)
        return Request("home: continue watching", raw, _status(200))

    def heartbeat(self) -> Request:
        session = self.sessions[self.beats % self.watching]
        self.beats += 1
        viewer, film, position = session
        session[2] = position + 15 if position + 15 < film.duration else 0
        raw = self._send("PUT", f"/films/{film.id}/progress", viewer, {"position_seconds": position})
        return Request("heartbeat", raw, lambda status, body: status == 204 and not body)

    def play(self) -> Request:
        viewer, film, _ = self.rng.choice(self.sessions)
        return Request(
            "play", self._get(f"/films/{film.id}/play", viewer=viewer), _status(200, b"CloudFront-")
        )

    def reviews(self) -> Request:
        return Request("reviews", self._get(f"/films/{self._film().id}/reviews?limit=20"), _status(200))

    def review_post(self) -> Request:
        # Pair n: viewer n mod V, film (n div V)(V + 1) + n mod V: no pair twice, viewers in turn.
        n, count = self.reviews_posted, len(self.catalog.viewers)
        self.reviews_posted += 1
        viewer = self.catalog.viewers[n % count][0]
        film = self.films[((n // count) * (count + 1) + n % count) % len(self.films)]
        payload: dict[str, object] = {"body": "Смотрели всей семьёй, понравилось. " * self.rng.randint(1, 6)}
        if self.rng.random() < 0.5:  # half of them also rate the film
            payload["score"] = self.rng.randint(1, 10)
        raw = self._send("POST", f"/films/{film.id}/reviews", viewer, payload)
        return Request("review post", raw, _status(201))

    def sign_in(self) -> Request:
        email = self.catalog.viewers[self.sign_ins % len(self.catalog.viewers)][1]
        self.sign_ins += 1
        return Request("sign-in", _raw_login(self.port, email), _status(200, b'"access_token"'))

    def me(self) -> Request:
        return Request("users/me", self._get("/users/me", signed_in=True), _status(200))
