"""Runs in a fresh interpreter, as the payments Lambda container would: loads the handler once
and feeds it API Gateway HTTP API v2 events. Steps come as JSON on stdin:
{"method", "path", "body": raw text or null, "headers": {...}, "base64": bool}; one JSON line out."""

from __future__ import annotations

import base64
import copy
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parents[2]
EVENT = json.loads((ROOT / "tests" / "events" / "http_api_proxy.json").read_text())


class Context:
    function_name = "cinema-payments"
    function_version = "$LATEST"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:cinema-payments"
    aws_request_id = "5b2e4a1c-0000-4000-8000-000000000000"


def event(step: dict[str, Any]) -> dict[str, Any]:
    e = copy.deepcopy(EVENT)
    e.update(
        rawPath=step["path"], rawQueryString="", queryStringParameters=None, cookies=None, pathParameters=None
    )
    e["headers"] = {"host": "api.example.net", **{k.lower(): v for k, v in step.get("headers", {}).items()}}
    body = step.get("body")
    if body is None:
        e["body"], e["isBase64Encoded"] = "", False
    elif step.get("base64"):
        e["body"], e["isBase64Encoded"] = base64.b64encode(body.encode()).decode(), True
    else:  # what API Gateway passes for a JSON body: the text itself
        e["body"], e["isBase64Encoded"] = body, False
    e["requestContext"]["http"].update(method=step["method"], path=step["path"], sourceIp="198.51.100.9")
    return e


def main() -> None:
    spec = importlib.util.spec_from_file_location(
        "payments_handler", ROOT / "functions" / "payments" / "handler.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    results = []
    for step in json.loads(sys.stdin.read()):
        answer = module.handler(event(step), Context())
        results.append(
            {
                "status": answer["statusCode"],
                "body": json.loads(answer["body"]) if answer.get("body") else None,
            }
        )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
