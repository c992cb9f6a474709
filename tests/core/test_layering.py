"""The package's import lines, read with `ast` (nothing is imported): the kernel (cinema.core)
imports no domain, and nothing outside cinema/local imports the one-machine stack."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import cinema

PACKAGE = Path(cinema.__file__).parent
DOMAINS = ("auth", "catalog", "media", "reviews", "account", "payments", "live", "mail", "local")
# The `cinema` command (serve, seed, ...) is the local stack's entry point; it is not in the layer.
LOCAL_ENTRY_POINTS = {PACKAGE / "cli.py"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module) of every import in the file, lazy ones inside functions included."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    return imports_in(path.read_text(encoding="utf-8"), package=package)


def imports_in(source: str, *, package: str) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield from ((node.lineno, f"{base}.{alias.name}") for alias in node.names)


def domain_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "cinema" and parts[1] in DOMAINS else None


def test_the_walk_sees_absolute_relative_and_lazy_imports():
    source = (
        "import cinema.auth.models\nfrom ..catalog import repository\nfrom . import cache\n"
        "def f():\n    from cinema.local import stack\n"
    )
    found = [module for _, module in imports_in(source, package="cinema.core")]
    assert found == [
        "cinema.auth.models",
        "cinema.catalog.repository",
        "cinema.core.cache",
        "cinema.local.stack",
    ]
    assert [domain_of(m) for m in found] == ["auth", "catalog", None, "local"]


def test_core_imports_no_domain():
    core = PACKAGE / "core"
    offenders = [
        f"{path.relative_to(PACKAGE)}:{line} imports {module}"
        for path in sorted(core.rglob("*.py"))
        if "migrations" not in path.relative_to(core).parts  # Alembic's env needs every table
        for line, module in imported_modules(path)
        if domain_of(module)
    ]
    assert offenders == []


def test_nothing_outside_local_imports_local():
    local = PACKAGE / "local"
    offenders = [
        f"{path.relative_to(PACKAGE)}:{line} imports {module}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if not path.is_relative_to(local) and path not in LOCAL_ENTRY_POINTS
        for line, module in imported_modules(path)
        if domain_of(module) == "local"
    ]
    assert offenders == []
