"""The local Stripe over HTTP: the REST calls the platform's Stripe SDK makes, answered as
Stripe answers them (form-encoded parameters, Bearer secret key, Idempotency-Key replays,
`{"error": {...}}` bodies), plus the pages a person clicks (stripe_pages.py).

Mounted by the local server at /dev/stripe (outside the API contract; where and for whom:
local/dev_tools.py), so that `CINEMA_STRIPE_API_BASE=<server>/dev/stripe` makes the SDK talk to
it. Unlike a test double it is reachable by people, so it serves the platform only: the API
answers the platform's own secret key (made once per install by `cinema serve`; no other
`sk_test_` key), and every URL a person is sent back to (success, cancel, portal return) must
be a page of the platform's app (settings.web_base_url), or the call is refused with a 400.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from cinema.local.stripe_emulator import pages as stripe_pages
from cinema.local.stripe_emulator.fake import Obj, StripeError, StripeFake

_KEY_PART = re.compile(r"[^\[\]]+")


def decode_form(body: bytes) -> Obj:
    """Stripe's form encoding (`line_items[0][price]=...&metadata[user_id]=...`) to nested
    dicts and lists."""
    root: Obj = {}
    for key, value in parse_qsl(body.decode(), keep_blank_values=True):
        parts = _KEY_PART.findall(key)
        if not parts:
            continue
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(key.isdigit() for key in node):
        return [_lists(node[key]) for key in sorted(node, key=int)]
    return {key: _lists(value) for key, value in node.items()}


def base_url(request: Request) -> str:
    """Where this fake is reached, as the caller reached it (e.g. http://127.0.0.1:8000/dev/stripe)."""
    return f"{request.url.scheme}://{request.url.netloc}{request.scope.get('root_path', '')}".rstrip("/")


def _authorize(request: Request, expected: str) -> None:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if not (expected and scheme.lower() == "bearer" and hmac.compare_digest(key.encode(), expected.encode())):
        raise StripeError(
            401, "Invalid API Key provided. This local Stripe answers the platform's own key only."
        )


def under(url: str, base: str) -> bool:
    """Whether `url` is `base` or a page under it: same scheme, host and port, no userinfo."""
    try:
        target, root = urlsplit(url), urlsplit(base.rstrip("/"))
        same_port = target.port == root.port
    except ValueError:
        return False
    if target.scheme not in ("http", "https") or "\\" in url or target.username or target.password:
        return False
    path = target.path or "/"
    return (
        (target.scheme, target.netloc.lower()) == (root.scheme, root.netloc.lower())
        and same_port
        and (not root.path or path == root.path or path.startswith(root.path + "/"))
    )


def _returning_to_app(fake: StripeFake, params: Obj, *names: str) -> Obj:
    """The parameters, if each return URL among `names` is a page of the platform's app."""
    for name in names:
        url = params.get(name)
        if url is not None and not (isinstance(url, str) and under(url, fake.app_url())):
            error = StripeError(400, f"Invalid URL: {name} must be a page of the platform's app.")
            error.body["error"]["param"] = name
            raise error
    return params


def create_stripe_app(fake: StripeFake) -> FastAPI:
    app = FastAPI(title="Local Stripe", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.fake = fake

    @app.exception_handler(StripeError)
    async def _stripe_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StripeError)
        return JSONResponse(exc.body, status_code=exc.status)

    async def create(request: Request, make: Callable[[Obj], Obj]) -> JSONResponse:
        """A POST that creates an object, replayed for a repeated Idempotency-Key with the same
        parameters and refused (400 idempotency_error) with different ones, as Stripe does."""
        _authorize(request, fake.api_key())
        body = await request.body()
        key = request.headers.get("idempotency-key")
        fake.requests.append({"method": "POST", "path": request.url.path, "idempotency_key": key})
        fingerprint = hashlib.sha256(request.url.path.encode() + b"\n" + body).hexdigest()
        if key:
            seen = fake.idempotency.get(key)
            if seen is not None:
                if seen["fingerprint"] != fingerprint:
                    raise StripeError(
                        400,
                        "Keys for idempotent requests can only be used with the same parameters they were "
                        f"first used with. Try using a key other than '{key}' if you meant to execute a "
                        "different request.",
                        kind="idempotency_error",
                    )
                return JSONResponse(
                    seen["body"], headers={"Idempotent-Replayed": "true", "Idempotency-Key": key}
                )
        obj = make(decode_form(body))
        if key:
            fake.idempotency[key] = {"fingerprint": fingerprint, "body": obj}
        await fake.save()
        return JSONResponse(obj, headers={"Idempotency-Key": key} if key else None)

    def read(request: Request, kind: str, object_id: str, resource: str) -> JSONResponse:
        _authorize(request, fake.api_key())
        fake.requests.append({"method": "GET", "path": request.url.path, "idempotency_key": None})
        return JSONResponse(fake.get(kind, object_id, resource))

    @app.post("/v1/customers")
    async def create_customer(request: Request) -> JSONResponse:
        return await create(request, fake.create_customer)

    @app.get("/v1/customers/{customer_id}")
    async def get_customer(request: Request, customer_id: str) -> JSONResponse:
        return read(request, "customers", customer_id, "customer")

    @app.post("/v1/checkout/sessions")
    async def create_checkout_session(request: Request) -> JSONResponse:
        def make(params: Obj) -> Obj:
            _returning_to_app(fake, params, "success_url", "cancel_url")
            return fake.create_checkout_session(params, base_url(request))

        return await create(request, make)

    @app.get("/v1/checkout/sessions/{session_id}")
    async def get_checkout_session(request: Request, session_id: str) -> JSONResponse:
        return read(request, "sessions", session_id, "checkout.session")

    @app.post("/v1/billing_portal/sessions")
    async def create_portal_session(request: Request) -> JSONResponse:
        def make(params: Obj) -> Obj:
            return fake.create_portal_session(
                _returning_to_app(fake, params, "return_url"), base_url(request)
            )

        return await create(request, make)

    @app.get("/v1/subscriptions/{subscription_id}")
    async def get_subscription(request: Request, subscription_id: str) -> JSONResponse:
        return read(request, "subscriptions", subscription_id, "subscription")

    app.include_router(stripe_pages.router)
    return app
