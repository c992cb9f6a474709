"""The local stack's one owner-only writer: secrets are never readable by others, never seen
half-written, and two writers at once leave one whole file."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cinema.local.private_files import write_private


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_secret_is_owner_only_and_replaces_a_readable_file(tmp_path):
    path = tmp_path / "deep" / "secret"
    write_private(path, "first")
    assert (path.read_text(), mode(path)) == ("first", 0o600)
    path.chmod(0o644)
    write_private(path, b"second")
    assert (path.read_bytes(), mode(path)) == (b"second", 0o600)
    assert sorted(p.name for p in path.parent.iterdir()) == ["secret"]  # no temporary left


def test_writers_at_once_leave_one_whole_file(tmp_path):
    path = tmp_path / "state.json"
    contents = [str(n) * 200_000 for n in range(8)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda text: write_private(path, text), contents))
    assert path.read_text() in contents
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
