"""The payments Lambda answers real HTTP API v2 events in a fresh process: plans, Stripe's
webhook (raw body through API Gateway and Mangum, signature checked), the cabinet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.payments.stripe_events import WEBHOOK_SECRET, event, film_session, signed

from cinema.local.stripe_emulator import objects as stripe_objects

RUNNER = Path(__file__).with_name("lambda_runner.py")


def run(steps: list[dict]) -> list[dict]:
    env = {**os.environ, "POWERTOOLS_SERVICE_NAME": "test", "CINEMA_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET}
    done = subprocess.run(
        [sys.executable, str(RUNNER)],
        input=json.dumps(steps),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


async def test_the_payments_lambda(viewer, catalog, plans):
    film = await catalog.film(
        title="Ёжик в тумане", access="purchase", price={"amount": 5900, "currency": "RUB"}
    )
    session = film_session(
        stripe_objects.new_id("cs_test"),
        user_id=str(viewer.id),
        film_id=film["id"],
        amount=5900,
        intent="pi_lambda",
    )
    body, headers = signed(event("checkout.session.completed", session))
    forged_body, forged_headers = signed(event("checkout.session.completed", session), secret="whsec_forged")
    webhook = {
        "method": "POST",
        "path": "/api/v1/payments/webhook",
        "headers": headers,
        "body": body.decode(),
    }
    results = run(
        [
            {"method": "GET", "path": "/api/v1/plans"},
            {
                "method": "POST",
                "path": "/api/v1/payments/webhook",
                "headers": forged_headers,
                "body": forged_body.decode(),
            },
            webhook,
            webhook | {"base64": True},  # the same event again, base64-encoded by API Gateway this time
            {
                "method": "GET",
                "path": "/api/v1/me/payments",
                "headers": {"authorization": f"Bearer {viewer.access_token}"},
            },
            {
                "method": "GET",
                "path": "/api/v1/me/subscription",
                "headers": {"authorization": f"Bearer {viewer.access_token}"},
            },
            {
                "method": "POST",
                "path": "/api/v1/payments/checkout",
                "headers": {"content-type": "application/json"},
                "body": "{}",
            },
        ]
    )
    assert [r["status"] for r in results] == [200, 400, 200, 200, 200, 200, 401]
    assert [p["name"] for p in results[0]["body"]] == ["Monthly", "Yearly"]
    assert (results[2]["body"]["result"], results[3]["body"]["result"]) == ("accepted", "duplicate")
    [line] = results[4]["body"]["items"]
    assert (line["description"], line["status"]) == ("Ёжик в тумане", "paid")
    assert results[5]["body"] == {"status": "none"}
