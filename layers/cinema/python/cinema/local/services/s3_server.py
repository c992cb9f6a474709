"""The embedded S3: moto's server as a child process (its own GIL, not the API's), kept on disk between runs.

moto holds objects in memory only, while the platform promises that a restart keeps uploads:
stop() snapshots every object of the configured buckets into data_dir/s3 and the next start
restores them. A crash (SIGKILL, power loss) loses what was written since the last start;
for a development server that is an accepted trade for using moto unchanged. A moto left
running by a killed platform is snapshotted at the next start before it is stopped.

Layout: data_dir/s3/<bucket>/index.json maps each key to a blob file and the attributes a
client sees (ContentType, Metadata, Cache-Control, ...); blobs/ holds bodies under opaque
names, because keys do not map to files safely ("a" and "a/b" may both exist, keys may hold
".."). Snapshots are incremental (unchanged ETag and LastModified: blob kept) and crash-safe
(the new index replaces the old one atomically; unreferenced blobs are deleted only after).
Not kept: versions, tags, ACLs, unfinished multipart uploads, buckets created at runtime.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import shutil
import sys
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import boto3
from botocore.client import BaseClient, Config
from botocore.exceptions import BotoCoreError, ClientError

from cinema.local.services.common import (
    PidFile,
    RunningService,
    choose_port,
    kill_pid,
    log_path,
    spawn,
    start_failed,
    terminate,
    wait_until,
)

START_TIMEOUT_S = 20.0
WORKERS = 8  # the loopback round trip dominates; parallel requests halve snapshot and restore time
ATTRIBUTES = (
    "ContentType",
    "Metadata",
    "CacheControl",
    "ContentDisposition",
    "ContentEncoding",
    "ContentLanguage",
)
Entries = dict[str, dict[str, Any]]
T = TypeVar("T")
R = TypeVar("R")


def s3_client(endpoint_url: str, region: str) -> BaseClient:
    """A boto3 S3 client for a local endpoint (moto accepts any credentials)."""
    config = Config(
        connect_timeout=5,
        max_pool_connections=WORKERS * 2,
        retries={"max_attempts": 3, "mode": "standard"},
        s3={"addressing_style": "path"},
    )
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto's conventional dummy credentials
        config=config,
    )


def _read_index(folder: Path) -> Entries:
    with contextlib.suppress(OSError, ValueError):
        return dict(json.loads((folder / "index.json").read_text())["objects"])
    return {}


def _write_index(folder: Path, entries: Entries) -> None:
    partial = folder / "index.json.part"
    partial.write_text(json.dumps({"version": 1, "objects": entries}, indent=1, sort_keys=True))
    os.replace(partial, folder / "index.json")


def _listing(client: BaseClient, bucket: str) -> list[dict[str, Any]]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return [obj for page in pages for obj in page.get("Contents", [])]


def _each(work: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """`work` over `items` on WORKERS threads, or one by one when called from atexit (stop() of a
    process that exits without calling it), where concurrent.futures refuses new work.
    """
    items = list(items)
    with ThreadPoolExecutor(WORKERS) as pool:
        try:
            futures = [pool.submit(work, item) for item in items]
        except RuntimeError:  # "cannot schedule new futures after interpreter shutdown"
            futures = None
    return [work(item) for item in items] if futures is None else [future.result() for future in futures]


def _snapshot_bucket(client: BaseClient, folder: Path, bucket: str) -> None:
    blobs = folder / "blobs"
    blobs.mkdir(parents=True, exist_ok=True)
    previous = _read_index(folder)

    def keep(obj: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        key, etag, modified = obj["Key"], obj["ETag"], obj["LastModified"].isoformat()
        old = previous.get(key)
        if old and (old["etag"], old["modified"]) == (etag, modified) and (blobs / old["blob"]).is_file():
            return key, old
        response = client.get_object(Bucket=bucket, Key=key)
        blob = uuid.uuid4().hex
        with (blobs / f"{blob}.part").open("wb") as out:
            shutil.copyfileobj(response["Body"], out, 1 << 20)
        (blobs / f"{blob}.part").replace(blobs / blob)
        attributes = {name: response[name] for name in ATTRIBUTES if response.get(name)}
        return key, {"blob": blob, "etag": etag, "modified": modified, "attributes": attributes}

    entries = dict(_each(keep, _listing(client, bucket)))
    _write_index(folder, entries)
    referenced = {entry["blob"] for entry in entries.values()}
    for path in blobs.iterdir():
        if path.name not in referenced:
            path.unlink()


def snapshot(client: BaseClient, store: Path, buckets: Sequence[str]) -> None:
    """Writes every object of `buckets` under `store`; a bucket gone from the server keeps its snapshot."""
    for bucket in buckets:
        try:
            _snapshot_bucket(client, store / bucket, bucket)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "NoSuchBucket":
                raise


def restore(client: BaseClient, store: Path, buckets: Sequence[str]) -> int:
    """Puts the snapshot of `buckets` back; returns how many objects were restored."""
    restored = 0
    for bucket in buckets:
        folder = store / bucket
        entries = {
            key: e for key, e in _read_index(folder).items() if (folder / "blobs" / e["blob"]).is_file()
        }

        def put(item: tuple[str, dict[str, Any]], bucket: str = bucket, folder: Path = folder) -> None:
            key, entry = item
            with (folder / "blobs" / entry["blob"]).open("rb") as body:
                client.put_object(Bucket=bucket, Key=key, Body=body, **entry["attributes"])

        _each(put, entries.items())
        # The server gives restored objects a new LastModified: record it, or the next
        # snapshot would download every object again.
        for obj in _listing(client, bucket):
            if obj["Key"] in entries:
                entries[obj["Key"]].update(etag=obj["ETag"], modified=obj["LastModified"].isoformat())
        if entries:
            _write_index(folder, entries)
        restored += len(entries)
    return restored


def _moto_answers(endpoint: str) -> bool:
    """moto's own API answering, not merely an open port (which another program could hold)."""
    with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=0.5) as response:  # noqa: S310 - loopback http URL we built
        return bool(response.status == 200)


def connect_s3(endpoint_url: str) -> RunningService:
    """Wraps an S3 endpoint named by the environment (its buckets are that server's business)."""
    return RunningService("s3", endpoint_url, f"S3 at {endpoint_url}", False)


def _rescue_leftover(pidfile: PidFile, store: Path, buckets: Sequence[str], region: str, log: Path) -> None:
    """Snapshots, then stops, a moto that a killed run left behind, so its objects are not lost."""
    leftover = pidfile.leftover("moto.server")
    if leftover is None:
        return
    pid, port = leftover
    try:
        snapshot(s3_client(f"http://127.0.0.1:{port}", region), store, buckets)
    except (BotoCoreError, ClientError, OSError) as error:
        with log.open("a") as out:
            out.write(f"could not snapshot the leftover S3 server (pid {pid}): {error}\n")
    kill_pid(pid)
    pidfile.remove()


def allow_browser_puts(client: BaseClient, bucket: str, origins: Sequence[str]) -> None:
    """The bucket CORS template.yaml gives the uploads bucket: browsers of `origins` PUT the parts
    of presigned multipart uploads and read each part's ETag."""
    rule = {
        "AllowedOrigins": list(origins),
        "AllowedMethods": ["PUT"],
        "AllowedHeaders": ["*"],
        "ExposeHeaders": ["ETag"],
        "MaxAgeSeconds": 3000,
    }
    client.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [rule]})


def start_s3(
    data_dir: Path,
    buckets: Sequence[str],
    *,
    port: int | None = None,
    region: str = "eu-central-1",
    cors: Mapping[str, Sequence[str]] | None = None,
) -> RunningService:
    """Starts moto's server on 127.0.0.1, creates `buckets` and restores their snapshot from data_dir/s3.

    `cors` maps a bucket to the browser origins that may PUT into it (see allow_browser_puts).
    moto's blanket CORS (`*` on every answer) is off, so the server answers cross-origin
    requests as S3 does: by the bucket's CORS configuration only.
    """
    data_dir = data_dir.resolve()
    store = data_dir / "s3"
    store.mkdir(parents=True, exist_ok=True)
    log = log_path(data_dir, "s3")
    pidfile = PidFile(data_dir, "s3")
    _rescue_leftover(pidfile, store, buckets, region, log)
    port = choose_port(data_dir, "s3", port)
    endpoint = f"http://127.0.0.1:{port}"
    process = spawn(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        log,
        env={"MOTO_DISABLE_GLOBAL_CORS": "true"},
    )
    pidfile.write(process.pid, port)  # at once: a run killed during the restore must not leak it
    try:
        wait_until(
            lambda: _moto_answers(endpoint),
            what="S3 (moto)",
            log=log,
            timeout=START_TIMEOUT_S,
            process=process,
        )
        client = s3_client(endpoint, region)
        location = (
            {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        )
        for bucket in buckets:
            client.create_bucket(Bucket=bucket, **location)
        for bucket, origins in (cors or {}).items():
            if origins:
                allow_browser_puts(client, bucket, origins)
        restored = restore(client, store, buckets)
    except BaseException as error:
        terminate(process)
        pidfile.remove()
        if isinstance(error, BotoCoreError | ClientError):
            raise start_failed("S3 (moto)", log, f"setting up buckets failed: {error}") from error
        raise

    def stop() -> None:
        try:
            snapshot(client, store, buckets)
        except (BotoCoreError, ClientError, OSError) as error:
            raise RuntimeError(f"S3 snapshot failed, the previous one in {store} is kept: {error}") from error
        finally:
            terminate(process)
            pidfile.remove()

    where = os.path.relpath(store) if store.is_relative_to(Path.cwd()) else str(store)
    description = (
        f"S3 (moto {importlib.metadata.version('moto')}) on 127.0.0.1:{port}, "
        f"buckets {', '.join(buckets) or '(none)'}; {restored} objects restored from {where}"
    )
    return RunningService("s3", endpoint, description, True, _stopper=stop)
