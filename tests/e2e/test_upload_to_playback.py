"""The whole media path on one machine, as an admin and a viewer live it: upload a real
video through presigned URLs, watch the transcoding progress, play the HLS ladder through
the local CDN edge with the signature the API handed out, and decode every frame."""

from __future__ import annotations

import json
import math
import re
import subprocess
import time
from pathlib import Path

import httpx
import imageio_ffmpeg
import pytest
from tests.serving import Serving

from cinema.local.demo_media import make_test_clip

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
API = "/api/v1"
SECONDS = 8


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory):
    from cinema.local.services.backing import free_port  # noqa: PLC0415

    serving = Serving(tmp_path_factory.mktemp("e2e") / "state", free_port())
    try:
        serving.wait_ready()
        yield serving
    finally:
        assert serving.stop() == 0


def test_upload_transcode_and_play_through_the_signed_edge(platform, tmp_path):
    clip = tmp_path / "clip.mp4"
    make_test_clip(clip, seconds=SECONDS, preset="ultrafast")
    data = clip.read_bytes()
    admin = json.loads((Path(platform.console_data_dir) / "admin-credentials.json").read_text())
    with httpx.Client(base_url=platform.base, timeout=30) as http:
        token = http.post(
            f"{API}/auth/token", data={"username": admin["email"], "password": admin["password"]}
        ).json()
        auth = {"Authorization": f"Bearer {token['access_token']}"}
        film = http.post(
            f"{API}/admin/films",
            json={"title": "E2E", "year": 2026, "duration_seconds": SECONDS, "access": "free"},
            headers=auth,
        ).json()
        http.patch(f"{API}/admin/films/{film['id']}", json={"status": "published"}, headers=auth)

        upload = http.post(
            f"{API}/admin/films/{film['id']}/upload",
            headers=auth,
            json={"filename": "clip.mp4", "content_type": "video/mp4", "size_bytes": len(data)},
        ).json()
        parts = []
        for part in upload["parts"]:
            start = (part["part_number"] - 1) * upload["part_size"]
            put = httpx.put(part["url"], content=data[start : start + upload["part_size"]], timeout=60)
            parts.append({"part_number": part["part_number"], "etag": put.headers["etag"]})
        done = http.post(
            httpx.URL(upload["complete_url"]).path,
            json={"upload_id": upload["upload_id"], "parts": parts},
            headers=auth,
        )
        assert done.status_code == 202, done.text

        seen_percents, deadline = [], time.monotonic() + 240
        while time.monotonic() < deadline:
            media = http.get(f"{API}/admin/films/{film['id']}/media", headers=auth).json()
            seen_percents.append(media["percent"])
            if media["status"] in ("ready", "failed"):
                break
            time.sleep(0.3)
        assert media["status"] == "ready", media
        assert seen_percents == sorted(seen_percents)  # progress only moves forward
        assert sorted(r["height"] for r in media["renditions"]) == [360, 540, 720]

        play = http.get(f"{API}/films/{film['id']}/play", headers=auth).json()
        cookie = "; ".join(f"{k}={v}" for k, v in play["cookies"].items())
        unsigned = httpx.get(play["manifest_url"].split("?")[0])
        assert unsigned.status_code == 403
        master = httpx.get(play["manifest_url"])
        assert master.status_code == 200
        assert master.headers["content-type"].startswith("application/vnd.apple.mpegurl")
        assert master.text.count("#EXT-X-STREAM-INF") == 3
        # The captured frame is the film's poster, public like on the CDN.
        poster_url = http.get(f"{API}/films/{film['id']}").json()["poster_url"]
        poster = httpx.get(poster_url)
        assert (poster.status_code, poster.headers["content-type"]) == (200, "image/jpeg")
        assert poster.content.startswith(b"\xff\xd8")

    decoded = subprocess.run(
        [
            FFMPEG,
            "-hide_banner",
            "-headers",
            f"Cookie: {cookie}\r\n",
            "-i",
            play["manifest_url"].split("?")[0],
            "-map",
            "0:v:0",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert decoded.returncode == 0, decoded.stderr[-2000:]
    frames = int(re.findall(r"frame=\s*(\d+)", decoded.stderr)[-1])
    assert math.isclose(frames, SECONDS * 25, rel_tol=0.05), frames
