"""A cap on request bodies: 413 before a large body is read whole, in the API's error shape.

A declared Content-Length over the cap is answered at once, without reading a byte or running
the route. A body without one (chunked) or longer than it said is counted as it streams in;
the read that crosses the cap raises a 413 HTTPException, which the app's handlers answer like
any other error (FastAPI lets an HTTPException raised while reading the body through as is).
Video never comes through the API (uploads go straight to S3), so JSON and form bodies are
small: the cap is `CINEMA_MAX_BODY_BYTES` (1 MiB). (FastAPI's own `max_body_size` answers a
declared oversize body in plain text, outside the `{"detail": ...}` contract.)
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DETAIL = "request body too large"


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await _refuse(send, self.max_bytes)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, DETAIL)
            return message

        await self.app(scope, counted, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            # A malformed length is the server's to refuse; a huge one is simply huge.
            if text.isascii() and text.isdigit():
                return int(text) if len(text) <= 18 else 10**18
    return None


async def _refuse(send: Send, max_bytes: int) -> None:
    body = json.dumps({"detail": f"{DETAIL} (at most {max_bytes} bytes)"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
