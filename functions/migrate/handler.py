"""Lambda: the CloudFormation custom resource DatabaseMigrations (template.yaml) applies the
Alembic migrations to head on every deploy that ships a new code layer, and reports to
CloudFormation: a failed migration fails the deploy, which rolls back to the previous code.

Idempotent: at head, an upgrade does nothing; PostgreSQL's DDL is transactional and the whole
upgrade runs in one transaction, so a migration that fails leaves the schema as it was. Delete
never touches the database (a schema is not dropped with a stack). Synchronous on purpose: one
event at a time, no event loop to keep.
"""

from __future__ import annotations

import gc

gc.disable()  # until the handler is built: a cold start only allocates (cinema.core.coldstart)

import json
import urllib.request
from typing import Any

from alembic import command
from alembic.script import ScriptDirectory
from aws_lambda_powertools import Logger
from sqlalchemy import create_engine, pool, text

from cinema.core import coldstart, db, migrate, tracing
from cinema.core.settings import get_settings

logger = Logger(service="migrate")

# The one schema this resource stands for; kept on updates, so CloudFormation never sees a
# replacement (which would send a Delete for the "old" one).
PHYSICAL_ID = "cinema-database-schema"
# CloudFormation reads at most 4 KiB of response; the reason goes first to be readable.
MAX_REASON = 1500


def upgrade_to_head() -> str:
    """Applies every pending migration in one transaction; the revision the database is at."""
    settings = get_settings()
    config = migrate.alembic_config(settings.database_url)
    head = ScriptDirectory.from_config(config).get_current_head()
    engine = create_engine(settings.database_url, poolclass=pool.NullPool)
    if settings.database_iam_auth:
        db.use_iam_auth(engine, settings.aws_region)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        engine.dispose()
    if current != head:  # pragma: no cover - alembic raises before this
        raise RuntimeError(f"the database is at {current}, not at head {head}")
    return current


def respond(event: dict[str, Any], context: Any, status: str, reason: str, data: dict[str, str]) -> None:
    """PUTs the custom resource's result to the presigned S3 URL CloudFormation gave (through the
    VPC's S3 gateway endpoint in AWS)."""
    url = event["ResponseURL"]
    if not url.startswith(("https://", "http://")):
        raise ValueError("ResponseURL is not an HTTP(S) URL")
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason[:MAX_REASON],
            "PhysicalResourceId": event.get("PhysicalResourceId") or PHYSICAL_ID,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "NoEcho": False,
            "Data": data,
        }
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url, data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        answer.read()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, str]:
    kind = event["RequestType"]
    status, reason, data = "SUCCESS", "", {}
    try:
        if kind in ("Create", "Update"):
            revision = upgrade_to_head()
            data = {"Revision": revision}
            reason = f"the database is at {revision} (head)"
            logger.info("migrated", extra={"request_type": kind, "revision": revision})
        else:
            reason = "the schema stays (a stack's deletion never drops it)"
    except Exception as exc:
        logger.exception("migration failed", extra={"request_type": kind})
        status = "FAILED"
        # the first line (a statement's SQL follows it); the whole traceback is in the log
        first_line = (str(exc).strip().splitlines() or [""])[0]
        stream = getattr(context, "log_stream_name", "?")
        reason = f"{type(exc).__name__}: {first_line} (log stream {stream})"
    respond(event, context, status, reason, data)
    return {"Status": status, **data}


handler = tracing.traced("migrate", handler)  # X-Ray in Lambda (cinema.core.tracing)
coldstart.loaded()
