"""Which routers each HTTP Lambda serves, written once: read by every handler
(functions/<name>/handler.py), by the one-machine app (cinema.local.app) and by the test that
holds template.yaml's routes to them (tests/functions/test_template_routes.py).

Modules are named, not imported here: a handler imports only its own routers (cold start).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import APIRouter

HTTP_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "auth": ("cinema.auth.router", "cinema.auth.users_router"),
    "catalog": ("cinema.catalog.router",),
    "admin": (
        "cinema.catalog.admin_router",
        "cinema.catalog.stats_router",
        "cinema.media.admin_router",
        "cinema.media.subtitles_admin_router",
    ),
    "reviews": ("cinema.reviews.router",),
    "account": ("cinema.account.router", "cinema.profiles.router"),
    "payments": ("cinema.payments.router", "cinema.payments.account_router"),
    "streaming": ("cinema.media.playback_router", "cinema.live.router", "cinema.media.subtitles_router"),
}


def routers(function: str) -> list[APIRouter]:
    """The routers of one HTTP function, in the order its app matches them."""
    return [importlib.import_module(module).router for module in HTTP_FUNCTIONS[function]]


def every_router(first: tuple[str, ...] = ()) -> list[APIRouter]:
    """Every function's routers once (one process serving them all): the modules in `first`
    lead, in that order; the others follow in the order of HTTP_FUNCTIONS."""
    named = [module for modules in HTTP_FUNCTIONS.values() for module in modules]
    unknown = set(first) - set(named)
    if unknown:
        raise ValueError(f"not a router of any HTTP function: {sorted(unknown)}")
    ordered = [*first, *(module for module in named if module not in first)]
    return [importlib.import_module(module).router for module in ordered]
