"""template.yaml: one CloudFront distribution in front of the web app, the API and the media."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


@pytest.fixture(scope="module")
def config(resources) -> dict[str, Any]:
    (distribution,) = [r for r in resources.values() if r["Type"] == "AWS::CloudFront::Distribution"]
    return distribution["Properties"]["DistributionConfig"]


def behaviour(config: dict[str, Any], pattern: str) -> dict[str, Any]:
    (found,) = [b for b in config["CacheBehaviors"] if b["PathPattern"] == pattern]
    return found


def origin(config: dict[str, Any], origin_id: str) -> dict[str, Any]:
    (found,) = [o for o in config["Origins"] if o["Id"] == origin_id]
    return found


def function_of(item: dict[str, Any]) -> str:
    (association,) = item["FunctionAssociations"]
    assert association["EventType"] == "viewer-request"
    return association["FunctionARN"]["Fn::GetAtt"][0]


def test_exactly_one_distribution(resources):
    types = [r["Type"] for r in resources.values()]
    assert types.count("AWS::CloudFront::Distribution") == 1


def test_the_web_app_at_the_root_with_a_spa_fallback_and_no_error_rewrites(config):
    default = config["DefaultCacheBehavior"]
    web = origin(config, default["TargetOriginId"])
    assert web["DomainName"] == {"Fn::GetAtt": ["WebBucket", "RegionalDomainName"]}
    assert web["OriginAccessControlId"] == {"Fn::GetAtt": ["WebOriginAccessControl", "Id"]}
    assert function_of(default) == "WebRoutesFunction"
    assert default["ResponseHeadersPolicyId"] == {"Ref": "WebHeadersPolicy"}
    # a 403/404 -> index.html rewrite would also swallow the API's errors
    assert "CustomErrorResponses" not in config
    assets = behaviour(config, "/assets/*")
    assert assets["TargetOriginId"] == default["TargetOriginId"]
    assert assets["CachePolicyId"] == {"Ref": "WebAssetsCachePolicy"}
    assert "FunctionAssociations" not in assets


def test_the_api_under_api_uncached_with_every_method(config):
    api = behaviour(config, "/api/*")
    target = origin(config, api["TargetOriginId"])
    assert "${HttpApi}.execute-api." in target["DomainName"]["Fn::Sub"]
    assert target["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert api["CachePolicyId"] == CACHING_DISABLED
    assert api["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST
    assert set(api["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
    assert "TrustedKeyGroups" not in api


def test_the_media_under_media_signed_except_posters_and_frames(config):
    media = [b for b in config["CacheBehaviors"] if b["PathPattern"].startswith("/media/")]
    signed = {b["PathPattern"] for b in media if b.get("TrustedKeyGroups") == [{"Ref": "MediaKeyGroup"}]}
    public = {b["PathPattern"] for b in media if "TrustedKeyGroups" not in b}
    assert signed == {"/media/*", "/media/hls/*.m3u8", "/media/live/*.m3u8"}
    # live playlists change every fragment: short-lived like the VOD playlists, never a day
    assert behaviour(config, "/media/live/*.m3u8")["CachePolicyId"] == {"Ref": "HlsPlaylistCachePolicy"}
    assert public == {"/media/hls/*.jpg", "/media/posters/*"}
    for item in media:
        assert origin(config, item["TargetOriginId"])["DomainName"] == {
            "Fn::GetAtt": ["MediaBucket", "RegionalDomainName"]
        }
        assert function_of(item) == "MediaPathFunction"
    # the catch-all comes after the specific /media behaviours and the API (first match wins)
    patterns = [b["PathPattern"] for b in config["CacheBehaviors"]]
    assert patterns.index("/media/*") > max(patterns.index(p) for p in signed | public if p != "/media/*")


@pytest.mark.parametrize("bucket", ["WebBucket", "MediaBucket"])
def test_buckets_block_public_access_and_admit_only_the_distribution(resources, bucket):
    block = resources[bucket]["Properties"]["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    (policy,) = [
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::S3::BucketPolicy" and r["Properties"]["Bucket"] == {"Ref": bucket}
    ]
    allows = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert allows
    for statement in allows:
        assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
        source = statement["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
        assert source.endswith(":distribution/${Distribution}")


def test_security_headers_of_the_app(resources):
    config = resources["WebHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    security = config["SecurityHeadersConfig"]
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert security["ContentTypeOptions"]["Override"] is True
    assert security["FrameOptions"]["FrameOption"] == "DENY"
    csp = security["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"][0]
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert directives["script-src"] == ["'self'"]
    assert directives["media-src"] == ["'self'", "blob:"]
    assert "'unsafe-eval'" not in csp
    assert directives["frame-ancestors"] == ["'none'"]


def test_the_functions_reach_the_distribution_by_parameters_not_by_reference(template):
    """Function -> distribution -> HTTP API -> function would be a cycle; posters and playback
    take <public url>/media from the settings."""
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert "Distribution" not in json.dumps(variables)
    assert "CINEMA_MEDIA_URL" not in variables
    assert variables["CINEMA_PUBLIC_URL"] == {
        "Fn::If": ["HasDomainName", {"Fn::Sub": "https://${DomainName}"}, {"Ref": "PublicUrl"}]
    }


def test_outputs_for_deploy_web(template):
    outputs = template["Outputs"]
    assert outputs["WebBucketName"]["Value"] == {"Ref": "WebBucket"}
    assert outputs["DistributionId"]["Value"] == {"Ref": "Distribution"}
    assert outputs["DistributionDomain"]["Value"] == {"Fn::GetAtt": ["Distribution", "DomainName"]}


RUNNER = """
const code = require('fs').readFileSync(0, 'utf8');
const handler = new Function(code + '; return handler;')();
const out = {};
for (const uri of JSON.parse(process.argv[1])) out[uri] = handler({request: {uri, headers: {}}}).uri;
console.log(JSON.stringify(out));
"""


def run_function(resources: dict[str, Any], name: str, uris: list[str]) -> dict[str, str]:
    node = shutil.which("node")
    assert node, "Node.js runs the CloudFront functions here; the web app needs it too (.ci/run installs it)"
    code = resources[name]["Properties"]["FunctionCode"]
    done = subprocess.run(
        [node, "-e", RUNNER, json.dumps(uris)],
        input=code,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return json.loads(done.stdout)


def test_the_spa_function_sends_client_routes_to_index_html(resources):
    assert run_function(
        resources,
        "WebRoutesFunction",
        ["/", "/films/123", "/reset-password", "/account/", "/favicon.svg", "/robots.txt", "/index.html"],
    ) == {
        "/": "/index.html",
        "/films/123": "/index.html",
        "/reset-password": "/index.html",
        "/account/": "/index.html",
        "/favicon.svg": "/favicon.svg",
        "/robots.txt": "/robots.txt",
        "/index.html": "/index.html",
    }


def test_the_media_function_strips_the_prefix(resources):
    assert run_function(
        resources,
        "MediaPathFunction",
        ["/media/hls/f/u/master.m3u8", "/media/posters/f.jpg", "/media/hls/media/x.ts"],
    ) == {
        "/media/hls/f/u/master.m3u8": "/hls/f/u/master.m3u8",
        "/media/posters/f.jpg": "/posters/f.jpg",
        "/media/hls/media/x.ts": "/hls/media/x.ts",
    }
