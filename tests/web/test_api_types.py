"""The web app's API types are generated from the platform's own OpenAPI (`make web-api`):
this fails when they are stale, so a change of the API cannot silently drift from the app."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.web.conftest import WEB

GENERATED = WEB / "src" / "lib" / "api" / "schema.d.ts"
GENERATOR = WEB / "node_modules" / ".bin" / "openapi-typescript"


def test_generated_client_types_match_the_api(tmp_path: Path):
    assert GENERATOR.exists(), "web/node_modules is missing: `make web` installs it"
    cinema = shutil.which("cinema", path=str(Path(sys.executable).parent)) or "cinema"
    document = tmp_path / "openapi.json"
    subprocess.run([cinema, "openapi", "--out", str(document)], check=True, timeout=120)
    fresh = tmp_path / "schema.d.ts"
    subprocess.run(
        [str(GENERATOR), str(document), "-o", str(fresh)], check=True, timeout=120, capture_output=True
    )
    assert fresh.read_text(encoding="utf-8") == GENERATED.read_text(encoding="utf-8"), (
        "web/src/lib/api/schema.d.ts is stale against the API: run `make web-api` and commit it"
    )
