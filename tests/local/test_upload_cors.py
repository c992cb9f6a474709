"""Browsers PUT upload parts straight to the local S3 and read each part's ETag: the uploads
bucket answers CORS as template.yaml configures it in AWS (moto's blanket `*` is off)."""

from __future__ import annotations

import httpx

API = "/api/v1"
APP = "http://127.0.0.1:8000"


async def _part_url(client, catalog, admin) -> str:
    film = await catalog.film()
    started = await client.post(
        f"{API}/admin/films/{film['id']}/upload",
        json={"filename": "a.mp4", "content_type": "video/mp4", "size_bytes": 1000},
        headers=admin.auth,
    )
    assert started.status_code == 201, started.text
    return started.json()["parts"][0]["url"]


def _exposed(response: httpx.Response) -> set[str]:
    return {h.strip().lower() for h in response.headers.get("access-control-expose-headers", "").split(",")}


async def test_the_apps_origin_may_put_parts_and_read_the_etag(client, catalog, admin):
    url = await _part_url(client, catalog, admin)
    async with httpx.AsyncClient(timeout=30) as browser:
        preflight = await browser.options(
            url,
            headers={
                "Origin": APP,
                "Access-Control-Request-Method": "PUT",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        assert preflight.status_code == 200, preflight.text
        assert preflight.headers["access-control-allow-origin"] == APP
        assert "PUT" in preflight.headers["access-control-allow-methods"]
        assert "etag" in _exposed(preflight)
        put = await browser.put(url, content=b"x" * 1000, headers={"Origin": APP})
        assert put.status_code == 200, put.text
        assert put.headers["access-control-allow-origin"] == APP
        assert "etag" in _exposed(put)
        assert put.headers["etag"].startswith('"')


async def test_other_origins_get_no_cors_grant(client, catalog, admin):
    url = await _part_url(client, catalog, admin)
    async with httpx.AsyncClient(timeout=30) as browser:
        preflight = await browser.options(
            url, headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "PUT"}
        )
        assert preflight.status_code == 403
        assert "access-control-allow-origin" not in preflight.headers
        put = await browser.put(url, content=b"x", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in put.headers
