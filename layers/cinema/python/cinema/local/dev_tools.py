"""The local development tools under /dev, and where they may be reached.

Two tools stand in for services of the AWS shape: the mail outbox (/dev/outbox: every mail the
platform sent, reset links included) and the local Stripe (/dev/stripe: the API the SDK calls,
the checkout and portal pages, and a dashboard that refunds, renews and resends). Either would
hand an outsider other people's accounts or free films, so:

- They are mounted only in the local shape and only when in use: the outbox with the outbox
  mailer, the local Stripe unless a real Stripe key is configured (`Settings.local_stripe`).
- Only on a loopback bind. `CINEMA_DEV_TOOLS_PUBLIC=true` opens the local Stripe on another
  bind (so that a phone on the LAN can pay), with a warning; the outbox is never mounted off
  loopback, so no reset link ever reaches the network (the mail stays in the outbox files).
- Per request, the outbox and the Stripe dashboard (and its buttons) answer only this machine:
  a loopback peer must also name a loopback host (`Host: 127.0.0.1`, `localhost`, `[::1]`), or
  it is a page of another site whose DNS name was rebound to 127.0.0.1; on an opened bind, a
  peer from the network is refused. Anything refused is a 404, as if nothing were there. (On a
  loopback bind no network peer can connect; one seen anyway is an in-process client.)
- Checkout, pay and portal pages stay reachable where mounted: like Stripe's, their URLs are the
  capability (a random session id the platform hands to its signed-in user), sessions exist only
  if the platform made them with its own key, and they redirect only into the platform's app.

`cinema serve` refuses a non-loopback bind while the local Stripe would be in use, unless the
tools are opened on purpose (`bind_check`).
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException

from cinema.core.settings import Settings, Shape, get_settings

log = logging.getLogger("cinema.local")

OPEN_SETTING = "CINEMA_DEV_TOOLS_PUBLIC"


def _loopback_address(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _loopback_name(host: str) -> bool:
    return host == "localhost" or host.endswith(".localhost") or _loopback_address(host)


def is_this_machine(request: Request) -> bool:
    """Whether a request comes from this machine, as this machine names itself."""
    peer = request.client.host if request.client else ""
    if _loopback_address(peer):
        try:
            named = urlsplit(f"//{request.headers.get('host', '')}").hostname or ""
        except ValueError:  # a Host header that is no host at all
            return False
        return _loopback_name(named)
    # A network peer: impossible on a loopback bind unless in-process (an ASGI test client).
    return get_settings().bind_is_loopback


async def this_machine_only(request: Request) -> None:
    """A dependency: 404 for anything but this machine (see the module's docstring)."""
    if not is_this_machine(request):
        raise HTTPException(404, "Not Found")


@dataclass(frozen=True)
class BindCheck:
    verdict: Literal["ok", "warn", "refuse"]
    message: str = ""


def bind_check(settings: Settings) -> BindCheck:
    """What `cinema serve` does about its bind address and the dev tools."""
    if settings.bind_is_loopback:
        return BindCheck("ok")
    where = f"{settings.host}:{settings.port}"
    if settings.local_stripe and not settings.dev_tools_public:
        return BindCheck(
            "refuse",
            f"refusing to listen on {where}: the local Stripe (/dev/stripe) would be reachable from "
            "the network. Listen on 127.0.0.1 (the default), configure a real Stripe test key "
            f"(CINEMA_STRIPE_API_KEY), or open the dev tools on purpose with {OPEN_SETTING}=true.",
        )
    if settings.local_stripe:
        return BindCheck(
            "warn",
            f"WARNING: {OPEN_SETTING}=true: the local Stripe's checkout pages and API are open to "
            f"the network on {where} (its dashboard stays on this machine). Test data only.",
        )
    return BindCheck(
        "warn",
        f"WARNING: listening on {where}: the dev tools are off (the mail outbox page is served on "
        "loopback only; mail is still written to the outbox folder).",
    )


def _mountable(settings: Settings) -> bool:
    return settings.shape is Shape.local and (settings.bind_is_loopback or settings.dev_tools_public)


def mount_dev_tools(app: FastAPI) -> None:
    """The outbox and the local Stripe, where they are allowed (see the module's docstring)."""
    settings = get_settings()
    if not _mountable(settings):
        return
    if settings.mailer == "outbox" and settings.bind_is_loopback:
        from cinema.local.outbox_router import router as outbox_router  # noqa: PLC0415

        app.include_router(outbox_router)
    if settings.local_stripe:
        if not settings.bind_is_loopback:
            log.warning(bind_check(settings).message)
        _mount_stripe(app, settings)


def _mount_stripe(app: FastAPI, settings: Settings) -> None:
    """The local Stripe at /dev/stripe: the API the SDK calls when CINEMA_STRIPE_API_BASE points
    here (`cinema serve` does), the checkout and portal pages, and a dashboard."""
    from cinema.local.stripe_emulator.app import create_stripe_app  # noqa: PLC0415
    from cinema.local.stripe_emulator.fake import StripeFake  # noqa: PLC0415

    # Read afresh on every use: the settings may change after the app is built.
    fake = StripeFake(
        webhook_url=lambda: f"{get_settings().base_url}/api/v1/payments/webhook",
        webhook_secret=lambda: get_settings().stripe_webhook_secret.get_secret_value(),  # noqa: PLW0108
        api_key=lambda: get_settings().stripe_api_key.get_secret_value(),  # noqa: PLW0108
        app_url=lambda: get_settings().web_base_url,
        state_path=settings.data_dir / "stripe-fake.json",
    )
    app.state.stripe_fake = fake
    app.mount("/dev/stripe", create_stripe_app(fake))
