"""media-ingest answers S3's ObjectCreated event (tests/events/s3_put_upload_source.json, made
by `sam local generate-event s3 put` with the uploads bucket's name and a source key) in a fresh
process, as a new container would: an upload it does not know, or a key that is no upload's
source, starts nothing and does not fail (S3 would retry it, then dead-letter it)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from cfnlint.decode import decode
from tests.functions.fresh_process import answers

ROOT = Path(__file__).parents[2]
EVENT = json.loads((ROOT / "tests" / "events" / "s3_put_upload_source.json").read_text())


def with_key(key: str) -> dict:
    event = copy.deepcopy(EVENT)
    event["Records"][0]["s3"]["object"]["key"] = key
    return event


def test_unknown_uploads_and_other_keys_start_nothing(services):
    assert answers("media_ingest", [EVENT, with_key("uploads/readme.txt")]) == [
        {"started": []},
        {"started": []},
    ]


def test_the_event_is_what_the_template_subscribes_the_function_to():
    template, problems = decode(str(ROOT / "template.yaml"))
    assert not problems
    (event,) = template["Resources"]["MediaIngestFunction"]["Properties"]["Events"].values()
    assert event["Type"] == "S3"
    assert event["Properties"]["Events"] == "s3:ObjectCreated:*"
    (rule,) = event["Properties"]["Filter"]["S3Key"]["Rules"]
    record = EVENT["Records"][0]
    assert record["eventName"].startswith("ObjectCreated:")
    assert record["s3"]["object"]["key"].startswith(rule["Value"])
    # the bucket's name pattern (the function names it by pattern, see the template)
    assert record["s3"]["bucket"]["name"].endswith("-uploads-123456789012-eu-central-1")
