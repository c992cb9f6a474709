from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_auth_handler_serves_http_api_events_twice_in_one_process(services):
    env = {**os.environ, "CINEMA_SHAPE": "local", "POWERTOOLS_SERVICE_NAME": "auth"}
    completed = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).with_name("invoke_twice.py")),
            str(ROOT / "functions/auth/handler.py"),
            "lambda@kino.io",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    outcome = json.loads(completed.stdout.strip().splitlines()[-1])
    assert outcome["same_engine"] is True
    for i, result in enumerate(outcome["results"]):
        assert (result["register"], result["token"], result["me"]) == (201, 200, 200), completed.stderr[
            -3000:
        ]
        assert result["me_email"] == f"{i}-lambda@kino.io"
    # Powertools writes JSON log lines carrying the API Gateway request id as correlation id.
    log_lines = [json.loads(line) for line in completed.stdout.splitlines()[:-1] if line.startswith("{")]
    assert any(line.get("correlation_id") for line in log_lines)
