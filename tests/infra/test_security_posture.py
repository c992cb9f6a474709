"""The security posture of template.yaml, read from its resources (CloudFormation's short tags
decoded as cfn-lint does): buckets private and encrypted, the database private and encrypted,
Redis encrypted with auth, and every IAM policy of the stack naming its resources: no "*"
resource except where AWS requires it, each such exception listed here with its reason."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode

TEMPLATE = Path(__file__).parents[2] / "template.yaml"

# (policy owner, action) -> why a resource ending in "*" over a whole service of the account is
# needed there. Every other grant names its resources (a secret, a bucket prefix, a role, a queue,
# the proxy's user). Not in this template, so not checked here: the managed policies SAM attaches to
# every function role - AWSLambdaBasicExecutionRole (its own log streams), AWSLambdaVPCAccessExecutionRole
# (ec2:CreateNetworkInterface and friends: no resource-level permissions, AWS requires "*") and
# AWSXrayWriteOnlyAccess for Tracing: Active (xray:PutTraceSegments has no resource type: "*").
# Resource policies are not identity policies: a KMS key policy's "*" means the key itself
# (AlarmTopicKey), and the bucket, queue and topic policies name their own resource.
_MEDIACONVERT = (
    "CreateJob authorizes against the new job (an id not known in advance), the queue and any preset "
    "or job template it names; scoped to this account and region"
)
WILDCARD_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("MediaIngestFunction", "mediaconvert:CreateJob"): _MEDIACONVERT,
    ("MediaIngestFunction", "mediaconvert:TagResource"): "tags the job it creates (" + _MEDIACONVERT + ")",
    ("MediaStatusFunction", "mediaconvert:CreateJob"): "restarts a job without audio; " + _MEDIACONVERT,
    ("MediaStatusFunction", "mediaconvert:TagResource"): "tags the job it creates (" + _MEDIACONVERT + ")",
}

# SAM policy templates used by the functions and what they expand to (their resources).
SAM_POLICY_TEMPLATES = {"AWSSecretsManagerGetSecretValuePolicy": "SecretArn"}


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    loaded, problems = decode(str(TEMPLATE))
    assert not problems, problems
    return loaded["Resources"]


def of_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    return {name: r for name, r in resources.items() if r["Type"] == kind}


def test_every_bucket_blocks_public_access_and_is_encrypted(resources):
    buckets = of_type(resources, "AWS::S3::Bucket")
    assert buckets
    for name, bucket in buckets.items():
        props = bucket["Properties"]
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }, name
        (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms"), name
        assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}], name


def test_every_bucket_refuses_plain_http(resources):
    policies = of_type(resources, "AWS::S3::BucketPolicy").values()
    guarded = set()
    for policy in policies:
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Deny" and statement["Condition"] == {
                "Bool": {"aws:SecureTransport": "false"}
            }:
                guarded.add(policy["Properties"]["Bucket"]["Ref"])
    assert guarded == set(of_type(resources, "AWS::S3::Bucket"))


def test_the_database_is_private_encrypted_backed_up_and_protected_on_prod(resources):
    (database,) = of_type(resources, "AWS::RDS::DBInstance").values()
    props = database["Properties"]
    assert props["PubliclyAccessible"] is False
    assert props["StorageEncrypted"] is True
    assert props["ManageMasterUserPassword"] is True  # no password in the template or a parameter
    assert "MasterUserPassword" not in props
    assert props["BackupRetentionPeriod"]  # automated backups (7 / 14 days by stage)
    assert props["DeletionProtection"] == {"Fn::If": ["IsProd", True, False]}
    assert database["DeletionPolicy"] == "Snapshot"
    # reachable only from the proxy, which requires TLS and IAM authentication
    (proxy,) = of_type(resources, "AWS::RDS::DBProxy").values()
    assert proxy["Properties"]["RequireTLS"] is True
    assert [a["IAMAuth"] for a in proxy["Properties"]["Auth"]] == ["REQUIRED"]
    (ingress,) = [
        r["Properties"]
        for r in of_type(resources, "AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == {"Ref": "DatabaseSecurityGroup"}
    ]
    assert ingress["SourceSecurityGroupId"] == {"Ref": "DatabaseProxySecurityGroup"}
    assert ingress["FromPort"] == ingress["ToPort"] == 5432


def test_redis_is_encrypted_with_auth(resources):
    (redis,) = of_type(resources, "AWS::ElastiCache::ReplicationGroup").values()
    props = redis["Properties"]
    assert props["TransitEncryptionEnabled"] is True
    assert props["AtRestEncryptionEnabled"] is True
    assert "{{resolve:secretsmanager:" in props["AuthToken"]["Fn::Sub"]


def test_no_security_group_admits_the_internet_except_the_rtmp_ingest(resources):
    for name, group in of_type(resources, "AWS::EC2::SecurityGroup").items():
        for rule in group["Properties"].get("SecurityGroupIngress", []):
            if rule.get("CidrIp") == "0.0.0.0/0":
                # publishers anywhere reach nginx-rtmp through the network load balancer
                assert (name, rule["FromPort"], rule["ToPort"]) == ("LiveSecurityGroup", 1935, 1935)
    for name, rule in of_type(resources, "AWS::EC2::SecurityGroupIngress").items():
        assert "CidrIp" not in rule["Properties"], name  # only group-to-group


def sam_policy_statements(
    resources: dict[str, Any], name: str, policies: list[Any]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """A function's SAM Policies: inline statements, policy templates, this template's managed policies."""
    for policy in policies:
        if isinstance(policy, dict) and "Statement" in policy:
            for statement in policy["Statement"]:
                yield name, statement
        elif isinstance(policy, dict) and "Ref" in policy:  # a managed policy of this template
            assert resources[policy["Ref"]]["Type"] == "AWS::IAM::ManagedPolicy", name
        elif isinstance(policy, dict) and len(policy) == 1:
            ((template, args),) = policy.items()
            assert template in SAM_POLICY_TEMPLATES, f"{name}: unknown policy template {template}"
            yield name, {"Action": template, "Resource": args[SAM_POLICY_TEMPLATES[template]]}
        else:
            raise AssertionError(
                f"{name}: a policy by name or ARN ({policy}) grants what the test cannot see"
            )


def statements_of(resources: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(owner, statement) of every IAM statement the template writes: roles' inline policies,
    managed policies and the functions' SAM Policies (inline statements and policy templates)."""
    for name, resource in resources.items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            for policy in props.get("Policies", []):
                for statement in policy["PolicyDocument"]["Statement"]:
                    yield name, statement
        elif resource["Type"] == "AWS::IAM::ManagedPolicy":
            for statement in props["PolicyDocument"]["Statement"]:
                yield name, statement
        elif resource["Type"] == "AWS::Serverless::Function":
            yield from sam_policy_statements(resources, name, props.get("Policies", []))


def wildcards(resource: Any) -> bool:
    """Whether a Resource is "*", or an ARN ending in ":*" (every resource of a service in the
    account); "<bucket ARN>/hls/*" and the like name their resources."""
    values = resource if isinstance(resource, list) else [resource]
    for value in values:
        text = value.get("Fn::Sub", "") if isinstance(value, dict) else value
        text = text[0] if isinstance(text, list) else text
        if text == "*" or (isinstance(text, str) and text.endswith(":*")):
            return True
    return False


def test_every_policy_names_its_resources(resources):
    found = list(statements_of(resources))
    assert len({owner for owner, _ in found}) >= 10  # the functions, the roles, the connect policy
    used = set()
    for owner, statement in found:
        if statement.get("Effect", "Allow") != "Allow":
            continue
        assert "NotResource" not in statement, owner
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert not any(a == "*" or a.endswith(":*") for a in actions), (owner, actions)
        if wildcards(statement["Resource"]):
            for action in actions:
                assert (owner, action) in WILDCARD_EXCEPTIONS, f"{owner}: {action} on *"
                used.add((owner, action))
    assert used == set(WILDCARD_EXCEPTIONS)  # no stale exception


def test_the_functions_connect_to_the_proxy_as_one_user_and_read_one_secret(resources):
    (statement,) = resources["DatabaseConnectPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "rds-db:connect"
    arn = statement["Resource"]["Fn::Sub"]
    assert arn[0].endswith(":dbuser:${ProxyId}/${DatabaseUser}")
    for name, function in of_type(resources, "AWS::Serverless::Function").items():
        policies = function["Properties"]["Policies"]
        assert {"Ref": "DatabaseConnectPolicy"} in policies, name
        secrets = [
            p for p in policies if isinstance(p, dict) and "AWSSecretsManagerGetSecretValuePolicy" in p
        ]
        assert secrets == [{"AWSSecretsManagerGetSecretValuePolicy": {"SecretArn": {"Ref": "AppSecret"}}}], (
            name
        )
        # no function reads the database's own secret (only the proxy's role does)
        assert "MasterUserSecret" not in json.dumps(policies), name
