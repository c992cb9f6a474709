"""The embedded services: real servers that come up, keep their data across restarts and go away."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import boto3
import psycopg
import pytest
import redis
from botocore.client import BaseClient

import cinema
from cinema.local.services.backing import (
    LocalServices,
    RunningService,
    free_port,
    start_postgres,
    start_redis,
    start_s3,
)
from cinema.local.services.common import pid_alive
from cinema.local.services.postgres import find_binaries

BUCKETS = ("cinema-uploads", "cinema-media")


def libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "postgres" / "postmaster.pid").read_text().split()[0])


def port_open(url: str) -> bool:
    port = int(url.rsplit(":", 1)[1].split("/", maxsplit=1)[0])
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def s3(service: RunningService) -> BaseClient:
    return boto3.client(
        "s3",
        endpoint_url=service.url,
        region_name="eu-central-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_postgres_keeps_data_across_restarts_and_leaves_nothing_running(tmp_path: Path) -> None:
    pg = start_postgres(tmp_path, fast=True)
    try:
        assert pg.embedded
        assert pg.url.startswith("postgresql+psycopg://postgres@127.0.0.1:")
        assert pg.url.endswith("/cinema")
        if find_binaries()[1] == "system binaries":
            assert {"pg_trgm", "unaccent"} <= pg.features
        with psycopg.connect(libpq(pg.url), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION pg_trgm")
            conn.execute("CREATE TABLE kept (title text)")
            conn.execute("INSERT INTO kept VALUES ('Сталкер')")
            row = conn.execute("SELECT similarity(title, 'сталкр') FROM kept").fetchone()
            assert row is not None
            assert row[0] > 0.3  # Cyrillic is seen by pg_trgm: the cluster is not in the plain C locale
        first_pid = postmaster_pid(tmp_path)
        pid_file = (tmp_path / "postgres" / "postmaster.pid").read_text()
    finally:
        pg.stop()
    pg.stop()  # idempotent
    assert not pid_alive(first_pid)

    # a run killed with its server leaves this behind: the start must see it is stale
    (tmp_path / "postgres" / "postmaster.pid").write_text(pid_file)
    again = start_postgres(tmp_path, fast=True)
    try:
        assert again.url == pg.url  # the port is remembered, so URLs stay stable
        with psycopg.connect(libpq(again.url)) as conn:
            assert conn.execute("SELECT title FROM kept").fetchall() == [("Сталкер",)]
        second_pid = postmaster_pid(tmp_path)
    finally:
        again.stop()
    assert not pid_alive(second_pid)
    assert not port_open(again.url)


def test_redis_serves_and_closes_its_port(tmp_path: Path) -> None:
    service = start_redis(tmp_path, port=free_port())
    try:
        assert service.embedded
        assert service.url.startswith("redis://127.0.0.1:")
        client = redis.Redis.from_url(service.url)
        client.set("greeting", "привет")
        assert client.get("greeting") == "привет".encode()
        client.close()
    finally:
        service.stop()
    service.stop()
    assert not port_open(service.url)
    assert (tmp_path / "logs" / "redis.log").stat().st_size > 0


def test_redis_that_cannot_start_says_why(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(
            RuntimeError, match=r"(?s)Redis did not start: the process exited.*already in use"
        ):
            start_redis(tmp_path, port=port)


def test_s3_restart_restores_objects_with_their_attributes(tmp_path: Path) -> None:
    service = start_s3(tmp_path, BUCKETS)
    try:
        client = s3(service)
        client.put_object(Bucket="cinema-uploads", Key="a", Body=b"file a", ContentType="text/plain")
        client.put_object(
            Bucket="cinema-uploads",
            Key="a/b/../poster.jpg",  # keys that are no safe file names
            Body=b"\xff\xd8jpeg",
            ContentType="image/jpeg",
            Metadata={"film": "42"},
        )
        client.put_object(Bucket="cinema-media", Key="films/1/master.m3u8", Body=b"#EXTM3U\n")
    finally:
        service.stop()
    assert not port_open(service.url)

    again = start_s3(tmp_path, BUCKETS)
    try:
        client = s3(again)
        assert {b["Name"] for b in client.list_buckets()["Buckets"]} == set(BUCKETS)
        poster = client.get_object(Bucket="cinema-uploads", Key="a/b/../poster.jpg")
        assert poster["Body"].read() == b"\xff\xd8jpeg"
        assert poster["ContentType"] == "image/jpeg"
        assert poster["Metadata"] == {"film": "42"}
        assert client.get_object(Bucket="cinema-uploads", Key="a")["ContentType"] == "text/plain"
        client.put_object(Bucket="cinema-media", Key="films/1/master.m3u8", Body=b"#EXTM3U\n#v2\n")
        client.delete_object(Bucket="cinema-uploads", Key="a")
    finally:
        again.stop()

    third = start_s3(tmp_path, BUCKETS)
    try:
        client = s3(third)
        assert (
            client.get_object(Bucket="cinema-media", Key="films/1/master.m3u8")["Body"].read()
            == b"#EXTM3U\n#v2\n"
        )
        keys = [o["Key"] for o in client.list_objects_v2(Bucket="cinema-uploads").get("Contents", [])]
        assert keys == ["a/b/../poster.jpg"]
    finally:
        third.stop()
    blobs = list((tmp_path / "s3" / "cinema-uploads" / "blobs").iterdir())
    assert len(blobs) == 1  # the deleted object's body went with it


def test_local_services_use_a_given_redis_url(tmp_path: Path) -> None:
    given = "redis://127.0.0.1:1/0"
    services = LocalServices(tmp_path, redis_url=given, buckets=BUCKETS, persistent_ports=False, fast=True)
    with services:
        assert services.redis.url == given
        assert not services.redis.embedded
        assert services.postgres.embedded
        assert services.s3.embedded
        assert [s.name for s in services.services] == ["postgresql", "redis", "s3"]
        pid = postmaster_pid(tmp_path)
    services.stop()  # a second stop is harmless
    assert not pid_alive(pid)
    assert not port_open(services.s3.url)


def run_platform(data_dir: Path, key: str, *, then: str) -> list[int]:
    """Runs LocalServices in a child Python that uploads `key` and then ends as `then` says
    ("kill": SIGKILL, "exit": returns without calling stop()); gives the servers' pids."""
    script = textwrap.dedent(
        f"""
        import time, boto3
        from pathlib import Path
        from cinema.local.services.backing import LocalServices
        services = LocalServices(Path({str(data_dir)!r}), buckets={BUCKETS!r}, fast=True).start()
        client = boto3.client("s3", endpoint_url=services.s3.url, region_name="eu-central-1",
                              aws_access_key_id="testing", aws_secret_access_key="testing")
        client.put_object(Bucket="cinema-uploads", Key={key!r}, Body=b"uploaded", ContentType="video/mp4")
        print("ready", flush=True)
        if {then!r} == "kill":
            time.sleep(60)
        """
    )
    package_root = str(Path(cinema.__file__).parents[1])  # importable even without an editable install
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
    }
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        pids = [int((data_dir / "run" / f"{name}.pid").read_text().split()[0]) for name in ("redis", "s3")]
        pids.append(postmaster_pid(data_dir))
    finally:
        if then == "kill":
            child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=30) in (0, -signal.SIGKILL)
    return pids


def test_a_killed_run_leaves_nothing_behind_and_loses_no_upload(tmp_path: Path) -> None:
    """SIGKILL leaves the servers running: the next start snapshots S3 and stops them all."""
    killed = run_platform(tmp_path, "killed.mp4", then="kill")
    assert all(pid_alive(pid) for pid in killed)

    with LocalServices(tmp_path, buckets=BUCKETS, fast=True) as services:
        assert not any(pid_alive(pid) for pid in killed)
        late = s3(services.s3).get_object(Bucket="cinema-uploads", Key="killed.mp4")
        assert (late["Body"].read(), late["ContentType"]) == (b"uploaded", "video/mp4")
        pids = [int((tmp_path / "run" / f"{name}.pid").read_text().split()[0]) for name in ("redis", "s3")]
        pids.append(postmaster_pid(tmp_path))
    assert not any(pid_alive(pid) for pid in pids)


def test_a_run_that_exits_without_stop_is_stopped_by_atexit(tmp_path: Path) -> None:
    exited = run_platform(tmp_path, "exited.mp4", then="exit")
    assert not any(pid_alive(pid) for pid in exited)
    assert not (tmp_path / "run" / "s3.pid").exists()
    restarted = start_s3(tmp_path, BUCKETS)
    try:
        assert (
            s3(restarted).get_object(Bucket="cinema-uploads", Key="exited.mp4")["Body"].read() == b"uploaded"
        )
    finally:
        restarted.stop()
