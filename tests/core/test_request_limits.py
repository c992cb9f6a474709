"""Request bodies are capped (413 before they are read whole), validation errors never echo a
secret, and a film's poster is a key the CDN serves posters from."""

from __future__ import annotations

import json
import uuid

import pytest

from cinema.core.settings import get_settings

API = "/api/v1"
SECRET = "Correct-Horse-Battery-Staple-42"


async def test_a_body_over_the_cap_is_413_without_being_read(client):
    body = json.dumps({"email": "big@kino.io", "password": "x" * (2 * 1024 * 1024)}).encode()
    response = await client.post(
        f"{API}/auth/register", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert "too large" in response.json()["detail"].lower()
    assert response.headers["x-content-type-options"] == "nosniff"  # still our security headers


async def test_a_streamed_body_is_counted_as_it_comes(client):
    chunk = b" " * 65536

    async def endless():  # no Content-Length: chunked, and far longer than the cap
        yield b'{"email": "big@kino.io", "password": "'
        for _ in range(100):
            yield chunk

    response = await client.post(
        f"{API}/auth/register", content=endless(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413


async def test_the_cap_is_a_setting_and_small_bodies_pass(client, monkeypatch):
    limit = get_settings().max_body_bytes
    assert limit == 1024 * 1024
    ok = await client.post(f"{API}/auth/register", json={"email": "ok@kino.io", "password": SECRET})
    assert ok.status_code == 201


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/auth/register", {"email": "not-an-email", "password": SECRET}),
        ("/auth/register", {"email": "x@kino.io", "password": SECRET, "extra": 1}),
        ("/auth/register", {"email": "x@kino.io", "password": ["nested", SECRET]}),
        ("/auth/password-reset/confirm", {"token": SECRET, "new_password": "short"}),
        ("/auth/password-reset/confirm", {"token": 12, "new_password": SECRET}),
        ("/auth/refresh", {"refresh_token": SECRET, "surprise": True}),
        ("/auth/register", {"password": SECRET}),
    ],
)
async def test_validation_errors_never_echo_secret_fields(client, path, body):
    response = await client.post(f"{API}{path}", json=body)
    assert response.status_code == 422, response.text
    assert SECRET not in response.text
    assert "short" not in json.dumps([e.get("input") for e in response.json()["detail"]])


async def test_a_password_change_does_not_echo_either_password(client, viewer):
    response = await client.post(
        f"{API}/users/me/password",
        json={"current_password": SECRET, "new_password": 12345},
        headers=viewer.auth,
    )
    assert response.status_code == 422
    assert SECRET not in response.text
    # what is wrong is still said
    assert response.json()["detail"][0]["loc"] == ["body", "new_password"]


async def test_other_fields_are_still_echoed(client):
    response = await client.post(f"{API}/auth/register", json={"email": "not-an-email", "password": SECRET})
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "email"]
    assert error["input"] == "not-an-email"


@pytest.mark.parametrize(
    "key",
    [
        "../../etc/passwd",
        "https://evil.example/poster.jpg",
        "//evil.example/poster.jpg",
        "uploads/film/source.mp4",
        "hls/x/master.m3u8",
        "posters/../uploads/a.jpg",
        "posters/",
        "posters/a\x00.jpg",
    ],
)
async def test_a_poster_key_outside_the_public_media_prefixes_is_refused(client, catalog, admin, key):
    film = await catalog.film(title="Постер")
    response = await client.patch(
        f"{API}/admin/films/{film['id']}", json={"poster_key": key}, headers=admin.auth
    )
    assert response.status_code == 422, response.text
    created = await client.post(
        f"{API}/admin/films",
        json={"title": "New", "year": 2000, "duration_seconds": 60, "poster_key": key},
        headers=admin.auth,
    )
    assert created.status_code == 422, created.text


async def test_poster_keys_under_the_media_prefixes_are_kept(client, catalog, admin):
    film = await catalog.film(title="Постер")
    frame = f"hls/{film['id']}/{uuid.uuid4()}/poster.jpg"
    for key in ("posters/films/solaris-1972.webp", frame):
        response = await client.patch(
            f"{API}/admin/films/{film['id']}", json={"poster_key": key}, headers=admin.auth
        )
        assert response.status_code == 200, response.text
        assert response.json()["poster_url"].endswith("/media/" + key)
