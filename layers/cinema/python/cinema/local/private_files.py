"""The one way the local stack writes a secret to disk (keys, the Stripe fake's state, nginx's
config with the hook secret): owner-only from the first byte (mkstemp's 0600), written beside
its place under a name of its own and then renamed into it, so no reader ever sees it
half-written or readable by others, and two writers at once never mix their bytes."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_private(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content.encode("utf-8") if isinstance(content, str) else content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
