"""schemathesis over the app's own OpenAPI document, every check it has, as an admin and
anonymously: `python -m tests.core.openapi_fuzz [--examples N] [--seed S]`.

The ASGI app of `cinema.local.app.create_app` is called in process (no server, no network),
against the database, Redis and S3 the CINEMA_* variables name (tests/core/test_openapi_fuzz.py
runs this with the test session's). It runs in an interpreter of its own because schemathesis
calls the app on an event loop thread of its own: the app's engine and Redis client are made
there and never meet pytest's loop. Payments are configured against the local Stripe (its API
reached in process too), so no route answers 503 for want of a key.

Prints the operations and checks run and every failure (operation, check, status, body, the
request as curl), and exits 1 when there is any.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import sys
import time
from collections.abc import Mapping
from typing import Any

import httpx
import stripe

ADMIN_EMAIL = "fuzz-admin@kino.io"
ADMIN_PASSWORD = secrets.token_urlsafe(16)
STRIPE = "http://testserver/dev/stripe"


def _configure_payments() -> None:
    os.environ.update(
        CINEMA_STRIPE_API_KEY=f"sk_test_fuzz_{secrets.token_urlsafe(12)}",
        CINEMA_STRIPE_API_BASE=STRIPE,
        CINEMA_STRIPE_WEBHOOK_SECRET=f"whsec_{secrets.token_urlsafe(24)}",
        CINEMA_DEMO_MEDIA="false",
    )


class InProcessStripeHttp(stripe.HTTPClient):
    """The Stripe SDK's HTTP client: each call goes to the app's local Stripe in process, on an
    event loop of the calling worker thread (the local Stripe's API touches no database)."""

    name = "in-process"

    def __init__(self, app: Any) -> None:
        super().__init__()
        self.app = app

    def request(
        self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None, **_: Any
    ) -> tuple[bytes, int, Mapping[str, str]]:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app, client=("127.0.0.1", 40000))
            async with httpx.AsyncClient(transport=transport) as http:
                return await http.request(method, url, headers=dict(headers or {}), content=post_data)

        response = asyncio.run(send())
        return response.content, response.status_code, response.headers

    def close(self) -> None:
        pass


def _without_lifespan(app: Any) -> Any:
    """The app without its lifespan (the transcoding worker is not what is fuzzed)."""

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        await app(scope, receive, send)

    return wrapped


async def _prepare(app: Any) -> None:
    """Plans on sale, an admin, a published film."""
    from sqlalchemy import text  # noqa: PLC0415

    from cinema.auth import bootstrap  # noqa: PLC0415
    from cinema.core import cache, db  # noqa: PLC0415
    from cinema.local.stripe_emulator import objects as stripe_objects  # noqa: PLC0415

    async with db.engine().begin() as conn:
        for price_id, spec in stripe_objects.LOCAL_PRICES.items():
            await conn.execute(
                text(
                    "INSERT INTO plans (name, interval, price_amount, price_currency, stripe_price_id)"
                    " VALUES (:name, :interval, :amount, :currency, :price) ON CONFLICT DO NOTHING"
                ),
                {
                    "name": spec["interval"].title(),
                    "interval": spec["interval"],
                    "amount": spec["unit_amount"],
                    "currency": spec["currency"].upper(),
                    "price": price_id,
                },
            )
    await bootstrap.ensure_admin(email=ADMIN_EMAIL, password=ADMIN_PASSWORD)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40001))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        token = await http.post(
            "/api/v1/auth/token", data={"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        )
        auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
        film = await http.post(
            "/api/v1/admin/films",
            json={"title": "Fuzzed", "year": 2001, "duration_seconds": 600, "access": "free"},
            headers=auth,
        )
        await http.patch(
            f"/api/v1/admin/films/{film.json()['id']}", json={"status": "published"}, headers=auth
        )
    # This loop ends here: the app makes its engine and Redis client again on schemathesis's.
    await db.dispose()
    redis = cache.client()
    if redis is not None:
        await redis.aclose()
    cache.reset()


# positive_data_acceptance expects schema-valid input to be accepted; these inputs carry what
# no schema can state, so a well-formed but wrong one is refused (and must stay refused):
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
OPAQUE = [
    # (method, path, statuses also accepted for schema-valid input, why)
    ("POST", "/api/v1/auth/register", ["422"], "the password policy; special-use email domains"),
    ("POST", "/api/v1/auth/password-reset", ["422"], "special-use email domains (.test, .invalid ...)"),
    ("POST", "/api/v1/auth/password-reset/confirm", ["400", "422"], "a made-up reset token; the policy"),
    ("POST", "/api/v1/users/me/password", ["400", "422"], "a wrong current password; the policy"),
    ("POST", "/api/v1/payments/webhook", ["400"], "a Stripe-Signature is an HMAC of the body"),
    ("PUT", "/api/v1/films/{film_id}/progress", ["422"], "a position past the end of that film"),
    ("POST", "/api/v1/admin/films", ["422"], "price and access go together"),
    ("PATCH", "/api/v1/admin/films/{film_id}", ["422"], "price and access, with the stored film"),
    ("POST", "/api/v1/admin/films/{film_id}/upload", ["422"], "the size cap is a setting"),
    ("POST", "/api/v1/admin/films/{film_id}/upload/complete", ["422"], "the ETags S3 gave the parts"),
    ("POST", "/api/v1/admin/films/{film_id}/subtitles", ["422"], "the file must be WebVTT or SRT"),
    ("POST", "/api/v1/me/profiles", ["422"], "a kids profile sees 12+ at most"),
    ("PATCH", "/api/v1/me/profiles/{profile_id}", ["422"], "a kids profile sees 12+ at most"),
]


def _opaque_inputs(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Per-operation settings (by operation id: path and method filters are or-ed): the OPAQUE
    inputs, and every list whose `cursor` is made up (only a `next_cursor` the server gave is
    valid: anything else is a 422)."""
    extra = {(method, path): statuses for method, path, statuses, _ in OPAQUE}
    settings = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            statuses = list(extra.get((method.upper(), path), []))
            if any(p["name"] == "cursor" for p in operation.get("parameters", [])):
                statuses.append("422")
            if statuses:
                checks = {"positive_data_acceptance": {"expected-statuses": ACCEPTED + statuses}}
                settings.append({"include-operation-id": operation["operationId"], "checks": checks})
    return settings


def _run(
    app: Any, *, who: str, admin: bool, document: dict[str, Any], examples: int, seed: int
) -> tuple[int, list[str]]:
    import schemathesis  # noqa: PLC0415
    from schemathesis.config import SchemathesisConfig  # noqa: PLC0415
    from schemathesis.engine import events, from_schema  # noqa: PLC0415

    settings: dict[str, Any] = {
        "seed": seed,
        "cache": {"enabled": False},
        "generation": {"max-examples": examples, "database": "none"},  # the seed alone decides
        "checks": {"enabled": True},
        "phases": {"stateful": {"enabled": False}},
        "operations": _opaque_inputs(document),
    }
    if admin:  # signed in again whenever a fuzzed logout or password change ended the session
        token = {
            "path": "/api/v1/auth/token",
            "payload": {"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
            "payload_content_type": "application/x-www-form-urlencoded",
            "extract_selector": "/access_token",
            "retry_on": [401],
        }
        settings["auth"] = {"dynamic": {"openapi": {"OAuth2PasswordBearer": token}}}
    config = SchemathesisConfig.from_dict(settings)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app, config=config)
    cases, failures = 0, []
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            cases += len(event.recorder.cases)
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.failure_info is None:
                        continue
                    response = event.recorder.find_response(case_id=case_id)
                    answer = (
                        f"{response.status_code} {response.content[:300]!r}" if response else "no response"
                    )
                    failures.append(
                        f"[{who}] {event.recorder.label}: {check.name}: {check.failure_info.failure.title}\n"
                        f"    {str(getattr(check.failure_info.failure, 'message', ''))[:400]}\n"
                        f"    answer: {answer}\n    {check.failure_info.code_sample[:600]}"
                    )
        elif isinstance(event, events.NonFatalError | events.FatalError):
            failures.append(
                f"[{who}] schemathesis error: {getattr(event, 'value', None) or event.exception!r}"
            )
    return cases, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=int(os.environ.get("CINEMA_FUZZ_EXAMPLES", "10")))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("CINEMA_FUZZ_SEED", "20251214")))
    args = parser.parse_args()
    _configure_payments()
    logging.disable(logging.CRITICAL)  # schemathesis sends what the app logs as errors on purpose
    from cinema.core.settings import get_settings  # noqa: PLC0415
    from cinema.local.app import create_app  # noqa: PLC0415
    from cinema.payments.stripe_gateway import StripeGateway, provider  # noqa: PLC0415

    get_settings.cache_clear()
    app = create_app()
    sdk_http = InProcessStripeHttp(app)
    key = get_settings().stripe_api_key.get_secret_value()
    gateway = StripeGateway(stripe.StripeClient(key, base_addresses={"api": STRIPE}, http_client=sdk_http))
    app.dependency_overrides[provider] = lambda: gateway
    asyncio.run(_prepare(app))
    document = app.openapi()
    started = time.monotonic()
    total, failures = 0, []
    for who, admin in (("admin", True), ("anonymous", False)):
        cases, found = _run(
            _without_lifespan(app),
            who=who,
            admin=admin,
            document=document,
            examples=args.examples,
            seed=args.seed,
        )
        total += cases
        failures += found
        print(f"schemathesis as {who}: {cases} requests, {len(found)} failures", flush=True)
    print(
        f"schemathesis: {total} requests in {time.monotonic() - started:.0f} s, seed {args.seed}, "
        f"{args.examples} examples per operation and phase, {len(failures)} failures"
    )
    for failure in failures:
        print(failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
