"""The catalog owns the `films` table (issue 12, point 1): outside cinema/catalog, read with `ast`
(nothing is imported but the surface's list of names),

- no module imports the catalog's repository, nor its cache (invalidation goes through
  `cinema.catalog.public.film_changed`), nor any name of cinema.catalog.models that the
  surface (`cinema.catalog.public.__all__`) does not export;
- no module writes films: no update/insert/delete statement of `Film`, no UPDATE/INSERT/DELETE
  of `films` in SQL text.

Reading `Film` in another domain's query (a join, a relationship) stays allowed: `Film` is one
of the exported names, for reads only.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import cinema
from cinema.catalog import public

PACKAGE = Path(cinema.__file__).parent
CATALOG = PACKAGE / "catalog"
MIGRATIONS = PACKAGE / "core" / "migrations"  # the schema's history: it creates and backfills films
MODELS = "cinema.catalog.models"
FORBIDDEN_MODULES = ("cinema.catalog.repository", "cinema.catalog.caching")
EXPORTED = frozenset(public.__all__)
WRITES = {"update", "insert", "delete"}
SQL_WRITE = re.compile(r"\b(?:UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+films\b", re.IGNORECASE)


def _absolute(node: ast.ImportFrom, package: str) -> str:
    base = node.module or ""
    if node.level:
        parts = package.split(".")
        anchor = parts[: len(parts) - node.level + 1]
        base = ".".join([*anchor, base] if base else anchor)
    return base


def _imports(tree: ast.Module, package: str, models: set[str], film: set[str]) -> Iterator[str]:
    """Offending imports; collects the local names bound to the models module and to Film."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(FORBIDDEN_MODULES):
                    yield f"{node.lineno}: imports {alias.name}"
                elif alias.name == MODELS:
                    models.add(alias.asname or alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            for alias in node.names:
                full, bound = f"{base}.{alias.name}", alias.asname or alias.name
                if full.startswith(FORBIDDEN_MODULES):
                    yield f"{node.lineno}: imports {full}"
                elif full == MODELS:
                    models.add(bound)
                elif base in (MODELS, "cinema.catalog.public") and alias.name == "Film":
                    film.add(bound)
                if base == MODELS and alias.name not in EXPORTED:
                    yield f"{node.lineno}: imports {full}, which cinema.catalog.public does not export"


def offences(source: str, *, package: str) -> Iterator[str]:
    """What the module's source does to films that only the catalog may do."""
    tree = ast.parse(source)
    models: set[str] = set()  # local names bound to the models module itself
    film: set[str] = set()  # local names (or dotted paths) bound to the Film class
    yield from _imports(tree, package, models, film)
    for node in ast.walk(tree):
        # `models.X` (or `cinema.catalog.models.X`): X must be exported too
        if isinstance(node, ast.Attribute) and ast.unparse(node.value) in models:
            if node.attr not in EXPORTED:
                yield f"{node.lineno}: uses {MODELS}.{node.attr}, which cinema.catalog.public does not export"
            elif node.attr == "Film":
                film.add(ast.unparse(node))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_WRITE.search(node.value):
            yield f"{node.lineno}: writes films in SQL text"
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            name = ast.unparse(node.func).rpartition(".")[2]
            target = ast.unparse(node.args[0]).removesuffix(".__table__")
            if name in WRITES and target in film:
                yield f"{node.lineno}: {name}({ast.unparse(node.args[0])}) writes films"


def _package_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts if parts[-1] == "__init__" else parts[:-1])


def test_the_check_sees_each_way_of_reaching_films():
    source = (
        "from cinema.catalog import repository as catalog_repo\n"
        "from ..catalog import caching\n"
        "import cinema.catalog.repository\n"
        "from cinema.catalog.models import Film, Genre, FilmStatus\n"
        "from cinema.catalog import models as m\n"
        "m.film_genres\n"
        "m.Access\n"
        "update(Film).values(poster_key='x')\n"
        "sa.delete(m.Film)\n"
        "insert(Film.__table__)\n"
        "select(Film.status)\n"
        "text('UPDATE films SET title = 1')\n"
        "text('SELECT FROM films WHERE films.id = 1')\n"
    )
    found = sorted(int(line.split(":", 1)[0]) for line in offences(source, package="cinema.reviews"))
    assert found == [1, 2, 3, 4, 6, 8, 9, 10, 12]


def test_the_surface_exports_only_what_it_has():
    assert all(hasattr(public, name) for name in EXPORTED)


def test_outside_the_catalog_films_are_only_reached_through_its_surface():
    found = [
        f"{path.relative_to(PACKAGE)}:{offence}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if not path.is_relative_to(CATALOG) and not path.is_relative_to(MIGRATIONS)
        for offence in offences(path.read_text(encoding="utf-8"), package=_package_of(path))
    ]
    assert found == []
