"""Request ids and security headers, as one pure ASGI middleware (cheaper than BaseHTTPMiddleware)."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cinema.core.logging import request_id

log = logging.getLogger("cinema.http")

_VALID_ID = re.compile(r"^[A-Za-z0-9._:=-]{1,128}$")
_API_CSP = b"default-src 'none'; frame-ancestors 'none'"
# The interactive docs page needs its own scripts and styles; everything else is JSON.
_DOCS_CSP = (
    b"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data:; frame-ancestors 'none'"
)
_COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


def _incoming_request_id(scope: Scope) -> str:
    event = scope.get("aws.event") or {}
    aws_id = (event.get("requestContext") or {}).get("requestId")
    if aws_id:
        return str(aws_id)
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if _VALID_ID.match(text):
                return text
    return uuid.uuid4().hex


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, hsts: bool = False, access_log: bool = True) -> None:
        self.app = app
        self.hsts = hsts
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _incoming_request_id(scope)
        token = request_id.set(rid)
        path: str = scope.get("path", "")
        csp = _DOCS_CSP if path in ("/docs", "/redoc") or path.startswith("/static/docs") else _API_CSP
        started = time.perf_counter()
        status = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.append((b"x-request-id", rid.encode()))
                headers.extend(h for h in _COMMON if h[0] not in present)
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", csp))
                if self.hsts:
                    headers.append((b"strict-transport-security", b"max-age=63072000; includeSubDomains"))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            if self.access_log:
                log.info(
                    "%s %s %s %.1fms",
                    scope.get("method"),
                    path,
                    status,
                    (time.perf_counter() - started) * 1000,
                )
            request_id.reset(token)
