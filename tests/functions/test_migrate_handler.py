"""functions/migrate: the DatabaseMigrations custom resource, invoked in-process with
CloudFormation's custom-resource events against a fresh database in the test PostgreSQL; the
response CloudFormation would read is PUT to a local HTTP server standing in for its S3 URL."""

from __future__ import annotations

import importlib.util
import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url

from cinema.core import db, migrate
from cinema.core.settings import Settings, use_settings

ROOT = Path(__file__).parents[2]
HEAD = ScriptDirectory.from_config(migrate.alembic_config("postgresql://x/y")).get_current_head()


def load_handler() -> Any:
    spec = importlib.util.spec_from_file_location("migrate_handler", ROOT / "functions/migrate/handler.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.handler


class Context:
    function_name = "cinema-dev-migrate"
    function_version = "$LATEST"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:cinema-dev-migrate"
    aws_request_id = "5b2c6d3f-0000-4000-8000-000000000000"
    log_stream_name = "2026/12/04/[$LATEST]abcdef"


class CloudFormation:
    """Receives the responses PUT to ResponseURL."""

    def __init__(self) -> None:
        self.responses: list[dict[str, Any]] = []
        received = self.responses

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                length = int(self.headers["Content-Length"])
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cfn-response?X-Amz-Signature=abc"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def event(self, request_type: str, physical_id: str | None = None) -> dict[str, Any]:
        """A custom-resource request as CloudFormation sends it (the AWS documentation's shape)."""
        event = {
            "RequestType": request_type,
            "ServiceToken": Context.invoked_function_arn,
            "ResponseURL": self.url,
            "StackId": "arn:aws:cloudformation:eu-central-1:123456789012:stack/cinema-dev/1f2e3d4c",
            "RequestId": str(uuid.uuid4()),
            "LogicalResourceId": "DatabaseMigrations",
            "ResourceType": "Custom::DatabaseMigrations",
            "ResourceProperties": {
                "ServiceToken": Context.invoked_function_arn,
                "CodeLayer": "arn:aws:lambda:eu-central-1:123456789012:layer:cinema-dev-cinema:42",
            },
        }
        if physical_id:
            event["PhysicalResourceId"] = physical_id
        if request_type == "Update":
            event["OldResourceProperties"] = {
                **event["ResourceProperties"],
                "CodeLayer": "arn:aws:lambda:eu-central-1:123456789012:layer:cinema-dev-cinema:41",
            }
        return event


@pytest.fixture
def cloudformation() -> Iterator[CloudFormation]:
    cfn = CloudFormation()
    yield cfn
    cfn.server.shutdown()
    cfn.server.server_close()


@pytest.fixture
def pointed_at():
    """The handler's settings name this database."""

    def point(url: str) -> None:
        use_settings(Settings(database_url=url))

    yield point
    use_settings(None)


def scalar(url: str, sql: str) -> Any:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def test_create_migrates_an_empty_database_to_head_and_update_is_a_no_op(
    cloudformation, empty_database, pointed_at
):
    pointed_at(empty_database)
    handler = load_handler()
    assert handler(cloudformation.event("Create"), Context()) == {"Status": "SUCCESS", "Revision": HEAD}
    (created,) = cloudformation.responses
    assert created["Status"] == "SUCCESS"
    assert created["PhysicalResourceId"] == "cinema-database-schema"
    assert created["Data"] == {"Revision": HEAD}
    assert created["LogicalResourceId"] == "DatabaseMigrations"
    assert scalar(empty_database, "SELECT version_num FROM alembic_version") == HEAD
    assert scalar(empty_database, "SELECT to_regclass('public.films') IS NOT NULL") is True

    # the next deploy (a new code layer): already at head, nothing to do, same physical id
    event = cloudformation.event("Update", created["PhysicalResourceId"])
    assert handler(event, Context())["Status"] == "SUCCESS"
    updated = cloudformation.responses[-1]
    assert (updated["Status"], updated["PhysicalResourceId"]) == ("SUCCESS", "cinema-database-schema")
    assert updated["Data"] == {"Revision": HEAD}
    assert scalar(empty_database, "SELECT count(*) FROM alembic_version") == 1


def test_it_connects_with_an_iam_token_as_the_functions_do(
    cloudformation, empty_database, monkeypatch: pytest.MonkeyPatch
):
    # the template's settings: the proxy URL without a password, CINEMA_DATABASE_IAM_AUTH=true; the
    # test PostgreSQL trusts loopback, so the token (signed offline with fake keys) is accepted
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    seen: list[str] = []
    original = db.IamTokens.__call__

    def recording(self, host: str, port: int, user: str) -> str:
        token = original(self, host, port, user)
        seen.append(token)
        return token

    monkeypatch.setattr(db.IamTokens, "__call__", recording)
    use_settings(Settings(database_url=empty_database, database_iam_auth=True))
    try:
        assert load_handler()(cloudformation.event("Create"), Context())["Status"] == "SUCCESS"
    finally:
        use_settings(None)
    assert cloudformation.responses[-1]["Data"] == {"Revision": HEAD}
    (token,) = seen  # one connection, one token
    assert "Action=connect" in token
    assert "X-Amz-Signature=" in token


def test_a_failing_migration_fails_the_deploy_and_leaves_the_schema_as_it_was(
    cloudformation, empty_database, pointed_at
):
    # a table in the way of the first migration: the upgrade fails part-way
    engine = create_engine(empty_database, poolclass=pool.NullPool)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE films (id int)"))
    engine.dispose()
    pointed_at(empty_database)
    answer = load_handler()(cloudformation.event("Create"), Context())
    assert answer == {"Status": "FAILED"}  # the invocation itself succeeds: CloudFormation got told
    (failed,) = cloudformation.responses
    assert failed["Status"] == "FAILED"
    assert "films" in failed["Reason"]
    assert "log stream 2026/12/04/[$LATEST]abcdef" in failed["Reason"]
    # one transaction: nothing of the migrations before the failing statement stayed
    assert scalar(empty_database, "SELECT to_regclass('public.alembic_version')") is None
    assert scalar(empty_database, "SELECT to_regclass('public.users')") is None


def test_an_unreachable_database_fails_the_deploy(cloudformation, services, pointed_at):
    url = make_url(services.postgres.url).set(database=f"missing_{uuid.uuid4().hex[:8]}")
    pointed_at(url.render_as_string(hide_password=False))
    load_handler()(cloudformation.event("Update", "cinema-database-schema"), Context())
    (failed,) = cloudformation.responses
    assert failed["Status"] == "FAILED"
    assert "OperationalError" in failed["Reason"]
    assert failed["PhysicalResourceId"] == "cinema-database-schema"


def test_delete_never_touches_the_database(cloudformation, pointed_at):
    # also after a failed Create: CloudFormation then deletes what it asked for
    pointed_at("postgresql+psycopg://nobody@127.0.0.1:9/none")
    load_handler()(cloudformation.event("Delete", "cinema-database-schema"), Context())
    (deleted,) = cloudformation.responses
    assert (deleted["Status"], deleted["PhysicalResourceId"]) == ("SUCCESS", "cinema-database-schema")


def test_the_template_runs_it_as_a_custom_resource_on_every_new_code_layer():
    from cfnlint.decode import decode  # noqa: PLC0415

    template, problems = decode(str(ROOT / "template.yaml"))
    assert not problems
    resources = template["Resources"]
    function = resources["MigrateFunction"]["Properties"]
    assert function["CodeUri"] == "functions/migrate/"
    assert function["ReservedConcurrentExecutions"] == 1
    migrations = resources["DatabaseMigrations"]
    assert migrations["Type"] == "Custom::DatabaseMigrations"
    properties = migrations["Properties"]
    assert properties["ServiceToken"] == {"Fn::GetAtt": ["MigrateFunction", "Arn"]}
    # the migrations ship in the code layer: a new layer version is an Update, which migrates
    assert properties["CodeLayer"] == {"Ref": "CinemaCodeLayer"}
