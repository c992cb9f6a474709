"""Publish the built web app (web/dist) to the stack's web bucket and refresh the distribution.

`make deploy-web` builds web/ and runs this. The order keeps every moment consistent for viewers:

1. the hashed files under assets/ (Vite names them by content), `Cache-Control: public,
   max-age=31536000, immutable`; those already in the bucket with the same content are skipped;
2. the unhashed files (favicon, ...), then index.html last, `Cache-Control: no-cache`, so that a
   page never names an asset that is not uploaded yet;
3. keys the new build does not have are deleted (old hashed chunks, removed files);
4. an invalidation of /index.html, / and the other unhashed files on the distribution.

The bucket and the distribution id come from --bucket / --distribution-id, else from the stack's
outputs WebBucketName and DistributionId (stack name and region from samconfig.toml, or
--stack / --region). AWS credentials as for the AWS CLI (environment, profile, SSO).
"""

from __future__ import annotations

import argparse
import hashlib
import mimetypes
import sys
import time
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

ROOT = Path(__file__).resolve().parents[1]
ASSETS_PREFIX = "assets/"
IMMUTABLE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"

# mimetypes depends on the machine's tables; the types a Vite build emits, pinned.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
    ".wasm": "application/wasm",
}


@dataclass
class SyncResult:
    uploaded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


def content_type(key: str) -> str:
    suffix = Path(key).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(key)[0] or "application/octet-stream"


def cache_control(key: str) -> str:
    return IMMUTABLE if key.startswith(ASSETS_PREFIX) else NO_CACHE


def local_files(dist: Path) -> dict[str, Path]:
    """Bucket key -> file, for every file of the build."""
    if not (dist / "index.html").is_file():
        raise SystemExit(f"{dist} has no index.html: build the web app first (cd web && npm run build)")
    return {path.relative_to(dist).as_posix(): path for path in sorted(dist.rglob("*")) if path.is_file()}


def upload_order(keys: Iterable[str]) -> list[str]:
    """Hashed assets first, then the other files, index.html last."""
    return sorted(
        keys, key=lambda k: (0 if k.startswith(ASSETS_PREFIX) else 2 if k == "index.html" else 1, k)
    )


def remote_objects(s3: Any, bucket: str) -> dict[str, str]:
    """Key -> ETag (without quotes) of everything in the bucket."""
    found: dict[str, str] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            found[item["Key"]] = item["ETag"].strip('"')
    return found


def sync(s3: Any, bucket: str, dist: Path, *, log: Any = print) -> SyncResult:
    files = local_files(dist)
    remote = remote_objects(s3, bucket)
    result = SyncResult()
    for key in upload_order(files):
        body = files[key].read_bytes()
        # A hashed name never changes content: skip it when the bucket has the same bytes (single-part
        # uploads to an SSE-S3 bucket have the MD5 as ETag). Unhashed files are always written.
        if (
            key.startswith(ASSETS_PREFIX)
            and remote.get(key) == hashlib.md5(body, usedforsecurity=False).hexdigest()
        ):
            result.skipped.append(key)
            continue
        s3.put_object(
            Bucket=bucket, Key=key, Body=body, ContentType=content_type(key), CacheControl=cache_control(key)
        )
        result.uploaded.append(key)
        log(f"  uploaded {key} ({cache_control(key)})")
    stale = sorted(set(remote) - set(files))
    for start in range(0, len(stale), 1000):  # DeleteObjects takes at most 1000 keys
        batch = stale[start : start + 1000]
        answer = s3.delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True}
        )
        if answer.get("Errors"):
            raise SystemExit(f"could not delete {answer['Errors']}")
        result.deleted.extend(batch)
        for key in batch:
            log(f"  deleted {key}")
    return result


def invalidation_paths(keys: Iterable[str]) -> list[str]:
    """/ and /index.html, and every other unhashed file (hashed ones are new names, never stale)."""
    return ["/", *sorted("/" + key for key in keys if not key.startswith(ASSETS_PREFIX))]


def invalidate(cloudfront: Any, distribution_id: str, paths: Sequence[str]) -> str:
    answer = cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": len(paths), "Items": list(paths)},
            "CallerReference": f"deploy-web-{time.time_ns()}",
        },
    )
    return answer["Invalidation"]["Id"]


def samconfig(config_env: str, path: Path = ROOT / "samconfig.toml") -> dict[str, str]:
    """stack_name and region of a samconfig.toml environment ([<env>.global.parameters])."""
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text())
    return dict(data.get(config_env, {}).get("global", {}).get("parameters", {}))


def stack_outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    stacks = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    return {output["OutputKey"]: output["OutputValue"] for output in stacks[0].get("Outputs", [])}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--dist", type=Path, default=ROOT / "web" / "dist", help="the build (default web/dist)"
    )
    parser.add_argument("--bucket", default="", help="web bucket (default: the stack output WebBucketName)")
    parser.add_argument(
        "--distribution-id", default="", help="distribution (default: the stack output DistributionId)"
    )
    parser.add_argument(
        "--config-env", default="default", help="samconfig.toml environment (default: default)"
    )
    parser.add_argument("--stack", default="", help="stack name (default: samconfig.toml's stack_name)")
    parser.add_argument("--region", default="", help="region (default: samconfig.toml's region)")
    args = parser.parse_args(argv)

    config = samconfig(args.config_env)
    region = args.region or config.get("region") or None
    session = boto3.session.Session(region_name=region)
    bucket, distribution_id = args.bucket, args.distribution_id
    if not bucket or not distribution_id:
        stack = args.stack or config.get("stack_name")
        if not stack:
            parser.error("no stack name: pass --stack, or --bucket and --distribution-id")
        outputs = stack_outputs(session.client("cloudformation"), stack)
        bucket = bucket or outputs["WebBucketName"]
        distribution_id = distribution_id or outputs["DistributionId"]

    print(f"syncing {args.dist} -> s3://{bucket}")
    result = sync(session.client("s3"), bucket, args.dist)
    print(
        f"{len(result.uploaded)} uploaded, {len(result.skipped)} unchanged, {len(result.deleted)} stale deleted"
    )
    paths = invalidation_paths(local_files(args.dist))
    invalidation = invalidate(session.client("cloudfront"), distribution_id, paths)
    print(f"invalidation {invalidation} on {distribution_id}: {' '.join(paths)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
