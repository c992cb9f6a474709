"""infra/check_layer.py (the last step of `make check-aws`) on small build directories, and the
code layer that layers/cinema/Makefile really builds (the same make target `sam build` runs)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).parents[2]
SCRIPT = ROOT / "infra" / "check_layer.py"


@pytest.fixture(scope="module")
def check_layer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_layer", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def write(path: Path, text: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def build(tmp_path: Path) -> Path:
    """A clean build: a code layer, a deps layer, one function."""
    code = tmp_path / "CinemaCodeLayer" / "python" / "cinema"
    write(code / "__init__.py")
    write(code / "core" / "__init__.py")
    write(code / "core" / "db.py", "from cinema.core import settings\nfrom . import settings as s\n")
    write(code / "core" / "settings.py", "import cinema.core\n")
    write(code / "catalog" / "__init__.py")
    write(code / "catalog" / "service.py", "from cinema.core.db import x\n")
    write(tmp_path / "CinemaDepsLayer" / "python" / "fastapi" / "__init__.py", "x = 1\n")
    write(tmp_path / "AuthFunction" / "handler.py", "from cinema.core import db\n")
    return tmp_path


def test_a_clean_build_passes_and_prints_the_sizes(check_layer, build: Path, capsys):
    assert check_layer.main([str(build)]) == 0
    out = capsys.readouterr().out
    assert "layer    CinemaCodeLayer" in out
    assert "layer    CinemaDepsLayer" in out
    assert "function AuthFunction" in out
    assert "MB unzipped" in out


@pytest.mark.parametrize(
    "path",
    [
        "CinemaCodeLayer/python/cinema/local/stack.py",
        "CinemaCodeLayer/python/cinema/local/demo_films.json",
        "CinemaCodeLayer/python/cinema/catalog/demo_films.json",
        "CinemaCodeLayer/python/cinema/cli.py",
        "CinemaCodeLayer/python/cinema/catalog/seed_commands.py",
        "CinemaDepsLayer/python/python/cinema/local/__init__.py",  # a stray copy of the source
    ],
)
def test_any_local_only_file_fails(check_layer, build: Path, path: str):
    write(build / path, "")
    problems = check_layer.check(build)
    assert problems == [f"{path.split('/', maxsplit=1)[0]}: ships {path.split('/', 1)[1]}"]


@pytest.mark.parametrize(
    "line",
    [
        "from cinema.catalog import seed_commands",
        "from cinema.local import stack",
        "import cinema.local.stack",
        "from cinema.catalog.bulk_load import load_films",
        "from ..local import web",
    ],
)
def test_an_import_of_a_module_left_out_fails(check_layer, build: Path, line: str):
    write(build / "CinemaCodeLayer" / "python" / "cinema" / "catalog" / "router.py", f"{line}\n")
    problems = check_layer.check(build)
    assert len(problems) == 1
    assert problems[0].startswith("CinemaCodeLayer: cinema/catalog/router.py imports cinema.")
    assert problems[0].endswith("which is not in the layer")


def test_an_empty_build_fails(check_layer, tmp_path: Path):
    assert check_layer.check(tmp_path) == [f"no layer in {tmp_path} (run sam build first)"]


def test_the_code_layer_the_makefile_builds_passes(check_layer, tmp_path: Path, capsys):
    assert shutil.which("make"), "make is a prerequisite of the project (.ci/run installs it)"
    artifacts = tmp_path / "CinemaCodeLayer"
    env = {"PATH": "/usr/bin:/bin", "ARTIFACTS_DIR": str(artifacts)}
    made = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT / "layers" / "cinema"), "build-CinemaCodeLayer"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    package = artifacts / "python" / "cinema"
    assert (package / "core" / "migrations" / "env.py").is_file()  # data and migrations are there
    assert (package / "media" / "job-template.json").is_file()
    assert not list(package.rglob("*.egg-info"))
    python311 = subprocess.run(
        ["python3", "-c", "import sys; sys.exit(sys.version_info[:2] != (3, 11))"], env=env, check=False
    )
    if python311.returncode == 0:  # bytecode compiled afresh, none of the working tree's
        assert check_layer.check(tmp_path, bytecode=True) == []
        assert len(list(package.rglob("*.pyc"))) == len(list(package.rglob("*.py")))
    else:
        assert "warning: no bytecode" in made.stdout
        assert check_layer.check(tmp_path) == []
    assert "layer    CinemaCodeLayer" in capsys.readouterr().out


def test_a_layer_without_bytecode_lambda_can_use_as_it_is_fails_the_bytecode_check(check_layer, build: Path):
    assert check_layer.check(build) == []  # not asked for
    problems = check_layer.check(build, bytecode=True)
    assert [p.split(":")[0] for p in problems] == ["CinemaCodeLayer", "CinemaDepsLayer"]
    assert problems[1].startswith("CinemaDepsLayer: 1 modules without unchecked-hash cpython-311 bytecode")
    # bytecode that checks its source's timestamp is not enough: the zip's timestamps differ
    compile_layers = [
        sys.executable,
        "-m",
        "compileall",
        "-q",
        str(build / "CinemaCodeLayer"),
        str(build / "CinemaDepsLayer"),
    ]
    subprocess.run([*compile_layers, "--invalidation-mode", "timestamp"], check=True)
    assert len(check_layer.check(build, bytecode=True)) == 2
    subprocess.run([*compile_layers, "-f", "--invalidation-mode", "unchecked-hash"], check=True)
    assert check_layer.check(build, bytecode=True) == []


def test_a_handler_is_imported_from_its_folder_and_the_layers_alone(check_layer, build: Path):
    layers = [build / "CinemaCodeLayer", build / "CinemaDepsLayer"]
    assert check_layer.check(build, import_handlers=True) == []
    # pytest is installed here, but not in the layers: the handler must not find it.
    write(build / "CinemaCodeLayer" / "python" / "cinema" / "core" / "db.py", "import pytest\n")
    problems = check_layer.handler_import_problems(build / "AuthFunction", layers)
    assert problems == [
        "AuthFunction: the handler does not import from the layers: "
        "ModuleNotFoundError: No module named 'pytest'"
    ]
    assert not list(build.rglob("__pycache__"))  # nothing written into the build
