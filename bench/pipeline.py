"""The local media pipeline, upload to ready, as a fraction of the clip's length.

A `--seconds` (60) 1280x720 25 fps clip (ffmpeg's testsrc2 and a 440 Hz sine, x264
ultrafast, as the e2e test makes its clip; not timed) goes through the whole platform as
`cinema serve` runs it on one machine: its own PostgreSQL, Redis and S3 in a temporary data
directory, a free port, root log level WARNING, and no demo videos (CINEMA_DEMO_MEDIA=false:
their transcodes would queue ahead of the timed upload). As the generated admin, the bench creates
and publishes a free film, asks for a presigned multipart upload, and then times from the
first part PUT (straight to S3) through `complete` (202) to the media status `ready`,
polling GET /admin/films/{id}/media every 0.2 s and printing the status and percent as they
move. The split is the upload (first PUT to the 202 of complete) and the rest: S3 event,
ingest, queue, download, probe, the 3-rung ffmpeg ladder, the upload of the HLS tree to the
media bucket and the status machine making it playable. Target: total <= 0.6x the clip.

The ladder must have 3 rungs (360p, 540p, 720p) and the master playlist must come back
through the local signed edge (GET of the manifest URL /play hands out: 200, an HLS
playlist with 3 variants; without the signature: 403). The server is then stopped with
SIGTERM and must exit 0 having stopped every process it started.

For scale, the same run also times the transcoder alone (`--reference`, on by default): the
very ffmpeg ladder the worker runs (cinema.local.media_worker.ffmpeg.transcode, 3 rungs) on
the same clip in this process, with the server idle. total / bare transcode is what the
platform adds around ffmpeg; it is shown, not judged. With `--runs N` the pipeline and the
reference alternate N times (new film each run, same server) and medians are judged.

    python bench/pipeline.py [--seconds 60] [--runs 1] [--no-reference]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import imageio_ffmpeg
import psutil

from cinema.local.demo_media import make_test_clip
from cinema.local.services.common import free_port  # the one port probe

TARGET = 0.6
API = "/api/v1"
FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
CINEMA = shutil.which("cinema", path=str(Path(sys.executable).parent)) or "cinema"
POLL_S = 0.2
READY_TIMEOUT_S = 900  # a bound on each run, far above any plausible transcode
RUNGS = [360, 540, 720]


def say(message: str = "") -> None:
    print(message, flush=True)


def make_clip(path: Path, seconds: int) -> None:
    make_test_clip(path, seconds=seconds, preset="ultrafast")


class Platform:
    """`cinema serve` in a child process, as tests/serving.py runs it; its console is kept."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir = data_dir
        self.base = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("CINEMA_")}
        env.update(CINEMA_DATA_DIR=str(data_dir), CINEMA_PORT=str(port), CINEMA_LOG_LEVEL="WARNING")
        # No demo videos on first start (cinema.local.demo_media): their transcodes would share the
        # worker's queue and the CPU with the upload being timed.
        env.update(CINEMA_DEMO_MEDIA="false")
        self.process = subprocess.Popen(
            [CINEMA, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.console: list[str] = []
        self.health: list[int] = []  # the status of every /health answer until the first 200
        self.ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:  # drains the pipe for the server's whole life: it never blocks on it
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.console.append(line)
            if "ready in" in line:
                self.ready.set()

    def wait_ready(self, timeout: float = 180) -> float:
        started = time.monotonic()
        while not self.ready.wait(0.2):
            if self.process.poll() is not None or time.monotonic() - started > timeout:
                raise RuntimeError("cinema serve did not get ready:\n" + "".join(self.console)[-3000:])
        while time.monotonic() - started < timeout:
            with contextlib.suppress(httpx.TransportError):
                self.health.append(httpx.get(f"{self.base}{API}/health", timeout=2).status_code)
                if self.health[-1] == 200:
                    return time.monotonic() - started
            time.sleep(0.1)
        raise RuntimeError("the API never answered /health")

    def errors(self) -> list[str]:
        """The ERROR records of the console, one line each (message | last line of the exception)."""
        found = []
        for line in self.console:
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if isinstance(record, dict) and record.get("level") == "ERROR":
                    last = (record.get("exception") or "").strip().splitlines()[-1:]
                    found.append(f"  {record.get('time')} {record.get('message')} | {' '.join(last)}")
        return found

    def stop(self) -> tuple[int, list[psutil.Process]]:
        """SIGTERM, as Ctrl-C or a service manager would; (exit code, processes left running)."""
        children = psutil.Process(self.process.pid).children(recursive=True)
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(90)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(10)
        _gone, alive = psutil.wait_procs(children, timeout=15)
        for process in alive:  # ours to clean up, reported as a failure
            with contextlib.suppress(psutil.Error):
                process.kill()
        return self.process.returncode, alive


@dataclass
class Run:
    upload_s: float
    processing_s: float
    first_progress_s: float | None  # complete -> first percent > 0 (download, probe, ffmpeg start)
    last_progress_s: float | None  # complete -> last percent < 100 seen (ffmpeg done, roughly)

    @property
    def total_s(self) -> float:
        return self.upload_s + self.processing_s


def pipeline_run(http: httpx.Client, auth: dict[str, str], clip: Path, seconds: int, n: int) -> Run:
    data = clip.read_bytes()
    film_id, plan = _new_upload(http, auth, len(data), seconds, n)
    say(
        f"run {n}: film {film_id}, {len(data) / 2**20:.1f} MiB in {len(plan['parts'])} part(s) "
        f"of {plan['part_size'] / 2**20:.0f} MiB"
    )
    started = time.perf_counter()
    parts = []
    with httpx.Client(timeout=120) as s3:
        for part in plan["parts"]:
            start = (part["part_number"] - 1) * plan["part_size"]
            put = s3.put(part["url"], content=data[start : start + plan["part_size"]])
            put.raise_for_status()
            parts.append({"part_number": part["part_number"], "etag": put.headers["etag"]})
    done = http.post(
        httpx.URL(plan["complete_url"]).path,
        json={"upload_id": plan["upload_id"], "parts": parts},
        headers=auth,
    )
    if done.status_code != 202:
        raise RuntimeError(f"complete: {done.status_code} {done.text[:500]}")
    uploaded = time.perf_counter()
    say(f"  {uploaded - started:6.1f}s  uploaded ({len(parts)} part PUTs + complete: 202)")
    state, ready, first_progress, last_progress = _wait_ready(http, auth, film_id, started)
    _verify(http, auth, film_id, state)
    return Run(
        uploaded - started,
        ready - uploaded,
        None if first_progress is None else first_progress - uploaded,
        None if last_progress is None else last_progress - uploaded,
    )


def _new_upload(
    http: httpx.Client, auth: dict[str, str], size: int, seconds: int, n: int
) -> tuple[str, dict[str, Any]]:
    """A new free published film and a presigned multipart upload for it."""
    film = http.post(
        f"{API}/admin/films",
        json={"title": f"Pipeline bench {n}", "year": 2026, "duration_seconds": seconds, "access": "free"},
        headers=auth,
    )
    film.raise_for_status()
    film_id = film.json()["id"]
    http.patch(f"{API}/admin/films/{film_id}", json={"status": "published"}, headers=auth).raise_for_status()
    upload = http.post(
        f"{API}/admin/films/{film_id}/upload",
        headers=auth,
        json={"filename": "clip.mp4", "content_type": "video/mp4", "size_bytes": size},
    )
    upload.raise_for_status()
    return film_id, upload.json()


def _wait_ready(
    http: httpx.Client, auth: dict[str, str], film_id: str, started: float
) -> tuple[dict[str, Any], float, float | None, float | None]:
    """Polls the media status until ready: (state, when ready, first and last in-between percent)."""
    last: tuple[str, int] | None = None
    first_progress = last_progress = None
    deadline = time.perf_counter() + READY_TIMEOUT_S
    while True:
        media = http.get(f"{API}/admin/films/{film_id}/media", headers=auth)
        media.raise_for_status()
        state = media.json()
        now = time.perf_counter()
        if (state["status"], state["percent"]) != last:
            last = (state["status"], state["percent"])
            say(f"  {now - started:6.1f}s  {state['status']:<12} {state['percent']:3d}%")
            if 0 < state["percent"] < 100:
                first_progress = first_progress or now
                last_progress = now
        if state["status"] == "ready":
            return state, now, first_progress, last_progress
        if state["status"] == "failed":
            raise RuntimeError(f"the transcode failed: {state}")
        if now > deadline:
            raise RuntimeError(f"not ready after {READY_TIMEOUT_S}s: {state}")
        time.sleep(POLL_S)


def _verify(http: httpx.Client, auth: dict[str, str], film_id: str, state: dict[str, Any]) -> None:
    """3 rungs, and the master playlist through the signed edge (and not without the signature)."""
    heights = sorted(r["height"] for r in state["renditions"])
    if heights != RUNGS:
        raise RuntimeError(f"the ladder is {heights}, not {RUNGS}")
    play = http.get(f"{API}/films/{film_id}/play", headers=auth)
    play.raise_for_status()
    manifest_url = play.json()["manifest_url"]
    unsigned = httpx.get(manifest_url.split("?")[0], timeout=30)
    master = httpx.get(manifest_url, timeout=30)
    variants = master.text.count("#EXT-X-STREAM-INF")
    say(
        f"  ladder {'/'.join(f'{h}p' for h in heights)}; GET manifest_url (signed) -> {master.status_code} "
        f"{master.headers.get('content-type', '')}, {variants} variants; unsigned -> {unsigned.status_code}"
    )
    if master.status_code != 200 or variants != len(RUNGS) or unsigned.status_code != 403:
        raise RuntimeError(
            f"the signed edge did not serve the master playlist as expected:\n{master.text[:500]}"
        )


def reference_transcode(clip: Path, work: Path) -> float:
    """The worker's ffmpeg ladder alone, on the same clip: seconds."""
    from cinema.local.media_worker.ffmpeg import transcode  # noqa: PLC0415
    from cinema.local.media_worker.worker import MAX_RUNGS  # noqa: PLC0415
    from cinema.media.ladder import ladder_for, probe  # noqa: PLC0415

    out = work / "reference"
    started = time.perf_counter()
    info = probe(clip)
    transcode(clip, out, ladder_for(info.height, max_rungs=MAX_RUNGS), info=info)
    elapsed = time.perf_counter() - started
    shutil.rmtree(out, ignore_errors=True)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=60, help="length of the 720p clip")
    parser.add_argument("--runs", type=int, default=1, help="pipeline runs (alternating with the reference)")
    parser.add_argument("--no-reference", action="store_true", help="skip the bare-transcode reference")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cinema-bench-pipeline-", ignore_cleanup_errors=True) as tmp:
        work = Path(tmp)
        clip = work / "clip.mp4"
        started = time.perf_counter()
        make_clip(clip, args.seconds)
        say(
            f"clip: {args.seconds} s 1280x720 25 fps testsrc2 + sine, x264 ultrafast, "
            f"{clip.stat().st_size / 2**20:.1f} MiB, made in {time.perf_counter() - started:.1f}s (not timed)"
        )
        platform = Platform(work / "state", free_port())
        runs: list[Run] = []
        references: list[float] = []
        try:
            say(f"cinema serve: ready and healthy in {platform.wait_ready():.1f}s on {platform.base}")
            if platform.health != [200]:
                say(f"  !! /health answered {platform.health} before the first 200 (see the server console)")
            admin = json.loads((platform.data_dir / "admin-credentials.json").read_text())
            with httpx.Client(base_url=platform.base, timeout=60) as http:
                token = http.post(
                    f"{API}/auth/token", data={"username": admin["email"], "password": admin["password"]}
                )
                token.raise_for_status()
                auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
                for n in range(1, args.runs + 1):
                    runs.append(pipeline_run(http, auth, clip, args.seconds, n))
                    if not args.no_reference:
                        references.append(reference_transcode(clip, work))
                        say(f"  reference: the same 3-rung ffmpeg ladder alone took {references[-1]:.1f}s")
        finally:
            code, alive = platform.stop()
            say(
                f"cinema serve stopped (SIGTERM): exit code {code}, "
                f"{'nothing left running' if not alive else f'LEFT RUNNING: {alive}'}"
            )
            if code != 0 or alive:
                say("server console (tail):\n" + "".join(platform.console)[-3000:])
            elif platform.health != [200]:
                say("server errors:\n" + "\n".join(platform.errors()))
        _report(args, runs, references)
        if code != 0 or alive:
            sys.exit(1)


def _report(args: argparse.Namespace, runs: list[Run], references: list[float]) -> None:
    def median(values: list[float]) -> float:
        return statistics.median(values)

    total = median([r.total_s for r in runs])
    upload = median([r.upload_s for r in runs])
    processing = median([r.processing_s for r in runs])
    say("")
    say(f"local pipeline, upload -> ready, {args.seconds} s 720p clip, 3-rung ladder (median of {len(runs)})")
    say(f"  upload (first part PUT -> complete 202)          : {upload:6.1f}s")
    say(f"  queue + transcode + publish (complete -> ready)  : {processing:6.1f}s")
    firsts = [r.first_progress_s for r in runs if r.first_progress_s is not None]
    lasts = [r.last_progress_s for r in runs if r.last_progress_s is not None]
    if firsts and lasts:
        say(
            f"    of which: complete -> first percent {median(firsts):5.1f}s, -> last percent < 100 "
            f"{median(lasts):5.1f}s, -> ready {processing:5.1f}s (at {POLL_S:g} s polling)"
        )
    say(f"  total                                            : {total:6.1f}s")
    if references:
        reference = median(references)
        say(f"  reference: the same ffmpeg ladder alone          : {reference:6.1f}s")
        say(
            f"  ratio total / bare transcode                     : {total / reference:.2f}x (shown, not judged)"
        )
    ratio = total / args.seconds
    verdict = "PASS" if ratio <= TARGET else "FAIL"
    label = f"ratio total / clip length ({args.seconds} s)"
    say(f"  {label:<49}: {ratio:.2f}x   target <= {TARGET}x: {verdict}")


if __name__ == "__main__":
    main()
