"""template.yaml is observable: every function traced, in the Powertools environment, with its own
log group and its error and throttle alarms; every dead-letter queue's depth alarms; the API's 5xx
rate, the database and failed transcodes alarm; all to one topic; one dashboard."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any


def of_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    return {name: r for name, r in resources.items() if r["Type"] == kind}


def alarms_on(resources: dict[str, Any], namespace: str, metric: str) -> dict[str, Any]:
    """Alarm -> the resource its dimension names (Ref or GetAtt), for one metric."""
    found = {}
    for name, alarm in of_type(resources, "AWS::CloudWatch::Alarm").items():
        props = alarm["Properties"]
        if props.get("Namespace") == namespace and props.get("MetricName") == metric:
            (dimension,) = props["Dimensions"]
            value = dimension["Value"]
            found[name] = value.get("Ref") or value.get("Fn::GetAtt", [None])[0]
            assert props["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
    return found


def test_every_function_is_traced_with_the_powertools_environment(template, resources):
    function = template["Globals"]["Function"]
    assert function["Tracing"] == "Active"
    variables = function["Environment"]["Variables"]
    assert "POWERTOOLS_METRICS_NAMESPACE" in variables
    assert "POWERTOOLS_LOG_LEVEL" in variables
    for name, resource in of_type(resources, "AWS::Serverless::Function").items():
        props = resource["Properties"]
        assert props.get("Tracing", "Active") == "Active", name
        assert props["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"], name


def test_every_function_logs_to_its_own_group_with_a_retention(resources):
    # what cfn-lint-serverless's WS1004 cannot see (it predates LoggingConfig), hence ignored there
    for name, resource in of_type(resources, "AWS::Serverless::Function").items():
        group = resource["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert resources[group]["Type"] == "AWS::Logs::LogGroup", name
        assert "RetentionInDays" in resources[group]["Properties"], name


def test_every_function_alarms_on_its_errors_and_throttles(resources):
    functions = set(of_type(resources, "AWS::Serverless::Function"))
    assert sorted(alarms_on(resources, "AWS/Lambda", "Errors").values()) == sorted(functions)
    assert sorted(alarms_on(resources, "AWS/Lambda", "Throttles").values()) == sorted(functions)


def test_every_queue_alarms_on_its_depth(resources):
    queues = set(of_type(resources, "AWS::SQS::Queue"))
    watched = alarms_on(resources, "AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert sorted(watched.values()) == sorted(queues)


def test_the_api_5xx_rate_alarms(resources):
    alarm = resources["ApiServerErrorRateAlarm"]["Properties"]
    metrics = {m["Id"]: m for m in alarm["Metrics"]}
    assert metrics["errors"]["MetricStat"]["Metric"]["MetricName"] == "5xx"
    assert metrics["requests"]["MetricStat"]["Metric"]["MetricName"] == "Count"
    for metric in ("errors", "requests"):
        (dimension,) = metrics[metric]["MetricStat"]["Metric"]["Dimensions"]
        assert dimension == {"Name": "ApiId", "Value": {"Ref": "HttpApi"}}
    assert "errors / requests" in metrics["rate"]["Expression"]
    assert metrics["rate"]["ReturnData"] is True


def test_the_database_alarms_on_cpu_and_connections(resources):
    assert alarms_on(resources, "AWS/RDS", "CPUUtilization") == {"DatabaseCpuAlarm": "Database"}
    assert alarms_on(resources, "AWS/RDS", "DatabaseConnections") == {"DatabaseConnectionsAlarm": "Database"}


def test_failed_transcodes_of_this_stack_reach_the_alarm_topic(resources):
    rule = resources["MediaConvertFailuresRule"]["Properties"]
    pattern = rule["EventPattern"]
    assert pattern["source"] == ["aws.mediaconvert"]
    assert pattern["detail"]["status"] == ["ERROR"]
    # the same marker of this stack's jobs as the media-status function's rule
    status_rule = resources["MediaStatusFunction"]["Properties"]["Events"]["JobStateChange"]["Properties"]
    assert pattern["detail"]["userMetadata"] == status_rule["Pattern"]["detail"]["userMetadata"]
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Ref": "AlarmTopic"}
    assert "DeadLetterConfig" in target
    policy = resources["AlarmTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert any(s["Principal"] == {"Service": "events.amazonaws.com"} for s in policy)


def test_one_dashboard(resources):
    (dashboard,) = of_type(resources, "AWS::CloudWatch::Dashboard").values()
    body = dashboard["Properties"]["DashboardBody"]["Fn::Sub"][0]
    for function in of_type(resources, "AWS::Serverless::Function"):
        assert f"${{{function}}}" in body, function
    assert "SEARCH(" in body  # the business metrics of Powertools Metrics


def test_the_alarm_topic_key_admits_the_services_that_publish(resources):
    # under the AWS managed aws/sns key, alarms and EventBridge could not publish at all
    assert resources["AlarmTopic"]["Properties"]["KmsMasterKeyId"] == {"Ref": "AlarmTopicKey"}
    key = resources["AlarmTopicKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    services = {
        s["Principal"]["Service"]
        for s in key["KeyPolicy"]["Statement"]
        if "Service" in s["Principal"] and "kms:GenerateDataKey*" in s["Action"]
    }
    assert services == {"cloudwatch.amazonaws.com", "events.amazonaws.com"}


def test_the_dashboard_body_is_json_whichever_the_database(resources):
    # a body CloudWatch cannot parse fails the whole deploy
    (dashboard,) = of_type(resources, "AWS::CloudWatch::Dashboard").values()
    body, variables = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    created, existing = variables["DatabaseWidgets"]["Fn::If"][1:]
    for widgets in (created["Fn::Sub"], existing):
        text = re.sub(r"\$\{[^}]+\}", "x", body.replace("${DatabaseWidgets}", widgets))
        parsed = json.loads(text)
        titles = [w["properties"].get("title", "") for w in parsed["widgets"]]
        assert len(titles) == len(set(titles))
        expressions = [
            m[0]["expression"]
            for w in parsed["widgets"]
            for m in w["properties"].get("metrics", [])
            if isinstance(m[0], dict)
        ]
        # the business figures of cinema.core.metrics, by their dimension sets
        for dims in (
            "service}",
            "reason,service}",
            "kind,service}",
            "outcome,service,type}",
            "outcome,service}",
        ):
            assert any(e.startswith("SEARCH('{") and dims in e for e in expressions), dims


def test_refused_stripe_webhooks_alarm_on_what_the_payments_function_counts(template, resources):
    alarm = resources["StripeWebhooksRefusedAlarm"]["Properties"]
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert alarm["Namespace"] == variables["POWERTOOLS_METRICS_NAMESPACE"]
    payments = resources["PaymentsFunction"]["Properties"]["Environment"]["Variables"]
    dimensions = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
    assert dimensions == {
        "service": payments["POWERTOOLS_SERVICE_NAME"],
        "type": "unknown",
        "outcome": "refused",
    }
    # the very count cinema.payments.webhooks makes on a bad signature
    source = (Path(__file__).parents[2] / "layers/cinema/python/cinema/payments/webhooks.py").read_text()
    assert 'metrics.count("Webhooks", type="unknown", outcome="refused")' in source
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
