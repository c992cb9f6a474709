"""catalog-jobs: the scheduled work, with the event EventBridge Scheduler sends (template.yaml's
Input, its context attributes filled in), in a fresh process like a Lambda container."""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from pathlib import Path

import yaml  # cfn-lint's dependency
from tests.functions.fresh_process import run_handler

from cinema.catalog import jobs, popularity
from cinema.core import db

ROOT = Path(__file__).parents[2]
EVENT = ROOT / "tests" / "events" / "scheduler_refresh_popularity.json"
API = "/api/v1"


def invoke(events: list[dict]) -> subprocess.CompletedProcess[str]:
    return run_handler("catalog_jobs", events)


async def test_the_scheduled_event_refreshes_popularity(client, catalog):
    hit, other = await catalog.film(title="Hit"), await catalog.film(title="Other")
    async with db.session_factory()() as session:
        for film_id in [hit["id"]] * 3 + [other["id"]]:
            await popularity.record_view(session, uuid.UUID(film_id))
        await session.commit()
    event = json.loads(EVENT.read_text())
    done = invoke([event, event])
    assert done.returncode == 0, done.stderr[-3000:]
    answers = json.loads(done.stdout.strip().splitlines()[-1])
    assert answers == [
        {"job": "refresh-popularity", "films_changed": 2},
        {"job": "refresh-popularity", "films_changed": 0},  # a second run changes nothing
    ]
    body = (await client.get(f"{API}/films/popular")).json()
    assert [(f["title"], f["views_7d"]) for f in body["items"]] == [("Hit", 3), ("Other", 1)]


def test_an_event_naming_no_job_fails_the_invocation():
    # Lambda then retries it and sends it to the dead letters: a misconfigured schedule shows.
    done = invoke([{"job": "no-such-job"}])
    assert done.returncode != 0
    assert "UnknownJob" in done.stderr


class _CfnLoader(yaml.SafeLoader):
    """template.yaml with CloudFormation's short tags (!Ref, !Sub ...) read as their values."""


def _short_tag(loader: yaml.SafeLoader, _tag: str, node: yaml.Node) -> str | None:
    return loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else None


_CfnLoader.add_multi_constructor("!", _short_tag)


def test_the_template_schedules_every_job_with_the_event_the_handler_reads():
    template = yaml.load((ROOT / "template.yaml").read_text(), Loader=_CfnLoader)  # noqa: S506
    function = template["Resources"]["CatalogJobsFunction"]["Properties"]
    assert function["CodeUri"] == "functions/catalog_jobs/"
    schedules = [e["Properties"] for e in function["Events"].values() if e["Type"] == "ScheduleV2"]
    inputs = [json.loads(s["Input"]) for s in schedules]
    assert sorted(i["job"] for i in inputs) == sorted(jobs.JOBS)
    (refresh,) = [s for s, i in zip(schedules, inputs, strict=True) if i["job"] == "refresh-popularity"]
    minutes = int(re.fullmatch(r"rate\((\d+) minutes?\)", refresh["ScheduleExpression"]).group(1))
    assert minutes * 60 == jobs.POPULARITY_EVERY_S  # the local stack's period is AWS's
    # the test event is that Input with the scheduler's context attributes filled in
    assert set(json.loads(EVENT.read_text())) == set(inputs[0])
    # runs the scheduler could not deliver, and failed runs, are kept
    on_failure = function["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]
    assert on_failure == {"Type": "SQS", "Destination": "CatalogJobsDeadLetterQueue.Arn"}  # !GetAtt
    assert refresh["DeadLetterConfig"] == {"Arn": "CatalogJobsDeadLetterQueue.Arn"}
