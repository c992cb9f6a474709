"""The catalog and admin Lambdas answer real HTTP API v2 events, in one fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

RUNNER = Path(__file__).with_name("lambda_runner.py")


def run(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, str(RUNNER)],
        input=json.dumps(steps),
        capture_output=True,
        text=True,
        env={**os.environ, "POWERTOOLS_SERVICE_NAME": "test"},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_admin_creates_and_catalog_serves(admin):
    admin_fn, catalog_fn = "functions/admin/handler.py", "functions/catalog/handler.py"
    film = {"title": "Лямбда", "year": 2024, "duration_seconds": 600}
    results = run(
        [
            {
                "handler": admin_fn,
                "method": "POST",
                "path": "/api/v1/admin/films",
                "body": film,
                "token": admin.access_token,
            },
            {
                "handler": admin_fn,
                "method": "PATCH",
                "path": "/api/v1/admin/films/{r[0][id]}",
                "body": {"status": "published"},
                "token": admin.access_token,
            },
            {"handler": catalog_fn, "method": "GET", "path": "/api/v1/films/{r[0][id]}"},
            {
                "handler": catalog_fn,
                "method": "GET",
                "path": "/api/v1/films",
                "query": "q=%D0%BB%D1%8F%D0%BC%D0%B1%D0%B4%D0%B0",
            },
            {"handler": admin_fn, "method": "POST", "path": "/api/v1/admin/films", "body": film},
            {"handler": catalog_fn, "method": "GET", "path": "/api/v1/genres"},
        ]
    )
    assert [r["http_status"] for r in results] == [201, 200, 200, 200, 401, 200]
    assert results[2]["title"] == "Лямбда"
    assert [f["title"] for f in results[3]["items"]] == ["Лямбда"]
