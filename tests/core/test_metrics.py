"""The business figures (cinema.core.metrics): counted by the actions themselves, printed as
CloudWatch EMF by a Lambda function at the end of each invocation, and nowhere on one machine.
X-Ray (cinema.core.tracing) is loaded only in a Lambda function with tracing on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from tests.functions.fresh_process import run_handler
from tests.media_rows import insert_upload
from tests.payments.conftest import applier_idle, fake, plans, stripe_settings  # noqa: F401 - fixtures
from tests.payments.stripe_events import WEBHOOK_SECRET, event, film_session, post, signed

from cinema.core import metrics
from cinema.local.stripe_emulator import objects as stripe_objects

ROOT = Path(__file__).parents[2]
API = "/api/v1"
EVENTS = ROOT / "tests" / "events"


def emf(stdout: str) -> list[dict[str, Any]]:
    """The Embedded Metric Format lines among a process's output."""
    lines = (json.loads(line) for line in stdout.splitlines() if line.startswith("{"))
    return [line for line in lines if "_aws" in line]


def figures(lines: list[dict[str, Any]]) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """name and dimensions (service included) -> value, summed over the lines; each line checked
    against the EMF shape CloudWatch reads."""
    found: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for line in lines:
        [directive] = line["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "Cinema"
        assert isinstance(line["_aws"]["Timestamp"], int)
        [dimension_names] = directive["Dimensions"]
        dimensions = tuple(sorted((name, line[name]) for name in dimension_names))
        for metric in directive["Metrics"]:
            assert metric["Unit"] == "Count"
            key = (metric["Name"], dimensions)
            value = line[metric["Name"]]  # Powertools writes a list of values (EMF allows either)
            found[key] = found.get(key, 0) + (sum(value) if isinstance(value, list) else value)
    return found


@pytest.fixture
def lambda_counting(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process counts and flushes as a function named "test" would (put back after)."""
    monkeypatch.setattr(metrics, "_counts", None)
    monkeypatch.setattr(metrics, "_metrics", None)
    metrics.start("test")


def test_one_machine_counts_nothing_and_prints_nothing():
    probe = "from cinema.core import metrics\nmetrics.count('Plays')\nmetrics.flush()\nprint(metrics._counts)"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split() == ["None"]


def test_a_flush_prints_one_emf_line_per_set_of_dimensions_and_forgets(lambda_counting, capsys):
    for _ in range(3):
        metrics.count("Heartbeats")
    metrics.count("Plays")
    metrics.count("LoginsRefused", reason="bad_credentials")
    metrics.count("LoginsRefused", reason="bad_credentials")
    metrics.count("Webhooks", type="invoice.paid", outcome="accepted")
    metrics.flush()
    lines = emf(capsys.readouterr().out)
    assert len(lines) == 3  # no dimension, reason, type and outcome
    assert figures(lines) == {
        ("Heartbeats", (("service", "test"),)): 3,
        ("Plays", (("service", "test"),)): 1,
        ("LoginsRefused", (("reason", "bad_credentials"), ("service", "test"))): 2,
        ("Webhooks", (("outcome", "accepted"), ("service", "test"), ("type", "invoice.paid"))): 1,
    }
    metrics.flush()  # nothing counted since: nothing printed, no warning
    assert capsys.readouterr().out == ""


def test_powertools_metrics_disabled_prints_nothing_and_keeps_nothing(lambda_counting, capsys, monkeypatch):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    for _ in range(150):  # Powertools prints on its own at 100 values of one metric
        metrics.count("Heartbeats")
        metrics.flush()
    assert capsys.readouterr().out == ""
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED")
    metrics.count("Plays")
    metrics.flush()
    assert figures(emf(capsys.readouterr().out)) == {("Plays", (("service", "test"),)): 1}


def test_a_bad_figure_is_logged_not_raised(lambda_counting, capsys, caplog):
    metrics.count("")  # CloudWatch refuses an empty name: Powertools raises
    metrics.flush()
    assert "metrics not flushed" in caplog.text
    metrics.count("Plays")
    metrics.flush()
    assert figures(emf(capsys.readouterr().out)) == {("Plays", (("service", "test"),)): 1}


# A fresh interpreter loads one function's handler and invokes it once per request, as a Lambda
# container does (the events are tests/functions/lambda_runner.py's, the body sent as given).
INVOKE = """
import base64, importlib.util, json, sys
sys.path.insert(0, {tests!r})
from functions.lambda_runner import Context, event
spec = importlib.util.spec_from_file_location("handler", {handler!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
statuses = []
for method, path, body, headers in json.loads(sys.stdin.read()):
    e = event({{"method": method, "path": path}})
    e["headers"].update({{k.lower(): v for k, v in headers.items()}})
    e["body"], e["isBase64Encoded"] = base64.b64encode(body.encode()).decode(), True
    statuses.append(module.handler(e, Context())["statusCode"])
print(json.dumps({{"x_ray": "aws_xray_sdk.core" in sys.modules}}))
print(json.dumps(statuses))
"""


def invoke(
    function: str, requests: list[tuple[str, str, str, dict[str, str]]], **env: str
) -> tuple[list[int], str]:
    """The statuses of (method, path, body, headers) requests to a function, and its stdout."""
    probe = INVOKE.format(
        tests=str(ROOT / "tests"), handler=str(ROOT / "functions" / function / "handler.py")
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        input=json.dumps(requests),
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stdout


def test_the_auth_function_prints_signups_and_refused_logins_as_emf(services):
    account = {"email": "emf@kino.io", "password": "Emf-figures-2026"}
    wrong = urlencode({"username": account["email"], "password": "wrong-password-2026"})
    statuses, stdout = invoke(
        "auth",
        [
            ("POST", f"{API}/auth/register", json.dumps(account), {"content-type": "application/json"}),
            ("POST", f"{API}/auth/token", wrong, {"content-type": "application/x-www-form-urlencoded"}),
        ],
    )
    assert statuses == [201, 401]
    lines = emf(stdout)
    assert len(lines) == 2  # one flush per invocation
    assert figures(lines) == {
        ("Signups", (("service", "auth"),)): 1,
        ("LoginsRefused", (("reason", "bad_credentials"), ("service", "auth"))): 1,
    }


async def test_the_payments_function_prints_webhooks_by_type_and_outcome(viewer, catalog):
    film = await catalog.film(title="Счёт", access="purchase", price={"amount": 5900, "currency": "RUB"})
    session = film_session(
        stripe_objects.new_id("cs_test"),
        user_id=str(viewer.id),
        film_id=film["id"],
        amount=5900,
        intent="pi_emf",
    )
    genuine = signed(event("checkout.session.completed", session))
    forged = signed(event("checkout.session.completed", session), secret="whsec_forged")
    ignored = signed(event("customer.created", {"id": "cus_emf", "object": "customer"}))
    statuses, stdout = invoke(
        "payments",
        [
            ("POST", f"{API}/payments/webhook", body.decode(), headers)
            for body, headers in (forged, genuine, genuine, ignored)
        ],
        CINEMA_STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    assert statuses == [400, 200, 200, 200]
    service = ("service", "payments")
    assert figures(emf(stdout)) == {
        ("Webhooks", (("outcome", "refused"), service, ("type", "unknown"))): 1,
        ("Webhooks", (("outcome", "accepted"), service, ("type", "checkout.session.completed"))): 1,
        ("Webhooks", (("outcome", "duplicate"), service, ("type", "checkout.session.completed"))): 1,
        ("Webhooks", (("outcome", "ignored"), service, ("type", "other"))): 1,
    }


async def test_the_streaming_function_prints_plays_and_heartbeats_as_emf(catalog, viewer):
    film = await catalog.film(title="Поток", access="free", duration_seconds=600)
    await insert_upload(film["id"], ready=True)
    auth = {"authorization": f"Bearer {viewer.access_token}", "content-type": "application/json"}
    beat = json.dumps({"position_seconds": 30})
    statuses, stdout = invoke(
        "streaming",
        [
            ("GET", f"{API}/films/{film['id']}/play", "", auth),
            ("PUT", f"{API}/films/{film['id']}/progress", beat, auth),
            ("PUT", f"{API}/films/{film['id']}/progress", beat, auth),  # coalesced, still a heartbeat
        ],
    )
    assert statuses == [200, 204, 204]
    assert figures(emf(stdout)) == {
        ("Plays", (("service", "streaming"),)): 1,
        ("Heartbeats", (("service", "streaming"),)): 2,
    }


def mediaconvert(name: str, film_id: str, upload_id: object) -> dict[str, Any]:
    raw = (EVENTS / f"mediaconvert_{name}.json").read_text()
    return json.loads(raw.replace("FILM_ID", film_id).replace("UPLOAD_ID", str(upload_id)))


async def test_the_media_status_function_prints_transcodes_by_outcome(catalog):
    done_film, failed_film = await catalog.film(title="Готов"), await catalog.film(title="Сбой")
    done_upload, failed_upload = await insert_upload(done_film["id"]), await insert_upload(failed_film["id"])
    done = run_handler(
        "media_status",
        [
            mediaconvert("progressing", done_film["id"], done_upload),
            mediaconvert("complete", done_film["id"], done_upload),
            mediaconvert("complete", done_film["id"], done_upload),  # again: counted once
            mediaconvert("error", failed_film["id"], failed_upload),
        ],
    )
    assert done.returncode == 0, done.stderr[-3000:]
    service = ("service", "media_status")
    assert figures(emf(done.stdout)) == {
        ("Transcodes", (("outcome", "complete"), service)): 1,
        ("Transcodes", (("outcome", "error"), service)): 1,
    }


# Each business action counts its figure (in process, through the one-machine app).


async def test_a_signup_and_refused_logins_count(client):
    account = {"email": "counted@kino.io", "password": "Counted-figure-2026"}
    with metrics.recording() as counted:
        assert (await client.post(f"{API}/auth/register", json=account)).status_code == 201
        wrong = {"username": account["email"], "password": "not-the-password-1"}
        assert (await client.post(f"{API}/auth/token", data=wrong)).status_code == 401
    assert counted[metrics.key("Signups")] == 1
    assert counted[metrics.key("LoginsRefused", reason="bad_credentials")] == 1


async def test_a_play_and_a_heartbeat_count(client, catalog, viewer):
    film = await catalog.film(title="Считанный", access="free", duration_seconds=600)
    await insert_upload(film["id"], ready=True)
    with metrics.recording() as counted:
        assert (await client.get(f"{API}/films/{film['id']}/play", headers=viewer.auth)).status_code == 200
        beat = {"position_seconds": 30}
        answer = await client.put(f"{API}/films/{film['id']}/progress", json=beat, headers=viewer.auth)
        assert answer.status_code == 204
    assert (counted[metrics.key("Plays")], counted[metrics.key("Heartbeats")]) == (1, 1)


async def test_a_checkout_and_a_webhook_count(client, viewer, plans, fake):  # noqa: F811 - fixtures
    with metrics.recording() as counted:
        checkout = {"kind": "subscription", "plan_id": plans["month"]["id"]}
        assert (
            await client.post(f"{API}/payments/checkout", json=checkout, headers=viewer.auth)
        ).status_code == 201
        ignored = event("customer.created", {"id": "cus_counted", "object": "customer"})
        assert (await post(client, ignored)).status_code == 200
    assert counted[metrics.key("Checkouts", kind="subscription")] == 1
    assert counted[metrics.key("Webhooks", type="other", outcome="ignored")] == 1


@pytest.mark.parametrize("in_lambda", [False, True])
def test_x_ray_is_loaded_only_in_a_lambda_function_with_tracing_on(services, in_lambda):
    # What the Lambda runtime sets; the daemon's address is nobody's (UDP, never waited on).
    runtime = {
        "AWS_LAMBDA_FUNCTION_NAME": "cinema-catalog" if in_lambda else "",
        "LAMBDA_TASK_ROOT": str(ROOT) if in_lambda else "",
        "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:9",
    }
    statuses, stdout = invoke("catalog", [("GET", f"{API}/genres", "", {})], **runtime)
    assert statuses == [200]
    assert json.loads(stdout.strip().splitlines()[-2]) == {"x_ray": in_lambda}
