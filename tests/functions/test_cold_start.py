"""A function loads with the garbage collector off and, once its handler is built, freezes what
it loaded and turns the collector back on (cinema.core.coldstart)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
HANDLERS = sorted(ROOT.glob("functions/*/handler.py"))

# Loads every handler in turn in one fresh interpreter and notes each collection that starts
# while the handler's module runs (its frame on the stack: its imports, building the app).
PROBE = """
import gc, importlib.util, json, sys
current, started = [None], []

def seen(phase, info):
    frame = sys._getframe().f_back
    while phase == "start" and frame is not None:
        if frame.f_code.co_filename == current[0]:
            started.append([info["generation"], frame.f_lineno])
            return
        frame = frame.f_back

gc.callbacks.append(seen)
found = {}
for path in sys.argv[1:]:
    current[0], started[:] = path, []
    spec = importlib.util.spec_from_file_location("handler", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    found[path] = {"collections": list(started), "enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}
print(json.dumps(found))
"""


def test_every_function_loads_without_collecting_then_collects_again():
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *map(str, HANDLERS)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    found = json.loads(done.stdout)
    assert len(found) == len(HANDLERS) >= 9
    for path, state in found.items():
        assert state["collections"] == [], path
        assert state["enabled"], path
        assert state["frozen"] > 10_000, path  # the loaded heap is kept out of later collections


def test_an_app_built_outside_a_function_leaves_the_collector_alone():
    probe = (
        "import gc\nfrom cinema.core.lambda_http import http_handler\n"
        "http_handler('x')\nprint(gc.isenabled(), gc.get_freeze_count())"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split() == ["True", "0"]
