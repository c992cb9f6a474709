"""What `sam build` made (`make check-aws`): the layers ship no part of the one-machine stack,
every `cinema` import inside the layers resolves inside them, and the sizes stay within Lambda's
limit; with --bytecode, every module of the layers has the bytecode Lambda's python3.11 uses as
it is (layers/cinema/Makefile: without it each cold start compiles what it imports from source).
Prints each layer's unzipped size and each function's package size.

    python infra/check_layer.py [--import-handlers] [--bytecode] [.cache/sam-build]

A build directory holds one folder per resource: a layer has python/, a function has handler.py.
Standard library only (it runs with the SAM CLI's Python).
"""

from __future__ import annotations

import argparse
import ast
import platform
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

# Lambda's limit for a function and all its layers, unzipped.
MB = 1024 * 1024
LAMBDA_UNZIPPED_LIMIT = 250 * MB
# Below this much room under the limit, a warning (not a failure): the next dependency may not fit.
MARGIN = 50 * MB
# Local-only paths (relative to the layer's python/), see LOCAL_ONLY in layers/cinema/Makefile.
FORBIDDEN = (
    "cinema/local",
    "cinema/cli.py",
    "cinema/catalog/bulk_load.py",
    "cinema/catalog/seed_commands.py",
    "cinema/catalog/synthetic_films.py",
)
FORBIDDEN_NAMES = ("demo_films.json",)


def files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def size_of(root: Path) -> int:
    return sum(p.stat().st_size for p in files(root))


def forbidden_files(layer: Path) -> Iterator[str]:
    """Paths of the one-machine stack anywhere in the layer (also in a stray copy such as
    python/python/cinema/local, which sam's python builder used to leave in the deps layer)."""
    for path in files(layer):
        relative = path.relative_to(layer).as_posix()
        parts = PurePosixPath(relative).parts
        windows = ("/".join(parts[i:]) for i in range(len(parts)))
        if path.name in FORBIDDEN_NAMES or any(
            w == f or w.startswith(f + "/") for w in windows for f in FORBIDDEN
        ):
            yield relative


def cinema_imports(source: str, package: str) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(module, imported names) of every `cinema...` import, relative ones resolved."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from ((a.name, ()) for a in node.names if a.name.split(".")[0] == "cinema")
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*anchor, module] if module else anchor)
            if module.split(".")[0] == "cinema":
                yield module, tuple(a.name for a in node.names)


# CPython 3.11's bytecode: `__pycache__/<name>.cpython-311.pyc`; its header's flags (PEP 552)
# say 0b01 for a hash-based file that is used without checking its source.
BYTECODE_TAG = "cpython-311"
UNCHECKED_HASH = 0b01


def missing_bytecode(python: Path) -> list[str]:
    """Modules under `python` without bytecode that Lambda's python3.11 uses as it is."""
    missing = []
    for path in files(python):
        if path.suffix != ".py":
            continue
        compiled = path.parent / "__pycache__" / f"{path.stem}.{BYTECODE_TAG}.pyc"
        header = compiled.read_bytes()[:8] if compiled.is_file() else b""
        if len(header) < 8 or int.from_bytes(header[4:8], "little") != UNCHECKED_HASH:
            missing.append(path.relative_to(python).as_posix())
    return missing


def _exists(python: Path, module: str) -> bool:
    path = python.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or path.is_dir()


def unresolved_imports(python: Path) -> Iterator[str]:
    """`cinema` imports of the layer's modules that name a module missing from the layer."""
    for path in files(python / "cinema"):
        if path.suffix != ".py":
            continue
        package = ".".join(path.relative_to(python).parts[:-1])  # what relative imports start from
        for module, names in cinema_imports(path.read_text(encoding="utf-8"), package):
            missing = [module] if not _exists(python, module) else []
            if python.joinpath(*module.split(".")).is_dir():  # `from package import submodule`
                missing += [
                    f"{module}.{name}"
                    for name in names
                    if _is_local_only(f"{module}.{name}".split("."))
                    and not _exists(python, f"{module}.{name}")
                ]
            for name in missing:
                yield f"{path.relative_to(python).as_posix()} imports {name}, which is not in the layer"


def _is_local_only(parts: Iterable[str]) -> bool:
    dotted = "/".join(parts)
    return any(dotted == f.removesuffix(".py") or dotted.startswith(f + "/") for f in FORBIDDEN)


IMPORT_HANDLER = """
import sys
sys.path[:0] = sys.argv[1:]
import handler, cinema
assert cinema.__file__.startswith(sys.argv[2]), cinema.__file__
"""


def can_load_the_layers() -> bool:
    """The layers hold CPython 3.11 x86_64 Linux wheels, as Lambda's python3.11 runs them (>= 3.11.3)."""
    return (
        sys.platform == "linux"
        and platform.machine() == "x86_64"
        and (3, 11, 3) <= sys.version_info < (3, 12)
    )


def handler_import_problems(function: Path, layers: list[Path]) -> list[str]:
    """Imports the function's handler as Lambda would: only its folder and the layers on sys.path
    (-I -S: no site-packages, no environment; -B: no bytecode written into the build), so a module
    missing from the layers shows here."""
    paths = [str(function.resolve()), *(str((layer / "python").resolve()) for layer in layers)]
    done = subprocess.run(  # noqa: S603 - this interpreter, fixed code, paths of the build
        [sys.executable, "-I", "-S", "-B", "-c", IMPORT_HANDLER, *paths],
        cwd=function,
        env={"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "eu-central-1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode == 0:
        return []
    last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
    return [f"{function.name}: the handler does not import from the layers: {last}"]


def check(build: Path, *, import_handlers: bool = False, bytecode: bool = False) -> list[str]:
    problems: list[str] = []
    layers = sorted(p for p in build.iterdir() if (p / "python").is_dir())
    functions = sorted(p for p in build.iterdir() if (p / "handler.py").is_file())
    if not layers:
        return [f"no layer in {build} (run sam build first)"]
    layer_bytes = 0
    for layer in layers:
        size = size_of(layer)
        layer_bytes += size
        print(f"layer    {layer.name:<24} {size / 1e6:8.2f} MB unzipped, {len(files(layer))} files")
        problems += [f"{layer.name}: ships {p}" for p in forbidden_files(layer)]
        if (layer / "python" / "cinema").is_dir():
            problems += [f"{layer.name}: {p}" for p in unresolved_imports(layer / "python")]
        if bytecode and (missing := missing_bytecode(layer / "python")):
            problems.append(
                f"{layer.name}: {len(missing)} modules without unchecked-hash {BYTECODE_TAG} bytecode,"
                f" e.g. {missing[0]} (built with Python 3.11? layers/cinema/Makefile)"
            )
    largest = 0
    for function in functions:
        size = size_of(function)
        whole = size + layer_bytes  # every function carries both layers (Globals)
        largest = max(largest, whole)
        print(
            f"function {function.name:<24} {size / 1e3:8.1f} kB unzipped,"
            f" {whole / MB:7.2f} MiB with the layers ({100 * whole / LAMBDA_UNZIPPED_LIMIT:.0f}% of 250 MiB)"
        )
        if import_handlers:
            problems += handler_import_problems(function, layers)
        if whole > LAMBDA_UNZIPPED_LIMIT:
            problems.append(f"{function.name}: {whole / MB:.1f} MiB with its layers, over 250 MiB")
    print(
        f"layers together: {layer_bytes / 1e6:.2f} MB = {layer_bytes / MB:.2f} MiB unzipped"
        " (Lambda allows 250 MiB with the function)"
    )
    if functions:
        margin = LAMBDA_UNZIPPED_LIMIT - largest
        print(
            f"largest function with its layers: {largest / MB:.2f} MiB of Lambda's 250 MiB unzipped,"
            f" margin {margin / MB:.2f} MiB ({100 * margin / LAMBDA_UNZIPPED_LIMIT:.0f}%)"
        )
        if margin < MARGIN:
            print(
                f"!! less than {MARGIN // MB} MiB of margin left: a dependency update may not fit",
                file=sys.stderr,
            )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build", nargs="?", type=Path, default=Path(".cache/sam-build"))
    parser.add_argument(
        "--import-handlers",
        action="store_true",
        help="also import every handler from the built layers alone (skipped off Linux x86_64 / Python 3.11)",
    )
    parser.add_argument(
        "--bytecode",
        action="store_true",
        help="also require the bytecode Lambda's python3.11 uses as it is next to every module of the layers",
    )
    args = parser.parse_args(argv)
    import_handlers = args.import_handlers and can_load_the_layers()
    if args.import_handlers and not import_handlers:
        print("(handlers not imported: this interpreter cannot load Lambda's python3.11 x86_64 wheels)")
    problems = check(args.build, import_handlers=import_handlers, bytecode=args.bytecode)
    for problem in problems:
        print(f"!! {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
