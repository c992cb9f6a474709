from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from cinema.local.demo_catalog import demo_catalog

API = "/api/v1"
CINEMA = shutil.which("cinema", path=str(Path(sys.executable).parent)) or "cinema"


def cinema(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CINEMA, *args], capture_output=True, text=True, env=dict(os.environ), timeout=300, check=False
    )


def test_the_demo_catalog_is_big_bilingual_and_valid():
    catalog = demo_catalog()
    films = catalog["films"]
    slugs = {g["slug"] for g in catalog["genres"]}
    assert len(films) >= 200
    assert len({(f["title"], f["year"]) for f in films}) == len(films)
    assert all(set(f["genres"]) <= slugs for f in films)
    assert all((f["access"] == "purchase") == ("price" in f) for f in films)
    cyrillic = sum(any("а" <= ch.lower() <= "я" for ch in f["description"]) for f in films)
    assert 0.3 * len(films) < cyrillic < 0.9 * len(films)  # descriptions in both languages


async def test_seed_demo_is_idempotent_and_browsable(client, services):
    first = cinema("seed", "--demo")
    assert first.returncode == 0, first.stderr
    second = cinema("seed", "--demo")
    assert "0 films added" in second.stdout
    listing = (await client.get(f"{API}/films", params={"limit": 5})).json()
    assert listing["total"] == len(demo_catalog()["films"])
    popular = (await client.get(f"{API}/films/popular")).json()
    assert len(popular["items"]) > 0  # the demo films come with a week of views
    matrix = (await client.get(f"{API}/films", params={"q": "матрица"})).json()
    assert matrix["items"][0]["original_title"] == "The Matrix"
    genres = (await client.get(f"{API}/genres")).json()
    assert len(genres) == len(demo_catalog()["genres"])


async def test_seed_synthetic_shows_progress_and_adds_once(client, services):
    first = cinema("seed", "--synthetic", "300")
    assert first.returncode == 0, first.stderr
    assert "300 films added" in first.stdout
    again = cinema("seed", "--synthetic", "300")
    assert "0 films added" in again.stdout
    assert (await client.get(f"{API}/films", params={"limit": 1})).json()["total"] == 300


def test_seed_needs_something_to_do(services):
    done = cinema("seed")
    assert done.returncode == 2
    assert "nothing to do" in done.stderr
