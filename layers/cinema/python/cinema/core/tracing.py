"""X-Ray through Powertools' Tracer, in a Lambda function with tracing on, and nowhere else.

Tracer() loads the X-Ray SDK whether tracing is on or not (~110 ms of imports on this
machine, more than a third of what our own code adds to a cold start) and, with its default
auto-patching, the SDK's patch of every library it knows, which imports each one (boto3 into
functions that never call AWS). So `traced` leaves the handler as it is unless the process is
a Lambda function (AWS_LAMBDA_FUNCTION_NAME; not under `sam local`) with tracing not turned off
(POWERTOOLS_TRACE_DISABLED), and patches only the clients the function has loaded by then:
botocore (S3, MediaConvert) and http.client (what Stripe's SDK and urllib3 send through).
The handler's subsegment does not record the response (it carries tokens and signed URLs).
"""

from __future__ import annotations

import os
import sys
from typing import Any, TypeVar

Handler = TypeVar("Handler", bound=Any)

# X-Ray SDK patch name -> the module whose presence says the function uses it.
PATCHES = {"botocore": "botocore", "httplib": "http.client", "requests": "requests"}


def enabled() -> bool:
    disabled = os.environ.get("POWERTOOLS_TRACE_DISABLED", "").strip().lower() in {"1", "true", "yes", "on"}
    # `sam local invoke` has no X-Ray daemon (Powertools turns tracing off there as well).
    local = bool(os.environ.get("AWS_SAM_LOCAL"))
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME")) and not disabled and not local


def traced(service: str, handler: Handler) -> Handler:
    """The handler inside a Tracer subsegment where tracing applies; otherwise the handler itself."""
    if not enabled():
        return handler
    from aws_lambda_powertools import Tracer  # noqa: PLC0415 - Lambda only (module docstring)

    tracer = Tracer(service=service, auto_patch=False)
    loaded = [patch for patch, module in PATCHES.items() if module in sys.modules]
    if loaded:
        tracer.patch(loaded)
    return tracer.capture_lambda_handler(handler, capture_response=False)
