"""Runs in a fresh interpreter, as a Lambda container would: imports the auth handler once and
invokes it with API Gateway HTTP API v2 events, several times. Prints one JSON line."""

from __future__ import annotations

import base64
import copy
import importlib.util
import json
import sys
import uuid
from pathlib import Path

EVENT = json.loads((Path(__file__).parents[1] / "events" / "http_api_proxy.json").read_text())


class Context:
    function_name = "cinema-auth"
    function_version = "$LATEST"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:cinema-auth"
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"


def event(
    method: str, path: str, body: str = "", content_type: str = "application/json", token: str = ""
) -> dict:
    e = copy.deepcopy(EVENT)
    request_id = uuid.uuid4().hex
    e.update(rawPath=path, rawQueryString="", queryStringParameters=None, cookies=None, pathParameters=None)
    e["headers"] = {"content-type": content_type, "host": "id.execute-api.us-east-1.amazonaws.com"}
    if token:
        e["headers"]["authorization"] = f"Bearer {token}"
    e["body"] = base64.b64encode(body.encode()).decode()
    e["isBase64Encoded"] = True
    e["requestContext"]["http"].update(method=method, path=path, sourceIp="198.51.100.23")
    e["requestContext"]["requestId"] = request_id
    return e


def main() -> None:
    spec = importlib.util.spec_from_file_location("auth_handler", sys.argv[1])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from cinema.core import db  # noqa: PLC0415

    email = sys.argv[2]
    results, engines = [], []
    for i in range(2):
        address = f"{i}-{email}"
        reg = module.handler(
            event(
                "POST",
                "/api/v1/auth/register",
                json.dumps({"email": address, "password": "lambda password 1"}),
            ),
            Context(),
        )
        engines.append(id(db.engine()))
        token = module.handler(
            event(
                "POST",
                "/api/v1/auth/token",
                f"username={address}&password=lambda+password+1",
                "application/x-www-form-urlencoded",
            ),
            Context(),
        )
        engines.append(id(db.engine()))
        access = json.loads(token["body"]).get("access_token", "") if token["statusCode"] == 200 else ""
        me = module.handler(event("GET", "/api/v1/users/me", token=access), Context())
        results.append(
            {
                "register": reg["statusCode"],
                "token": token["statusCode"],
                "me": me["statusCode"],
                "me_email": json.loads(me["body"]).get("email"),
                "request_id": me["headers"].get("x-request-id"),
            }
        )
    print(json.dumps({"results": results, "same_engine": len(set(engines)) == 1}))


if __name__ == "__main__":
    main()
