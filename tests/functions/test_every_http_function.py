"""Every HTTP function of template.yaml answers a real HTTP API v2 event for one of its own GET
routes, in one fresh process (as a new Lambda container would): a handler that fails to build,
imports what its layer lacks or crashes on its event shows here, whatever the module."""

from __future__ import annotations

import re
from pathlib import Path

from cfnlint.decode import decode
from tests.functions.test_catalog_handlers import run

ROOT = Path(__file__).parents[2]
SOME_ID = "00000000-0000-4000-8000-000000000000"


def http_functions() -> dict[str, list[str]]:
    """handler path -> the GET routes the template gives that function."""
    template, problems = decode(str(ROOT / "template.yaml"))
    assert not problems
    routes: dict[str, list[str]] = {}
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        gets = [
            e["Properties"]["Path"]
            for e in props.get("Events", {}).values()
            if e["Type"] == "HttpApi" and e["Properties"]["Method"] == "GET"
        ]
        if gets:
            routes[f"{props['CodeUri']}handler.py"] = sorted(gets, key=lambda p: (p.count("{"), p))
    return routes


def test_every_http_function_answers_one_of_its_routes(admin):
    functions = http_functions()
    assert len(functions) >= 7  # auth, catalog, admin, streaming, reviews, account, payments
    steps = [
        {
            "handler": handler,
            "method": "GET",
            "path": re.sub(r"\{[^}]+\}", SOME_ID, paths[0]),  # the route with the fewest parameters
            "token": admin.access_token,
        }
        for handler, paths in sorted(functions.items())
    ]
    answers = run(steps)
    for step, answer in zip(steps, answers, strict=True):
        # a route's own answer (200, or 404 for the made-up id): never a crash
        assert answer["http_status"] < 500, (step["handler"], step["path"], answer)
