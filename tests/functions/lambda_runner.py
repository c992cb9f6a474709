"""Runs in a fresh interpreter, as a Lambda container would: loads handlers once and feeds
them API Gateway HTTP API v2 events. Reads steps as JSON on stdin, prints one JSON line.

A step: {"handler": "functions/x/handler.py", "method": "GET", "path": "...", "query": "",
"body": {...} | null, "token": "", "profile": ""}. Strings may use {r[N][field]} for step N's JSON answer.
"""

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
    function_name = "cinema"
    function_version = "$LATEST"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:cinema"
    aws_request_id = "4a1c5b2e-0000-4000-8000-000000000000"


def event(step: dict[str, Any]) -> dict[str, Any]:
    e = copy.deepcopy(EVENT)
    e.update(
        rawPath=step["path"], rawQueryString=step.get("query", ""), queryStringParameters=None, cookies=None
    )
    e["pathParameters"] = None
    e["headers"] = {"content-type": "application/json", "host": "api.example.net"}
    if step.get("token"):
        e["headers"]["authorization"] = f"Bearer {step['token']}"
    if step.get("profile"):
        e["headers"]["x-profile-id"] = step["profile"]
    body = step.get("body")
    e["body"] = base64.b64encode(json.dumps(body).encode()).decode() if body is not None else ""
    e["isBase64Encoded"] = body is not None
    e["requestContext"]["http"].update(method=step["method"], path=step["path"], sourceIp="198.51.100.7")
    return e


def main() -> None:
    handlers: dict[str, Any] = {}
    results: list[Any] = []
    for raw in json.loads(sys.stdin.read()):
        name = raw["handler"]
        if name not in handlers:
            spec = importlib.util.spec_from_file_location(name.replace("/", "_"), ROOT / name)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            handlers[name] = module.handler
        step = {k: v.format(r=results) if isinstance(v, str) else v for k, v in raw.items()}
        answer = handlers[name](event(step), Context())
        body = json.loads(answer["body"]) if answer.get("body") else None
        payload = body if isinstance(body, dict) else {"body": body}
        results.append({**payload, "http_status": answer["statusCode"]})
    print(json.dumps(results))


if __name__ == "__main__":
    main()
