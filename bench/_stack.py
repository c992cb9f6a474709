"""What the service benchmarks share: the embedded stack in a temporary directory, migrated,
with the settings pointing at it exactly as the test session does (tests/conftest.py).

    with stack() as services:   # PostgreSQL, Redis and S3 in a temp dir, stopped and removed after
        ...
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from cinema.core import migrate
from cinema.core.settings import get_settings
from cinema.local.services.backing import LocalServices


def say(message: str = "") -> None:
    print(message, flush=True)


async def close_connections() -> None:
    """Closes this event loop's database pool and Redis client: the loop that prepared a bench
    ends, and the server's loop (another process or another asyncio.run) opens its own."""
    from cinema.core import cache, db  # noqa: PLC0415 - after the settings point at the stack

    await db.dispose()
    client = cache.client()
    if client is not None:
        await client.aclose()
    cache.reset()


@contextlib.contextmanager
def stack(**settings: str) -> Iterator[LocalServices]:
    """Fresh embedded services (fast PostgreSQL, fresh ports), CINEMA_* set, migrated to head.

    `settings` are extra CINEMA_* variables (without the prefix), e.g. popular_cache_ttl_s="600".
    Everything started here is stopped, and the directory removed, on the way out.
    """
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cinema-bench-", ignore_cleanup_errors=True) as tmp:
        data_dir = Path(tmp)
        services = LocalServices(
            data_dir,
            buckets=["cinema-uploads", "cinema-media", "cinema-web"],
            persistent_ports=False,
            fast=True,
        )
        try:
            services.start()
            os.environ.update(
                services.environment(),
                CINEMA_SHAPE="local",
                CINEMA_JWT_SECRET=secrets.token_urlsafe(48),
                CINEMA_MAILER="outbox",
                **{f"CINEMA_{name.upper()}": value for name, value in settings.items()},
            )
            get_settings.cache_clear()
            migrate.upgrade(services.postgres.url)
            say(f"services up and migrated in {time.perf_counter() - started:.1f}s")
            for service in services.services:
                say(f"  {service.name:<11} {service.description}")
            yield services
        finally:
            services.stop()


def playback_settings(key_pair_id: str) -> dict[str, str]:
    """`stack()` settings for benchmarks that play: a fresh CloudFront key pair (the local edge
    checks its signatures) and access tokens that outlive the run (minted once, before the load)."""
    from cinema.media.signing import generate_key_pair  # noqa: PLC0415

    private_pem, _ = generate_key_pair()
    return {
        "cloudfront_key_pair_id": key_pair_id,
        "cloudfront_private_key": private_pem.decode(),
        "access_token_minutes": "120",
    }
