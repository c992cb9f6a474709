"""The one-machine app: every module's routers in one process, plus the local-only routes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI

from cinema.account import heartbeats
from cinema.core.app import build_app
from cinema.core.settings import get_settings
from cinema.http_functions import every_router
from cinema.local.dev_tools import mount_dev_tools
from cinema.local.docs import mount_docs
from cinema.local.edge.router import edge_router
from cinema.local.web import WebApp
from cinema.media import storage
from cinema.payments import applier

HEARTBEAT_FLUSH_S = 2.0


@asynccontextmanager
async def _lifespan(_: FastAPI) -> AsyncIterator[None]:
    from cinema.local.media_worker.worker import LocalWorker  # noqa: PLC0415 - ffmpeg tooling, local only

    worker = LocalWorker()
    worker.run()
    demo = None
    if get_settings().demo_media:
        from cinema.local.demo_media import ensure_demo_media  # noqa: PLC0415

        demo = asyncio.get_running_loop().create_task(ensure_demo_media(), name="demo-media")
    flusher = asyncio.get_running_loop().create_task(_flush_heartbeats(), name="heartbeat-flush")
    # Stripe's accepted events: applied as each arrives (the webhook wakes the applier); the
    # sweep applies what a crash or a failed attempt left, from the start and every few seconds.
    # Unless a process of its own applies them (`cinema serve`: cinema.local.payments_worker).
    tasks = [flusher]
    if not applier.apply_elsewhere:
        tasks.append(asyncio.get_running_loop().create_task(applier.sweep(), name="webhook-sweep"))
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        if demo is not None:
            demo.cancel()
        await asyncio.gather(*tasks, *([demo] if demo else []), return_exceptions=True)
        await heartbeats.flush_due()  # nothing a viewer sent is left behind
        if not applier.apply_elsewhere:
            await applier.settled()  # nor an accepted event (the next start's sweep would apply it)
        await worker.stop()


async def _flush_heartbeats() -> None:
    """Heartbeats reach PostgreSQL whenever a heartbeat is due to flush; this also writes the
    last ones of viewers who stopped when nobody else is watching (in AWS the next heartbeat of
    anyone or the viewer's own next read does; they are never lost, only later)."""
    while True:
        await asyncio.sleep(HEARTBEAT_FLUSH_S)
        await heartbeats.flush_due()


def _mount_edge(app: FastAPI) -> None:
    """The local CDN edge at /media: serves the media bucket to validly signed requests."""
    settings = get_settings()
    private_pem = settings.cloudfront_private_key.get_secret_value().encode()
    if settings.media_url or not private_pem:
        return  # a real CDN serves the media, or playback signing is not configured
    key = serialization.load_pem_private_key(private_pem, password=None)
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    app.include_router(
        edge_router(
            s3_client_factory=storage.s3_client,
            bucket=settings.media_bucket,
            public_keys={settings.cloudfront_key_pair_id: public_pem},
            public_base_url=settings.base_url,
        )
    )


def create_app() -> FastAPI:
    app = build_app(
        # Routes are matched in order (each one passed costs a few microseconds), the busiest
        # first: heartbeats (every viewer, every 15 s) and /play, then the catalog's reads, then
        # Stripe's webhook (first of payments: bursts of deliveries; behind the ~45 routes that
        # follow, matching it cost ~0.1 ms of CPU a delivery, see bench/README.md).
        *every_router(
            first=("cinema.media.playback_router", "cinema.catalog.router", "cinema.payments.router")
        ),
        title="Cinema API (local)",
        docs=False,
    )
    app.router.lifespan_context = _lifespan
    mount_docs(app)
    _mount_edge(app)
    # Local-only routes sit outside /api/v1: they are not part of the contract.
    mount_dev_tools(app)
    # Last: the built web app answers only what no route above took (the router's fallback).
    app.router.default = WebApp(get_settings(), app.router.not_found)
    return app
