"""The platform's way to Stripe, with a switch: the door between the Stripe SDK and the local
Stripe (the platform's own /dev/stripe), which the fault tests open, jam or brick up.

- "forward": each request goes through to the local Stripe and its answer comes back.
- "hang": the request is read (and recorded) and never answered: a Stripe that accepts
  connections and is slow beyond any patience.
- "closed": nothing listens on the port any more: connection refused.

Every request that reaches the door is recorded (method, path, Idempotency-Key), answered or not.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
from dataclasses import dataclass
from typing import Literal

Mode = Literal["forward", "hang", "closed"]
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    idempotency_key: str | None


class StripeDoor:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.mode: Mode = "forward"
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._release = threading.Event()  # ends the hung requests
        self._listener: socket.socket | None = None
        self._open_listener(0)
        assert self._listener is not None
        self.port: int = self._listener.getsockname()[1]

    @property
    def base(self) -> str:
        """The Stripe API base the platform is given (its local Stripe's path, through the door)."""
        return f"http://127.0.0.1:{self.port}/dev/stripe"

    def _open_listener(self, port: int) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True, name="stripe-door").start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:  # the listener was closed
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def switch(self, mode: Mode) -> None:
        """Hung requests are let go (closed unanswered) at every switch; "closed" stops listening."""
        with self._lock:
            self._release.set()
            self._release = threading.Event()
            if mode == "closed" and self._listener is not None:
                self._close_listener()
            elif mode != "closed" and self._listener is None:
                self._open_listener(self.port)
            self.mode = mode

    def _close_listener(self) -> None:
        assert self._listener is not None
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._listener = None

    def close(self) -> None:
        self.switch("closed")

    def keys(self, path_part: str) -> list[str | None]:
        """The Idempotency-Keys of the recorded POSTs whose path contains `path_part`, in order."""
        with self._lock:
            return [s.idempotency_key for s in self.seen if s.method == "POST" and path_part in s.path]

    # -- one connection ---------------------------------------------------------------------
    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(30)
            try:
                request = _read_request(conn)
            except (OSError, ValueError):
                return
            if request is None:
                return
            method, path, headers, body = request
            with self._lock:
                self.seen.append(Seen(method, path, headers.get("idempotency-key")))
                mode, release = self.mode, self._release
            if mode == "hang":
                release.wait(120)
                return
            if mode == "forward":
                with contextlib.suppress(OSError, http.client.HTTPException):
                    conn.sendall(self._forward(method, path, headers, body))

    def _forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
        upstream = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=30)
        try:
            sent = {k: v for k, v in headers.items() if k not in HOP_BY_HOP}
            upstream.request(method, path, body=body or None, headers=sent)
            answer = upstream.getresponse()
            content = answer.read()
            lines = [f"HTTP/1.1 {answer.status} {answer.reason}"]
            lines += [
                f"{k}: {v}"
                for k, v in answer.getheaders()
                if k.lower() not in HOP_BY_HOP and k.lower() != "content-length"
            ]
            lines += [f"Content-Length: {len(content)}", "Connection: close"]
            return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + content
        finally:
            upstream.close()


def _read_request(conn: socket.socket) -> tuple[str, str, dict[str, str], bytes] | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, path, _version = request_line.split(" ", 2)
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        body += chunk
    return method, path, headers, body
