"""WAF: infra/waf.yaml (us-east-1, CLOUDFRONT scope) rate-limits /api/v1/auth/* per address, and
template.yaml attaches the web ACL its WebAclArn parameter names to the one distribution."""

from __future__ import annotations

import re
from pathlib import Path

from cfnlint.decode import decode

ROOT = Path(__file__).parents[2]


def load(path: Path) -> dict:
    loaded, problems = decode(str(path))
    assert not problems, problems
    return loaded


def test_the_web_acl_rate_limits_the_auth_routes_per_address():
    waf = load(ROOT / "infra" / "waf.yaml")
    (acl,) = [r["Properties"] for r in waf["Resources"].values() if r["Type"] == "AWS::WAFv2::WebACL"]
    assert acl["Scope"] == "CLOUDFRONT"
    rules = {rule["Name"]: rule for rule in acl["Rules"]}
    auth = rules["auth-rate-limit"]
    assert "Block" in auth["Action"]
    rate = auth["Statement"]["RateBasedStatement"]
    assert rate["AggregateKeyType"] == "IP"
    assert rate["Limit"] == {"Ref": "AuthRateLimit"}
    match = rate["ScopeDownStatement"]["ByteMatchStatement"]
    assert (match["FieldToMatch"], match["PositionalConstraint"], match["SearchString"]) == (
        {"UriPath": {}},
        "STARTS_WITH",
        "/api/v1/auth/",
    )
    # evaluated before the looser API-wide limit and the managed rules
    assert auth["Priority"] == min(rule["Priority"] for rule in acl["Rules"])
    assert waf["Outputs"]["WebAclArn"]["Value"] == {"Fn::GetAtt": ["WebAcl", "Arn"]}


def test_the_distribution_takes_the_web_acl_from_us_east_1():
    template = load(ROOT / "template.yaml")
    parameter = template["Parameters"]["WebAclArn"]
    pattern = re.compile(parameter["AllowedPattern"])
    assert pattern.fullmatch("")  # optional
    assert pattern.fullmatch(
        "arn:aws:wafv2:us-east-1:123456789012:global/webacl/cinema-prod/a1b2c3d4-5678-90ab-cdef-1234567890ab"
    )
    assert not pattern.fullmatch(  # a regional web ACL cannot protect a distribution
        "arn:aws:wafv2:eu-central-1:123456789012:regional/webacl/cinema-prod/a1b2c3d4-5678-90ab-cdef-1234567890ab"
    )
    (distribution,) = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::CloudFront::Distribution"
    ]
    web_acl = distribution["Properties"]["DistributionConfig"]["WebACLId"]
    assert web_acl == {"Fn::If": ["HasWebAcl", {"Ref": "WebAclArn"}, {"Ref": "AWS::NoValue"}]}
