"""The demo catalog (200+ real films, bilingual): data of the one-machine stack only, loaded by
`cinema seed --demo` and on the first `cinema serve`. It is not in the Lambda layer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DEMO_FILE = Path(__file__).with_name("demo_films.json")


def demo_catalog() -> dict[str, Any]:
    """{"genres": [{slug, name}], "films": [...]}, in the shape catalog.seed.load_films takes."""
    return json.loads(DEMO_FILE.read_text(encoding="utf-8"))
