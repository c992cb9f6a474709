"""A profile's age limit on every path a film can be reached by, at every boundary: one film
of each age rating (0+ ... 18+, as the demo catalog has), one profile of each limit, and every
read asked by each of them: lists, search (a typo corrected too, totals included), popular,
film pages (and their cache), /play, heartbeats, favorites, similar films, and what is said
about a film: its reviews, its rating and its subtitle tracks."""

from __future__ import annotations

import uuid

import pytest
from tests.media_rows import insert_upload

from cinema.catalog import jobs, popularity
from cinema.core import db
from cinema.profiles.age import AGE_RATINGS, allows

API = "/api/v1"


@pytest.fixture
async def films(catalog) -> dict[str, dict]:
    """A free, playable, watched film of each age rating, all titled "Дракон ..." for search."""
    made = {}
    for rating in AGE_RATINGS:
        film = await catalog.film(
            title=f"Дракон {rating}",
            age_rating=rating,
            access="free",
            duration_seconds=600,
            genres=["fantasy"],
        )
        assert film["age_rating"] == rating
        await insert_upload(film["id"], ready=True)
        made[rating] = film
    async with db.session_factory()() as session:
        for film in made.values():
            await popularity.record_view(session, uuid.UUID(film["id"]))
        await session.commit()
    await jobs.refresh_popularity()
    await jobs.refresh_similar()  # one series, one genre: every film is like the others
    return made


@pytest.fixture
async def profiles(client, viewer) -> dict[str, dict[str, str]]:
    """The viewer's headers as a profile of each limit (the default profile is the 18+ one)."""
    headers = {"18+": viewer.auth}
    for limit in AGE_RATINGS[:-1]:
        made = await client.post(
            f"{API}/me/profiles",
            json={"name": f"Limit {limit}", "max_age_rating": limit},
            headers=viewer.auth,
        )
        assert made.status_code == 201, made.text
        headers[limit] = {**viewer.auth, "X-Profile-Id": made.json()["id"]}
    return headers


def _allowed(films: dict[str, dict], limit: str) -> set[str]:
    return {film["id"] for rating, film in films.items() if allows(limit, rating)}


async def _listed(client, headers, path: str, **params) -> tuple[set[str], int]:
    response = await client.get(f"{API}{path}", params=params, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    return {item["film"]["id"] if "film" in item else item["id"] for item in body["items"]}, body["total"]


async def test_lists_search_and_popular_hide_what_the_limit_does_not_allow(client, films, profiles):
    everything = {film["id"] for film in films.values()}
    assert await _listed(client, {}, "/films") == (everything, 5)  # anonymous: no limit
    # the unlimited profile asks first, so that every list below is in the cache for it
    for limit in reversed(AGE_RATINGS):
        allowed = _allowed(films, limit)
        headers = profiles[limit]
        assert await _listed(client, headers, "/films") == (allowed, len(allowed)), limit
        assert await _listed(client, headers, "/films", genre="fantasy", sort="-year") == (
            allowed,
            len(allowed),
        )
        assert await _listed(client, headers, "/films", q="Дракон") == (allowed, len(allowed)), limit
        assert await _listed(client, headers, "/films", q="Дрокон") == (allowed, len(allowed)), (
            limit
        )  # corrected
        popular, _ = await _listed(client, headers, "/films/popular", limit=10)
        assert popular == allowed, limit


async def test_film_pages_are_refused_above_the_limit_even_when_cached(client, films, profiles):
    for film in films.values():  # the unlimited profile fills the cache of every page
        assert (await client.get(f"{API}/films/{film['id']}", headers=profiles["18+"])).status_code == 200
    for _ in range(2):  # the second round is served from the cache where it may be
        for limit in AGE_RATINGS:
            for rating, film in films.items():
                answer = await client.get(f"{API}/films/{film['id']}", headers=profiles[limit])
                expected = 200 if allows(limit, rating) else 403
                assert answer.status_code == expected, (limit, rating, answer.text)
                if expected == 403:
                    assert answer.json()["detail"] == "this film is above the age limit of the profile"


async def test_a_lowered_limit_applies_to_the_next_request(client, viewer, films, profiles):
    teen = profiles["16+"]
    film = films["16+"]["id"]
    assert (await client.get(f"{API}/films/{film}", headers=teen)).status_code == 200
    changed = await client.patch(
        f"{API}/me/profiles/{teen['X-Profile-Id']}", json={"max_age_rating": "12+"}, headers=viewer.auth
    )
    assert changed.status_code == 200
    assert (await client.get(f"{API}/films/{film}", headers=teen)).status_code == 403
    assert (await client.get(f"{API}/films/{film}/play", headers=teen)).status_code == 403


async def test_play_heartbeats_and_favorites_refuse_above_the_limit(client, films, profiles):
    for limit in AGE_RATINGS:
        for rating, film in films.items():
            expected = 200 if allows(limit, rating) else 403
            play = await client.get(f"{API}/films/{film['id']}/play", headers=profiles[limit])
            assert play.status_code == expected, (limit, rating, play.text)
            beat = await client.put(
                f"{API}/films/{film['id']}/progress", json={"position_seconds": 60}, headers=profiles[limit]
            )
            assert beat.status_code == (204 if expected == 200 else 403), (limit, rating)
            kept = await client.put(f"{API}/me/favorites/{film['id']}", headers=profiles[limit])
            assert kept.status_code == (204 if expected == 200 else 403), (limit, rating)
            mine = await client.get(f"{API}/me/films/{film['id']}", headers=profiles[limit])
            assert mine.status_code == expected, (limit, rating)
        favorites, total = await _listed(client, profiles[limit], "/me/favorites")
        assert (favorites, total) == (_allowed(films, limit), len(_allowed(films, limit)))


async def test_similar_films_keep_to_the_limit(client, films, profiles):
    for limit in reversed(AGE_RATINGS):  # the unlimited profile's answers are cached first
        for rating, film in films.items():
            answer = await client.get(f"{API}/films/{film['id']}/similar", headers=profiles[limit])
            if not allows(limit, rating):
                assert answer.status_code == 403, (limit, rating)
                continue
            assert answer.status_code == 200, answer.text
            similar = {item["id"] for item in answer.json()["items"]}
            assert similar == _allowed(films, limit) - {film["id"]}, (limit, rating)


async def test_reviews_ratings_and_subtitles_are_refused_where_the_film_is(client, films, profiles):
    """A profile learns nothing more of a film it may not see: its reviews, its rating and
    its subtitle tracks answer 403 exactly where its page does, and a refused rating or
    review writes nothing."""
    for film in films.values():  # anonymous readers have no limit
        for read in ("reviews", "subtitles"):
            assert (await client.get(f"{API}/films/{film['id']}/{read}")).status_code == 200, read
    for limit in AGE_RATINGS:
        for rating, film in films.items():
            expected = 200 if allows(limit, rating) else 403
            for read in ("reviews", "subtitles", "rating"):
                answer = await client.get(f"{API}/films/{film['id']}/{read}", headers=profiles[limit])
                assert answer.status_code == expected, (read, limit, rating, answer.text)
            rated = await client.put(
                f"{API}/films/{film['id']}/rating", json={"score": 7}, headers=profiles[limit]
            )
            assert rated.status_code == expected, (limit, rating, rated.text)
            if expected == 403:
                assert rated.json()["detail"] == "this film is above the age limit of the profile"
    for rating, film in films.items():  # one rating per profile that may see the film
        mine = await client.get(f"{API}/films/{film['id']}/rating", headers=profiles["18+"])
        assert mine.json()["rating_count"] == sum(allows(limit, rating) for limit in AGE_RATINGS)

    child = profiles["6+"]
    for rating, film in films.items():  # one review per account: the refused ones made none
        posted = await client.post(
            f"{API}/films/{film['id']}/reviews",
            json={"title": "Ну", "body": "Смотрели всей семьёй."},
            headers=child,
        )
        assert posted.status_code == (201 if allows("6+", rating) else 403), (rating, posted.text)
    for rating in ("12+", "16+", "18+"):
        posted = await client.post(
            f"{API}/films/{films[rating]['id']}/reviews",
            json={"title": "Взрослое", "body": "Для взрослых."},
            headers=profiles["18+"],
        )
        assert posted.status_code == 201, (rating, posted.text)
