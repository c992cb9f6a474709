"""The shape of every event-driven Lambda (S3, EventBridge): an async function run on one
event loop that lives as long as the container, so the engine's pooled connections, which
belong to a loop, survive between invocations. Building the handler ends the cold start
(cinema.core.coldstart)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aws_lambda_powertools import Logger

from cinema.core import coldstart, metrics, tracing

AsyncEventFunction = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


def event_handler(
    service: str, function: AsyncEventFunction
) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    logger = Logger(service=service)
    loop = asyncio.new_event_loop()
    metrics.start(service)

    @logger.inject_lambda_context
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        try:
            return loop.run_until_complete(function(event))
        finally:
            metrics.flush()  # the business figures as EMF (cinema.core.metrics)

    handler = tracing.traced(service, handler)  # X-Ray in Lambda (cinema.core.tracing)
    coldstart.loaded()
    return handler
