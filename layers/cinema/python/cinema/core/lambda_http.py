"""The shape of every HTTP Lambda: an app of a few routers behind Mangum, Powertools logging,
the business figures flushed as EMF after each invocation (cinema.core.metrics) and X-Ray where
tracing is on (cinema.core.tracing).

Built once per container at import; the engine and the Redis client inside are created on
first use and then reused by every warm invocation on Mangum's one event loop. Building the
handler ends the cold start (cinema.core.coldstart).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from fastapi import APIRouter
from mangum import Mangum

from cinema.core import coldstart, metrics, tracing
from cinema.core.app import build_app

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def http_handler(service: str, *routers: APIRouter) -> LambdaHandler:
    logger = Logger(service=service)
    logging.getLogger("cinema")  # registered, so the JSON config below reaches every cinema.* logger
    copy_config_to_registered_loggers(source_logger=logger, include={"cinema"})
    asgi = Mangum(build_app(*routers, title=f"Cinema API: {service}"), lifespan="off")
    metrics.start(service)

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        try:
            return asgi(event, context)
        finally:
            metrics.flush()

    handler = tracing.traced(service, handler)
    handler.app = asgi.app  # type: ignore[attr-defined] - tests and tools reach the app
    coldstart.loaded()
    return handler
