"""The local Stripe's webhook deliveries: each event signed exactly as Stripe signs it
(`Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with the endpoint's
secret) and posted to the platform's webhook, one after another; every delivery's answer is
kept, and an event can be sent again (as from Stripe's dashboard)."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from cinema.local.stripe_emulator import objects

log = logging.getLogger("cinema.local.stripe")

Obj = dict[str, Any]
# Posts one signed event: (body, headers) -> the webhook's HTTP status.
Deliver = Callable[[bytes, dict[str, str]], Awaitable[int]]


def sign(payload: str, secret: str, timestamp: int) -> str:
    """The Stripe-Signature header of `payload`, as Stripe computes it."""
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


class EventSender:
    def __init__(
        self,
        *,
        webhook_url: Callable[[], str],
        webhook_secret: Callable[[], str],
        deliver: Deliver | None = None,
    ) -> None:
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.deliver: Deliver = deliver or self._post
        self.reset()

    def reset(self) -> None:
        self.events: list[Obj] = []  # id, type, object id, the HTTP status of each delivery
        self._bodies: dict[str, Obj] = {}

    def record(self, event_id: str) -> Obj | None:
        return next((r for r in self.events if r["id"] == event_id), None)

    async def send(self, events: list[tuple[str, Obj]], *, created: int) -> None:
        for event_type, data_object in events:
            event = objects.event(event_type, copy.deepcopy(data_object), created=created)
            self._bodies[event["id"]] = event
            record = {"id": event["id"], "type": event_type, "object": data_object["id"], "deliveries": []}
            self.events.append(record)
            await self.deliver_again(record)

    async def deliver_again(self, record: Obj) -> None:
        payload = json.dumps(self._bodies[record["id"]], separators=(",", ":"), ensure_ascii=False)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            "Stripe-Signature": sign(payload, self.webhook_secret(), int(time.time())),
        }
        try:
            status = await self.deliver(payload.encode(), headers)
        except Exception as exc:  # the platform is down: the dashboard offers to send it again
            log.warning("webhook delivery of %s failed: %s", record["id"], exc)
            status = 0
        record["deliveries"].append(status)
        if not 200 <= status < 300:
            log.warning("webhook %s (%s) answered %s", record["id"], record["type"], status)

    async def _post(self, body: bytes, headers: dict[str, str]) -> int:
        import requests  # noqa: PLC0415 - the Stripe SDK's own HTTP client, always installed with it

        response = await asyncio.to_thread(
            requests.post, self.webhook_url(), data=body, headers=headers, timeout=30
        )
        return response.status_code
