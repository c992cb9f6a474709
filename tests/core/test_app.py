from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError

from cinema.core.settings import Settings

API = "/api/v1"


async def test_health(client):
    response = await client.get(f"{API}/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


async def test_every_response_has_security_headers_and_a_request_id(client):
    for response in (await client.get(f"{API}/health"), await client.get(f"{API}/nowhere")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert len(response.headers["x-request-id"]) >= 16


async def test_a_sane_incoming_request_id_is_kept_and_a_hostile_one_replaced(client):
    kept = await client.get(f"{API}/health", headers={"X-Request-ID": "abc-123"})
    replaced = await client.get(f"{API}/health", headers={"X-Request-ID": "evil\nheader" * 20})
    assert kept.headers["x-request-id"] == "abc-123"
    assert replaced.headers["x-request-id"] != "evil\nheader" * 20


async def test_cors_allows_the_web_app_origin_only(client):
    allowed = await client.options(
        f"{API}/auth/register",
        headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"},
    )
    denied = await client.options(
        f"{API}/auth/register",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert allowed.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert "access-control-allow-origin" not in denied.headers


async def test_openapi_and_offline_docs(client):
    spec = await client.get(f"{API}/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    for path in ("/api/v1/auth/register", "/api/v1/auth/token", "/api/v1/admin/users/{user_id}"):
        assert path in paths
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "/static/docs/swagger-ui-bundle.js" in docs.text
    asset = await client.get("/static/docs/swagger-ui-bundle.js")
    assert asset.status_code == 200


async def test_unexpected_errors_hide_their_trace(app, client, monkeypatch):
    from cinema.auth import users  # noqa: PLC0415

    # Starlette re-raises after answering 500 (so servers log it); look at what the client got.
    client._transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)

    async def explode(*args, **kwargs):
        raise RuntimeError("secret internals: password=hunter2")

    monkeypatch.setattr(users, "update_profile", explode)
    reg = await client.post(
        f"{API}/auth/register", json={"email": "boom@kino.io", "password": "boom boom boom"}
    )
    assert reg.status_code == 201
    token = (
        await client.post(
            f"{API}/auth/token", data={"username": "boom@kino.io", "password": "boom boom boom"}
        )
    ).json()
    response = await client.patch(
        f"{API}/users/me",
        json={"display_name": "x"},
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert response.status_code == 500
    assert response.json() == {"detail": "internal server error"}
    assert "hunter2" not in response.text


def test_aws_shape_refuses_default_or_short_secrets(monkeypatch):
    monkeypatch.delenv("CINEMA_JWT_SECRET", raising=False)
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        Settings(shape="aws", database_url="postgresql+psycopg://db/cinema")
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        Settings(shape="aws", database_url="postgresql+psycopg://db/cinema", jwt_secret="short")
    with pytest.raises(ValidationError, match="DATABASE_URL"):
        Settings(shape="aws", database_url="", jwt_secret="x" * 40)
    ok = Settings(shape="aws", database_url="postgresql+psycopg://db/cinema", jwt_secret="x" * 40)
    assert ok.shape == "aws"


def test_cors_origins_from_a_comma_list_or_json(monkeypatch):
    monkeypatch.setenv("CINEMA_CORS_ORIGINS", "https://a.example, https://b.example")
    assert Settings().cors_origins == ["https://a.example", "https://b.example"]
    monkeypatch.setenv("CINEMA_CORS_ORIGINS", '["https://c.example"]')
    assert Settings().cors_origins == ["https://c.example"]
