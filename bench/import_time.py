"""Cold-start import cost of a Lambda handler against its third-party dependencies alone.

Each sample is a fresh interpreter (as a new Lambda container is) importing either the
handler module or just the libraries it builds on; `-X importtime` gives the cumulative
microseconds of every top-level import. The ratio is what our own code adds on top.

    python bench/import_time.py [functions/auth/handler.py] [--runs 9]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# What functions/auth/handler.py pulls in from outside the project, imported the same way.
DEPENDENCIES = """
import fastapi, fastapi.security, fastapi.middleware.cors
import mangum
from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
import pydantic, pydantic_settings, email_validator, python_multipart
import sqlalchemy, sqlalchemy.ext.asyncio, sqlalchemy.dialects.postgresql
import redis.asyncio
import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
"""


def handler_code(path: Path) -> str:
    return (
        "import importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('handler', {str(path)!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
    )


def import_microseconds(code: str) -> int:
    """Sum of the cumulative times of the top-level imports (the `|` lines with no indent)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "0"},
    )
    total = 0
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.removeprefix("import time:").split("|")
        if not name.startswith("  "):  # one space after the bar: a top-level import
            total += int(cumulative)
    return total


def wall_seconds(code: str) -> float:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import time; t = time.perf_counter()\n{code}\nprint(time.perf_counter() - t)",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("handler", nargs="?", default="functions/auth/handler.py")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    handler = handler_code(ROOT / args.handler)

    # Warm the bytecode caches once so every sample measures the same thing.
    wall_seconds(handler)
    wall_seconds(DEPENDENCIES)

    deps_wall, handler_wall, deps_it, handler_it = [], [], [], []
    for _ in range(args.runs):  # interleaved, so machine noise hits both sides alike
        deps_wall.append(wall_seconds(DEPENDENCIES))
        handler_wall.append(wall_seconds(handler))
        deps_it.append(import_microseconds(DEPENDENCIES))
        handler_it.append(import_microseconds(handler))

    d_wall, h_wall = statistics.median(deps_wall), statistics.median(handler_wall)
    d_it, h_it = statistics.median(deps_it), statistics.median(handler_it)
    print(f"handler: {args.handler}  ({args.runs} fresh interpreters each, medians)")
    print(
        f"  third-party dependencies alone : {d_wall * 1000:7.1f} ms wall, {d_it / 1000:7.1f} ms -X importtime"
    )
    print(
        f"  handler (deps + cinema + app)  : {h_wall * 1000:7.1f} ms wall, {h_it / 1000:7.1f} ms -X importtime"
    )
    print(f"  ratio handler / dependencies   : {h_wall / d_wall:.2f}x wall, {h_it / d_it:.2f}x importtime")


if __name__ == "__main__":
    main()
