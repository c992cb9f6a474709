"""`cinema serve` / `make run`: the whole platform on one machine.

Order: resolve services (given URLs or embedded servers), export their URLs as settings,
migrate, make sure an admin exists, serve HTTP. Ctrl-C or SIGTERM stops uvicorn, and the
`finally` stops every process this started.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import signal
import sys
import time
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from cinema.core import coldstart, migrate
from cinema.core.logging import configure_local_logging
from cinema.core.settings import Settings, get_settings, use_settings
from cinema.local import payments_worker, web
from cinema.local.demo_catalog import demo_catalog
from cinema.local.dev_tools import bind_check
from cinema.local.edge.router import ensure_key_pair
from cinema.local.private_files import write_private
from cinema.local.services.backing import LocalServices
from cinema.local.services.common import port_is_free
from cinema.local.services.rtmp import LocalLive

log = logging.getLogger("cinema.local")

ADMIN_FILE = "admin-credentials.json"


def _say(message: str) -> None:
    print(message, flush=True)


def local_jwt_secret(data_dir: Path) -> str:
    """A per-installation signing key, so no two local installs share the default one."""
    path = data_dir / "jwt-secret"
    if not path.exists():
        write_private(path, secrets.token_urlsafe(48))
    return path.read_text(encoding="utf-8").strip()


def local_stripe_webhook_secret(data_dir: Path) -> str:
    """The webhook signing secret shared by the local Stripe and the webhook, made once."""
    path = data_dir / "stripe-webhook-secret"
    if not path.exists():
        write_private(path, f"whsec_{secrets.token_urlsafe(32)}")
    return path.read_text(encoding="utf-8").strip()


def local_stripe_api_key(data_dir: Path) -> str:
    """The platform's secret key for the local Stripe, made once: the only key it answers."""
    path = data_dir / "stripe-api-key"
    if not path.exists():
        write_private(path, f"sk_test_local_{secrets.token_urlsafe(32)}")
    return path.read_text(encoding="utf-8").strip()


def _unset(name: str) -> bool:
    """True when the environment leaves the setting `name` to the local stack."""
    return not os.environ.get(f"CINEMA_{name.upper()}")


def stripe_settings(data_dir: Path, base_url: str, *, web_app: bool) -> tuple[dict[str, str], str]:
    """Stripe on this machine: the local fake at /dev/stripe, unless CINEMA_STRIPE_API_KEY
    names a real (test) account. Returns the settings to add and the console line.

    Checkout and the portal return to the web app's routes (/payments/success?session_id=...,
    /payments/cancel, /account, from settings.web_base_url) when it is served (`web_app`: a
    build is there, or CINEMA_WEB_URL names one); without one, to the local Stripe's own pages."""
    chosen = {"stripe_webhook_secret": local_stripe_webhook_secret(data_dir)}
    if not _unset("stripe_api_key"):
        api = os.environ.get("CINEMA_STRIPE_API_BASE") or "api.stripe.com"
        line = f"Stripe at {api} (your key); its webhooks go to {base_url}/api/v1/payments/webhook"
        return _unless_set(chosen), line
    fake = f"{base_url}/dev/stripe"
    chosen["stripe_api_base"] = fake
    if not web_app and _unset("web_url"):  # no web app: the fake's own pages
        chosen["checkout_success_url"] = f"{fake}/done?session_id={{CHECKOUT_SESSION_ID}}"
        chosen["checkout_cancel_url"] = f"{fake}/"
        chosen["portal_return_url"] = f"{fake}/"
    # the fake answers its own key only
    chosen = {**_unless_set(chosen), "stripe_api_key": local_stripe_api_key(data_dir)}
    return chosen, f"local Stripe {fake}/   (checkout and portal pages; renewals, failures, refunds)"


def _unless_set(chosen: dict[str, Any]) -> dict[str, Any]:
    """The local stack's choices where the environment does not name the setting itself."""
    return {name: value for name, value in chosen.items() if _unset(name)}


def ensure_demo_admin(settings: Settings) -> str:
    from cinema.auth import bootstrap  # noqa: PLC0415

    email = settings.admin_email
    password = settings.admin_password.get_secret_value()
    if email and password:
        asyncio.run(bootstrap.ensure_admin(email=email, password=password))
        return f"admin {email} (password from CINEMA_ADMIN_PASSWORD)"
    saved = settings.data_dir / ADMIN_FILE
    if saved.exists():
        email = json.loads(saved.read_text(encoding="utf-8"))["email"]
        return f"admin {email} (password in {saved})"
    email = email or "admin@cinema.io"
    password = secrets.token_urlsafe(12)
    asyncio.run(bootstrap.ensure_admin(email=email, password=password))
    write_private(saved, json.dumps({"email": email, "password": password}))
    return f"admin {email} password {password}   <- shown once; also kept in {saved}"


def _banner(
    services: LocalServices, settings: Settings, lines: list[tuple[str, str]], seeded: int, started: float
) -> None:
    base = settings.base_url
    _say("")
    _say("Cinema is running on this machine")
    for service in (services.postgres, services.redis, services.s3):
        _say(f"  {service.name:<11} {service.description}")
    _say(f"  {'api':<11} {base}/api/v1   (docs: {base}/docs, health: {base}/api/v1/health)")
    _say(f"  {'films':<11} {base}/api/v1/films   (signed HLS through the local CDN edge at {base}/media)")
    _say(f"  {'mail':<11} {base}/dev/outbox.html   (files in {settings.outbox_dir})")
    for name, text in lines:
        _say(f"  {name:<11} {text}")
    if seeded:
        _say(
            f"  {'videos':<11} 3 free demo films get generated test videos, transcoding now (a minute or so)"
        )
    _say(f"  {'data':<11} {settings.data_dir}")
    _say(f"  ready in {time.perf_counter() - started:.1f}s; Ctrl-C stops everything")
    _say("")


def _loopback_url(settings: Settings) -> str:
    """How a process on this machine (nginx calling the live hooks) reaches the API."""
    wildcard = settings.host in ("0.0.0.0", "::", "localhost")  # noqa: S104 - compared, not bound
    return f"http://{'127.0.0.1' if wildcard else settings.host}:{settings.port}"


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    # Uvicorn re-raises the signals it caught once it has shut down; with the default SIGTERM
    # action the process would die right there, skipping the `finally` that stops services.
    raise SystemExit(0)


def serving_app() -> FastAPI:
    """What `cinema serve` runs: the app with every router, and for as long as it serves, the
    scheduled work that EventBridge Scheduler invokes in AWS (cinema.local.periodic)."""
    from cinema.local import periodic  # noqa: PLC0415 - after settings are final
    from cinema.local.app import create_app  # noqa: PLC0415
    from cinema.payments import applier  # noqa: PLC0415

    applier.apply_elsewhere = True  # the payments worker applies Stripe's events (payments_worker.py)
    return periodic.attach(create_app())


def _serve(settings: Settings) -> None:
    """The server until it stops, and beside it the payments worker, which applies Stripe's
    events in a process of its own (cinema.local.payments_worker)."""
    payments = payments_worker.start(settings)
    try:
        app = serving_app()
        coldstart.serving()
        config = uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,  # our middleware logs each request as JSON with its request id
            proxy_headers=False,
            lifespan="on",  # starts the transcoding worker, the heartbeat flush, the scheduled work
        )
        uvicorn.Server(config).run()
    finally:
        payments_worker.stop(payments)


def run() -> int:
    started = time.perf_counter()
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    configure_local_logging(os.environ.get("CINEMA_LOG_LEVEL", "INFO"))
    settings = get_settings()
    check = bind_check(settings)
    if check.verdict == "refuse":
        _say(f"error: {check.message}")
        return 2
    if check.verdict == "warn":
        _say(f"\n{'!' * 78}\n{check.message}\n{'!' * 78}\n")
    if not port_is_free(settings.port, settings.host):
        _say(f"error: {settings.host}:{settings.port} is in use; stop what runs there or set CINEMA_PORT")
        return 1
    data_dir = settings.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    services = LocalServices(
        data_dir,
        database_url=settings.database_url,
        redis_url=settings.redis_url,
        s3_endpoint_url=settings.s3_endpoint_url,
        buckets=[settings.uploads_bucket, settings.media_bucket, settings.web_bucket],
        bucket_cors={settings.uploads_bucket: web.browser_origins(settings)},
        region=settings.aws_region,
    )
    # nginx-rtmp when the machine has it: its settings now, the server once S3 runs
    live = LocalLive.configure(data_dir, settings, api_base_url=_loopback_url(settings))
    try:
        services.start()
        stripe, stripe_line = stripe_settings(
            data_dir, settings.base_url, web_app=web.built(settings) is not None
        )
        chosen: dict[str, Any] = {
            **_unless_set({"jwt_secret": local_jwt_secret(data_dir), "demo_media": True}),
            **stripe,
            **services.settings(),
            **live.settings(),
        }
        if _unset("cloudfront_private_key"):
            # The local edge trusts one key pair, made once and kept in the data dir.
            private_pem, _ = ensure_key_pair(data_dir / "cloudfront")
            chosen["cloudfront_private_key"] = private_pem.decode()
            chosen.update(_unless_set({"cloudfront_key_pair_id": "KLOCALEDGE"}))
        settings = Settings(**chosen)
        use_settings(settings)
        migrate.upgrade(settings.database_url)
        admin_line = ensure_demo_admin(settings)
        from cinema.catalog import seed_commands  # noqa: PLC0415

        seeded = asyncio.run(seed_commands.run_demo_if_empty(demo_catalog()))
        catalog_line = f"{seeded} demo films loaded (first run)" if seeded else "as you left it"

        lines = [
            ("web", web.console_line(settings)),
            ("account", admin_line),
            ("catalog", catalog_line),
            ("payments", stripe_line),
            ("live", live.start(settings.media_bucket)),
        ]
        _banner(services, settings, lines, seeded, started)
        _serve(settings)
        return 0
    except KeyboardInterrupt:
        return 0
    except SystemExit as exc:  # our SIGTERM handler (0) or uvicorn giving up (1)
        return exc.code if isinstance(exc.code, int) else 1
    except Exception as exc:
        log.exception("the local platform failed to start")
        _say(f"error: {exc}")
        return 1
    finally:
        _say("stopping the services ...")
        live.stop()
        services.stop()
        _say("stopped")
        sys.stdout.flush()
