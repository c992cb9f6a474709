"""nginx-rtmp's control interface: drop the connection that publishes an event.

`rtmp_control` answers on an http location of the same nginx, loopback only
(infra/rtmp/nginx.conf.template). The publisher is addressed by the connection id nginx gave
the hook (`clientid`), in the ingest application: the key is never needed, and dropping the
ingest side also ends the relay into `show`.
"""

from __future__ import annotations

import logging

from cinema.core.settings import get_settings

log = logging.getLogger("cinema.live.control")


async def drop_publisher(app: str, *, name: str | None = None, clientid: str | None = None) -> bool:
    """True when nginx dropped at least one connection."""
    base = get_settings().live_control_url.rstrip("/")
    if not base:
        return False  # AWS: no control interface in reach; the on_update hook drops the publisher
    import httpx  # noqa: PLC0415 - only where nginx's control interface is (one machine)

    params = {"app": app} | ({"name": name} if name else {}) | ({"clientid": clientid} if clientid else {})
    try:
        async with httpx.AsyncClient(timeout=3) as client:
            answer = await client.get(f"{base}/drop/publisher", params=params)
    except httpx.HTTPError as exc:
        log.warning("nginx control unreachable: %s", type(exc).__name__)
        return False
    return answer.status_code == 200 and answer.text.strip() not in ("", "0")
