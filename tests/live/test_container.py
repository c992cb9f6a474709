"""The AWS container's pieces, checked on this machine: its rendered nginx.conf is one nginx
accepts, and its uploader stores closed recordings where media-ingest takes them."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

from cinema.live.hls_mirror import RECORDING_IDLE_S, RecordingUploader
from cinema.live.replay import is_recording
from cinema.media import storage

RTMP = Path(__file__).parents[2] / "infra" / "rtmp"


def test_the_container_config_renders_and_nginx_accepts_it(tmp_path):
    env = os.environ | {
        "API_ORIGIN": "https://127.0.0.1",  # an address: `nginx -t` resolves nothing here
        "HOOK_SECRET": secrets.token_urlsafe(32),
        "HLS_DIR": str(tmp_path / "hls"),
        "RECORD_DIR": str(tmp_path / "rec"),
    }
    rendered = subprocess.run(
        [sys.executable, str(RTMP / "render.py")], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert "{{" not in rendered
    assert env["HOOK_SECRET"] in rendered  # the secret is in the hook URL, the only place
    log_format = next(line for line in rendered.splitlines() if line.strip().startswith("log_format"))
    assert "$name" not in log_format  # the access log never names the stream (the key, in ingest)
    assert "$args" not in log_format
    for folder in ("conf", "logs", "run"):
        (tmp_path / folder).mkdir()
    conf = tmp_path / "conf" / "nginx.conf"
    conf.write_text(rendered.replace("/srv/rtmp", str(tmp_path)).replace("user nobody nogroup;", ""))
    checked = subprocess.run(
        [shutil.which("nginx") or "/usr/sbin/nginx", "-t", "-p", str(tmp_path), "-c", str(conf),
         "-e", str(tmp_path / "logs" / "error.log")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    too_short = env | {"HOOK_SECRET": "short"}
    refused = subprocess.run(
        [sys.executable, str(RTMP / "render.py")], env=too_short, capture_output=True, check=False
    )
    assert refused.returncode != 0


def test_closed_recordings_go_to_the_uploads_bucket_once(services, tmp_path):
    event = "0b7c5a3e-2f0e-4c55-9d0a-4a8f3e1b2c3d"
    closed = tmp_path / f"{event}-1796286225.flv"
    closed.write_bytes(b"FLV\x01" + b"\x00" * 32)
    old = time.time() - RECORDING_IDLE_S - 1
    os.utime(closed, (old, old))
    growing = tmp_path / f"{event}-1796286300.flv"
    growing.write_bytes(b"FLV\x01")
    uploader = RecordingUploader(tmp_path, storage.s3_client(), "cinema-uploads")
    assert uploader.sync_once(time.time()) == 1
    key = f"uploads/live/{event}/{closed.name}"
    assert is_recording(key)
    assert storage.s3_client().head_object(Bucket="cinema-uploads", Key=key)["ContentLength"] == 36
    assert (closed.exists(), growing.exists()) == (False, True)
    assert uploader.sync_once(time.time()) == 0
