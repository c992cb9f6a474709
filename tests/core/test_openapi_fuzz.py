"""schemathesis over the app's own OpenAPI, every check it has (undocumented statuses, response
schemas, negative data rejection, positive data acceptance, methods ...), as an admin and
anonymously, with a fixed seed and a bounded number of examples: 0 failures.

The run itself is tests/core/openapi_fuzz.py (in an interpreter of its own: see there); it
uses this session's database, Redis and S3. CINEMA_FUZZ_EXAMPLES and CINEMA_FUZZ_SEED change
the volume and the draw (e.g. a longer run before a release).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_schemathesis_finds_nothing(services, tmp_path):
    # Not measured by coverage (it would double the run's time); the code it reaches is the
    # code the other tests measure. Hypothesis keeps its caches in the test's own folder.
    env = {
        k: v for k, v in os.environ.items() if k not in ("COVERAGE_PROCESS_CONFIG", "COVERAGE_PROCESS_START")
    }
    env["HYPOTHESIS_STORAGE_DIRECTORY"] = str(tmp_path / "hypothesis")
    run = subprocess.run(
        [sys.executable, "-m", "tests.core.openapi_fuzz"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    print(run.stdout)  # the figures, shown with -s or on failure
    assert run.returncode == 0, run.stdout[-30000:] + run.stderr[-5000:]
    assert " 0 failures" in run.stdout.splitlines()[-1]
