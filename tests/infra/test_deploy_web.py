"""infra/deploy_web.py against moto's S3, CloudFront and CloudFormation (no network)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

SCRIPT = Path(__file__).parents[2] / "infra" / "deploy_web.py"
REGION = "eu-central-1"
BUCKET = "cinema-test-web"


def _load() -> Any:
    spec = importlib.util.spec_from_file_location("deploy_web", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


deploy_web = _load()


@pytest.fixture
def aws(monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield s3


@pytest.fixture
def dist(tmp_path) -> Path:
    root = tmp_path / "dist"
    files = {
        "index.html": '<!doctype html><script type="module" src="/assets/index-B1x2y3.js"></script>',
        "favicon.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
        "assets/index-B1x2y3.js": "console.log('new build')",
        "assets/index-C4d5e6.css": "body{margin:0}",
        "assets/vendor-Kept01.js": "export const same = 1",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _distribution(cloudfront: Any) -> str:
    config = {
        "CallerReference": "test",
        "Comment": "",
        "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "web", "DomainName": f"{BUCKET}.s3.amazonaws.com"}]},
        "DefaultCacheBehavior": {"TargetOriginId": "web", "ViewerProtocolPolicy": "redirect-to-https"},
    }
    return cloudfront.create_distribution(DistributionConfig=config)["Distribution"]["Id"]


def _invalidated_paths(cloudfront: Any, distribution_id: str) -> list[str]:
    (summary,) = cloudfront.list_invalidations(DistributionId=distribution_id)["InvalidationList"]["Items"]
    batch = cloudfront.get_invalidation(DistributionId=distribution_id, Id=summary["Id"])
    return batch["Invalidation"]["InvalidationBatch"]["Paths"]["Items"]


def test_sync_sets_cache_headers_skips_unchanged_assets_and_deletes_stale_files(aws, dist):
    aws.put_object(Bucket=BUCKET, Key="assets/index-OLD999.js", Body=b"old chunk")
    aws.put_object(Bucket=BUCKET, Key="old-page.html", Body=b"gone")
    aws.put_object(Bucket=BUCKET, Key="index.html", Body=b"previous index")
    kept = (dist / "assets/vendor-Kept01.js").read_bytes()
    aws.put_object(Bucket=BUCKET, Key="assets/vendor-Kept01.js", Body=kept, CacheControl=deploy_web.IMMUTABLE)

    result = deploy_web.sync(aws, BUCKET, dist, log=lambda _line: None)

    assert result.skipped == ["assets/vendor-Kept01.js"]
    assert result.uploaded == [
        "assets/index-B1x2y3.js",
        "assets/index-C4d5e6.css",
        "favicon.svg",
        "index.html",  # last: it never names an asset that is not there yet
    ]
    assert sorted(result.deleted) == ["assets/index-OLD999.js", "old-page.html"]
    listed = {o["Key"] for o in aws.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert listed == {
        "index.html",
        "favicon.svg",
        "assets/index-B1x2y3.js",
        "assets/index-C4d5e6.css",
        "assets/vendor-Kept01.js",
    }

    expected = {
        "index.html": ("no-cache", "text/html; charset=utf-8"),
        "favicon.svg": ("no-cache", "image/svg+xml"),
        "assets/index-B1x2y3.js": ("public, max-age=31536000, immutable", "text/javascript; charset=utf-8"),
        "assets/index-C4d5e6.css": ("public, max-age=31536000, immutable", "text/css; charset=utf-8"),
    }
    for key, (cache_control, content_type) in expected.items():
        head = aws.head_object(Bucket=BUCKET, Key=key)
        assert (head["CacheControl"], head["ContentType"]) == (cache_control, content_type), key
    body = aws.get_object(Bucket=BUCKET, Key="index.html")["Body"].read()
    assert hashlib.sha256(body).digest() == hashlib.sha256((dist / "index.html").read_bytes()).digest()


def test_a_second_sync_uploads_only_the_unhashed_files(aws, dist):
    deploy_web.sync(aws, BUCKET, dist, log=lambda _line: None)
    again = deploy_web.sync(aws, BUCKET, dist, log=lambda _line: None)
    assert again.uploaded == ["favicon.svg", "index.html"]
    assert len(again.skipped) == 3
    assert again.deleted == []


def test_sync_refuses_a_folder_without_a_build(aws, tmp_path):
    with pytest.raises(SystemExit, match=r"no index\.html"):
        deploy_web.sync(aws, BUCKET, tmp_path, log=lambda _line: None)


def test_main_with_explicit_bucket_and_distribution_invalidates_the_pages(aws, dist, capsys):
    cloudfront = boto3.client("cloudfront", region_name=REGION)
    distribution_id = _distribution(cloudfront)

    assert (
        deploy_web.main(["--dist", str(dist), "--bucket", BUCKET, "--distribution-id", distribution_id]) == 0
    )

    assert sorted(_invalidated_paths(cloudfront, distribution_id)) == ["/", "/favicon.svg", "/index.html"]
    assert "5 uploaded, 0 unchanged, 0 stale deleted" in capsys.readouterr().out


def test_main_takes_bucket_and_distribution_from_the_stack_outputs(aws, dist):
    cloudfront = boto3.client("cloudfront", region_name=REGION)
    distribution_id = _distribution(cloudfront)
    template = {
        "Resources": {"Placeholder": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {
            "WebBucketName": {"Value": BUCKET},
            "DistributionId": {"Value": distribution_id},
        },
    }
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName="cinema-test", TemplateBody=json.dumps(template)
    )

    assert deploy_web.main(["--dist", str(dist), "--stack", "cinema-test", "--region", REGION]) == 0

    assert "/index.html" in _invalidated_paths(cloudfront, distribution_id)
    head = aws.head_object(Bucket=BUCKET, Key="assets/index-B1x2y3.js")
    assert head["CacheControl"] == "public, max-age=31536000, immutable"


def test_samconfig_names_the_stack_and_region():
    config = deploy_web.samconfig("default")
    assert config["stack_name"]
    assert config["region"]
    assert deploy_web.samconfig("no-such-env") == {}
