from __future__ import annotations

from typing import Any

import pytest

API = "/api/v1"


class Catalog:
    """Builds catalog content through the admin API, as staff would."""

    def __init__(self, client, admin) -> None:
        self.client = client
        self.admin = admin
        self.genres: set[str] = set()

    async def genre(self, slug: str, name: str | None = None) -> None:
        if slug in self.genres:
            return
        response = await self.client.post(
            f"{API}/admin/genres", json={"slug": slug, "name": name or slug.title()}, headers=self.admin.auth
        )
        assert response.status_code == 201, response.text
        self.genres.add(slug)

    async def film(self, *, publish: bool = True, **fields: Any) -> dict[str, Any]:
        body = {"title": "Film", "year": 2000, "duration_seconds": 5400} | fields
        for slug in body.get("genres", []):
            await self.genre(slug)
        response = await self.client.post(f"{API}/admin/films", json=body, headers=self.admin.auth)
        assert response.status_code == 201, response.text
        film = response.json()
        if publish:
            published = await self.client.patch(
                f"{API}/admin/films/{film['id']}", json={"status": "published"}, headers=self.admin.auth
            )
            assert published.status_code == 200, published.text
            film = published.json()
        return film


@pytest.fixture
async def catalog(client, admin) -> Catalog:
    return Catalog(client, admin)
