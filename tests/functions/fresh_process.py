"""Invokes one event handler of functions/ in a fresh interpreter, as a new Lambda container
runs it (event_runner.py), with the events given; the one runner of the event-handler tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]


def run_handler(function: str, events: list[dict]) -> subprocess.CompletedProcess[str]:
    """The finished process: its last stdout line is the JSON list of the handler's answers."""
    return subprocess.run(
        [
            sys.executable,
            str(Path(__file__).with_name("event_runner.py")),
            str(ROOT / "functions" / function / "handler.py"),
        ],
        input=json.dumps(events),
        capture_output=True,
        text=True,
        env={**os.environ, "POWERTOOLS_SERVICE_NAME": function},
        timeout=120,
        check=False,
    )


def answers(function: str, events: list[dict]) -> list[dict]:
    """The handler's answers, one per event; the invocation must succeed."""
    done = run_handler(function, events)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
