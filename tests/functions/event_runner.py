"""Runs in a fresh interpreter like a Lambda container: loads one event handler and invokes
it with each event read (as a JSON list) from stdin. Prints the answers as one JSON line."""

from __future__ import annotations

import importlib.util
import json
import sys


class Context:
    function_name = "cinema-events"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:cinema-events"
    aws_request_id = "5b2d6c3f-0000-4000-8000-000000000000"


def main() -> None:
    spec = importlib.util.spec_from_file_location("event_handler", sys.argv[1])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    print(json.dumps([module.handler(event, Context()) for event in json.loads(sys.stdin.read())]))


if __name__ == "__main__":
    main()
