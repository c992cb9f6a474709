"""Live ingest to playback: how soon a broadcast is watchable, and how far behind it plays.

`cinema serve` runs as a child process the way tests/serving.py and bench/pipeline.py run it
(its own temporary data directory, a free API port and a free RTMP port, log level WARNING,
no demo videos), with nginx-rtmp, so this needs nginx and its rtmp module (Debian:
`apt-get install nginx libnginx-mod-rtmp`). As the generated admin the bench creates
`--runs` (5) live events, one after the other, and for each one publishes a test card with
ffmpeg in real time (`-re`, 25 fps, 2 s GOPs, yuv420p, AAC: the HLS fragment is 2 s) and
measures, through the platform's public surface only:

- **first playable**: from the start of the publish (the moment the platform accepted it: the
  event's `started_at`, set by the publish hook; same machine, same clock) to the first moment
  a viewer gets, through the local signed edge, a live playlist listing a fragment and that
  fragment (GET /live/{id}/play, then the signed playlist and its newest fragment, polled
  every 50 ms). Figure: that time / the fragment length. Target: <= 2x. Also shown, not
  judged: the same from the launch of the ffmpeg process (its start-up, x264's and the RTMP
  handshake included).
- **live delay at the player's start point**: once playable, every 0.5 s for `--seconds`
  (10) s, where a player joining then would start (the start of the newest fragment the
  playlist lists: ffmpeg's `-live_start_index -1`) against where the publisher is (the
  media time it has sent: wall time since it started, as `-re` paces it). The fragment's
  start is read from its first PTS (nginx-rtmp writes the RTMP timestamps, which start at 0
  with the publisher). Figure: that gap / the fragment length, median and worst over the
  samples of all runs. Target: <= 3 fragments. For scale it also shows the gap at hls.js's
  default start point (3 target durations before the live edge), which is not judged.

    python bench/live.py [--runs 5] [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import imageio_ffmpeg

from cinema.local.services.common import free_port  # the one port probe

API = "/api/v1"
FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
CINEMA = shutil.which("cinema", path=str(Path(sys.executable).parent)) or "cinema"
FRAGMENT_S = 2.0
TARGET_FIRST = 2.0
TARGET_DELAY = 3.0


def say(message: str = "") -> None:
    print(message, flush=True)


class Platform:
    def __init__(self, data_dir: Path) -> None:
        port, self.rtmp_port = free_port(), free_port()
        self.data_dir = data_dir
        self.base = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("CINEMA_")}
        env.update(
            CINEMA_DATA_DIR=str(data_dir),
            CINEMA_PORT=str(port),
            CINEMA_LOG_LEVEL="WARNING",
            CINEMA_DEMO_MEDIA="false",
            CINEMA_LIVE_RTMP_PORT=str(self.rtmp_port),
        )
        self.process = subprocess.Popen(
            [CINEMA, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.console: list[str] = []
        self.ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.console.append(line)
            if "ready in" in line:
                self.ready.set()

    def wait_ready(self) -> None:
        if not self.ready.wait(180):
            raise RuntimeError("cinema serve did not get ready:\n" + "".join(self.console)[-3000:])
        for _ in range(100):
            try:
                health = httpx.get(f"{self.base}{API}/health", timeout=2).json()
            except httpx.TransportError:
                time.sleep(0.1)
                continue
            if health.get("live") != "ok":
                raise RuntimeError(f"live ingest is not running: {health}\n" + "".join(self.console)[-2000:])
            return
        raise RuntimeError("the API never answered /health")

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(90)


def first_pts_s(segment: bytes) -> float | None:
    """The first PTS of an MPEG-TS fragment, in seconds (the first PES header that has one)."""
    for offset in range(0, len(segment) - 188 + 1, 188):
        packet = segment[offset : offset + 188]
        if packet[0] != 0x47 or not packet[1] & 0x40:  # sync byte; payload unit start
            continue
        start = 4 + (packet[4] + 1 if packet[3] & 0x20 else 0)  # skip the adaptation field
        pes = packet[start:]
        if pes[:3] != b"\x00\x00\x01" or len(pes) < 14 or not pes[7] & 0x80:
            continue
        p = pes[9:14]
        pts = ((p[0] >> 1) & 7) << 30 | p[1] << 22 | (p[2] >> 1) << 15 | p[3] << 7 | p[4] >> 1
        return pts / 90_000
    return None


def fragments(playlist: str) -> list[tuple[float, str]]:
    lines = playlist.splitlines()
    found = []
    for i, line in enumerate(lines):
        if line.startswith("#EXTINF:") and i + 1 < len(lines):
            found.append((float(line[8:].split(",")[0]), lines[i + 1].strip()))
    return found


def push(url: str, seconds: float) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            FFMPEG, "-hide_banner", "-loglevel", "error", "-re",
            "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=25:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
            "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
            "-g", "50", "-keyint_min", "50", "-sc_threshold", "0", "-c:a", "aac", "-f", "flv", url,
        ],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def signed(manifest_url: str, name: str) -> str:
    base, query = manifest_url.split("?", 1)
    return f"{base.rsplit('/', 1)[0]}/{name}?{query}"


def one_run(http: httpx.Client, auth: dict[str, str], ingest: str, seconds: float, n: int) -> dict[str, Any]:
    event = http.post(f"{API}/admin/live", json={"title": f"Live bench {n}"}, headers=auth).json()
    started = time.monotonic()
    publisher = push(f"{ingest}/{event['stream_key']}", seconds + 12)
    try:
        manifest = None
        while time.monotonic() - started < 20:
            if manifest is None:
                play = http.get(f"{API}/live/{event['id']}/play", headers=auth)
                manifest = play.json()["manifest_url"] if play.status_code == 200 else None
            if manifest is not None:
                listing = http.get(manifest)
                listed = fragments(listing.text) if listing.status_code == 200 else []
                if listed and http.get(signed(manifest, listed[-1][1])).status_code == 200:
                    break
            time.sleep(0.05)
        else:
            raise RuntimeError("the broadcast never became playable")
        first = time.monotonic() - started
        playable_at = time.time()
        on_air = http.get(f"{API}/live/{event['id']}").json()["started_at"]
        accepted = playable_at - datetime.fromisoformat(on_air).timestamp()
        at_newest, at_hlsjs = [], []
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            listing = http.get(manifest)
            now = time.monotonic() - started
            listed = fragments(listing.text)
            newest = first_pts_s(http.get(signed(manifest, listed[-1][1])).content)
            if newest is not None:
                at_newest.append((now - newest) / FRAGMENT_S)
                edge = newest + listed[-1][0]
                target = float(re.search(r"#EXT-X-TARGETDURATION:(\d+)", listing.text).group(1))
                at_hlsjs.append((now - (edge - 3 * target)) / FRAGMENT_S)
            time.sleep(0.5)
        http.post(f"{API}/admin/live/{event['id']}/end", headers=auth)
    finally:
        if publisher.poll() is None:
            publisher.kill()
        publisher.wait()
    say(
        f"run {n}: first playable {accepted:.2f} s after the publish was accepted = "
        f"{accepted / FRAGMENT_S:.2f} fragments ({first:.2f} s after ffmpeg started); delay at the newest "
        f"fragment median {statistics.median(at_newest):.2f} max {max(at_newest):.2f} fragments "
        f"({len(at_newest)} samples); at hls.js's default start {statistics.median(at_hlsjs):.2f}"
    )
    return {
        "first": accepted / FRAGMENT_S,
        "launch": first / FRAGMENT_S,
        "newest": at_newest,
        "hlsjs": at_hlsjs,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cinema-bench-live-", ignore_cleanup_errors=True) as tmp:
        platform = Platform(Path(tmp) / "state")
        try:
            platform.wait_ready()
            ingest = f"rtmp://127.0.0.1:{platform.rtmp_port}/ingest"
            admin = json.loads((Path(tmp) / "state" / "admin-credentials.json").read_text())
            with httpx.Client(base_url=platform.base, timeout=30) as http:
                token = http.post(
                    f"{API}/auth/token", data={"username": admin["email"], "password": admin["password"]}
                ).json()
                auth = {"Authorization": f"Bearer {token['access_token']}"}
                runs = [one_run(http, auth, ingest, args.seconds, n + 1) for n in range(args.runs)]
        finally:
            code = platform.stop()
    first = statistics.median(r["first"] for r in runs)
    launch = statistics.median(r["launch"] for r in runs)
    delays = [d for r in runs for d in r["newest"]]
    hlsjs = [d for r in runs for d in r["hlsjs"]]
    say("")
    say(
        f"publish accepted -> first playable live playlist: median {first:.2f}x the fragment "
        f"(target <= {TARGET_FIRST}x); from the publisher's launch: {launch:.2f}x (shown, not judged)"
    )
    say(
        f"live delay at the player's start point: median {statistics.median(delays):.2f}, "
        f"worst {max(delays):.2f} fragments (target <= {TARGET_DELAY}); at hls.js's default "
        f"start point: median {statistics.median(hlsjs):.2f} fragments (shown, not judged)"
    )
    ok = first <= TARGET_FIRST and statistics.median(delays) <= TARGET_DELAY and code == 0
    say("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
