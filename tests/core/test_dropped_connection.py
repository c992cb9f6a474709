"""RetryDroppedConnection: an idempotent request whose database connection dropped before
any answer went out runs once more; nothing else is retried. (Under load, with every
PostgreSQL connection terminated: tests/faults/test_database.py.)"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from starlette.types import Message, Receive, Scope, Send

from cinema.core.db import RetryDroppedConnection, connection_dropped


def dropped() -> OperationalError:
    return OperationalError(
        "SELECT 1", {}, Exception("server closed the connection"), connection_invalidated=True
    )


class Route:
    """Fails with `failures` in turn, then answers 200 with the body it read."""

    def __init__(self, *failures: BaseException, answer_first: bool = False) -> None:
        self.failures = list(failures)
        self.answer_first = answer_first
        self.calls = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls += 1
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if self.answer_first:
            await send({"type": "http.response.start", "status": 200, "headers": []})
        if self.failures:
            raise self.failures.pop(0)
        if not self.answer_first:
            await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})


async def run(app: Any, method: str, body: bytes = b"") -> list[Message]:
    chunks = [body[:3], body[3:]]
    sent: list[Message] = []

    async def receive() -> Message:
        chunk = chunks.pop(0) if chunks else b""
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def send(message: Message) -> None:
        sent.append(message)

    await RetryDroppedConnection(app)({"type": "http", "method": method, "path": "/x"}, receive, send)
    return sent


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"])
async def test_an_idempotent_request_runs_again_with_its_body(method: str) -> None:
    route = Route(dropped())
    sent = await run(route, method, b'{"position_seconds": 10}')
    assert route.calls == 2
    assert sent[0]["status"] == 200
    assert sent[1]["body"] == b'{"position_seconds": 10}'


async def test_a_post_is_not_run_twice() -> None:
    route = Route(dropped())
    with pytest.raises(OperationalError):
        await run(route, "POST", b"{}")
    assert route.calls == 1


async def test_once_the_answer_has_started_nothing_is_retried() -> None:
    route = Route(dropped(), answer_first=True)
    with pytest.raises(OperationalError):
        await run(route, "GET")
    assert route.calls == 1


async def test_only_once_and_only_for_a_dropped_connection() -> None:
    twice = Route(dropped(), dropped())
    with pytest.raises(OperationalError):
        await run(twice, "GET")
    assert twice.calls == 2
    other = Route(OperationalError("SELECT 1", {}, Exception("deadlock detected")), RuntimeError("bug"))
    with pytest.raises(OperationalError):
        await run(other, "GET")
    assert other.calls == 1
    assert not connection_dropped(RuntimeError("bug"))
    assert connection_dropped(dropped())
