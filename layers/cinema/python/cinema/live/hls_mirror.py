"""Pushes nginx-rtmp's live HLS into the media bucket under `live/<public-name>/` (and, in the
AWS container, closed recordings into the uploads bucket: RecordingUploader).

The same code runs in both shapes: in the AWS container beside nginx (infra/rtmp) and on one
machine in a thread of the local server (cinema.local.services.rtmp). A fragment is pushed once the
playlist lists it (nginx lists a fragment only when it is closed), and the playlist after its
fragments, so a viewer never reads a playlist naming a fragment the bucket lacks. Only boto3
and the standard library: the container copies this one file.

Stream folders are named by the event's public name (a UUID), never by a stream key: nginx's
`show` application only ever sees those names (see infra/rtmp/nginx.conf.template).
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger("cinema.live.hls")

PLAYLIST = "index.m3u8"
_NAME = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_FRAGMENT = re.compile(r"[A-Za-z0-9_.-]{1,64}\.ts")


class HlsMirror:
    def __init__(
        self, hls_dir: Path, client: Any, bucket: str, *, prefix: str = "live/", interval_s: float = 0.1
    ):
        self.hls_dir = hls_dir
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.interval_s = interval_s
        self._pushed: dict[str, set[str]] = {}  # stream name -> fragments in the bucket
        self._playlists: dict[str, bytes] = {}  # stream name -> the playlist last pushed
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="hls-mirror", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.sync_once()
            except Exception:  # a failed push is retried on the next pass
                log.exception("live HLS push failed")

    def sync_once(self) -> int:
        """One pass over every stream folder; the number of objects pushed."""
        pushed = 0
        if not self.hls_dir.is_dir():
            return 0
        present = set()
        for folder in self.hls_dir.iterdir():
            if folder.is_dir() and _NAME.fullmatch(folder.name):
                present.add(folder.name)
                pushed += self._sync_stream(folder)
        for gone in set(self._playlists) - present:  # nginx cleaned the stream up: forget it too
            self._playlists.pop(gone, None)
            self._pushed.pop(gone, None)
        return pushed

    def _sync_stream(self, folder: Path) -> int:
        name = folder.name
        try:
            playlist = (folder / PLAYLIST).read_bytes()
        except FileNotFoundError:
            return 0
        if playlist == self._playlists.get(name) or b"#EXTM3U" not in playlist:
            return 0
        listed = [
            line for line in playlist.decode("ascii", "replace").splitlines() if _FRAGMENT.fullmatch(line)
        ]
        done = self._pushed.setdefault(name, set())
        pushed = 0
        for fragment in listed:
            if fragment in done:
                continue
            try:
                self._put(folder / fragment, f"{self.prefix}{name}/{fragment}", "video/mp2t", immutable=True)
            except FileNotFoundError:  # already cleaned up by nginx: a player cannot need it anymore
                continue
            done.add(fragment)
            pushed += 1
        self._put_bytes(playlist, f"{self.prefix}{name}/{PLAYLIST}")
        self._playlists[name] = playlist
        return pushed + 1

    def _put(self, path: Path, key: str, content_type: str, *, immutable: bool) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=path.read_bytes(),
            ContentType=content_type,
            CacheControl="max-age=31536000, immutable" if immutable else "max-age=1",
        )

    def _put_bytes(self, body: bytes, key: str) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=body,
            ContentType="application/vnd.apple.mpegurl",
            CacheControl="max-age=1",
        )


_RECORDING = re.compile(r"(?P<name>[0-9a-f-]{36})-\d{1,20}\.flv")
RECORDING_IDLE_S = 15.0  # longer than drop_idle_publisher (10 s): a file this still is closed


class RecordingUploader:
    """The AWS container's half of the replay: each closed recording (`<event id>-<time>.flv`,
    untouched for RECORDING_IDLE_S) goes to the uploads bucket at
    `uploads/live/<event id>/<file>`, whose ObjectCreated starts the media pipeline
    (cinema.live.replay), and is then removed from the container's disk."""

    def __init__(self, record_dir: Path, client: Any, bucket: str) -> None:
        self.record_dir = record_dir
        self.client = client
        self.bucket = bucket

    def sync_once(self, now: float) -> int:
        stored = 0
        for path in sorted(self.record_dir.glob("*.flv")):
            match = _RECORDING.fullmatch(path.name)
            if match is None or now - path.stat().st_mtime < RECORDING_IDLE_S:
                continue
            key = f"uploads/live/{match['name']}/{path.name}"
            self.client.upload_file(str(path), self.bucket, key, ExtraArgs={"ContentType": "video/x-flv"})
            path.unlink()
            log.info("recording stored at %s", key)
            stored += 1
        return stored


def main() -> None:  # pragma: no cover - the container's entry point (infra/rtmp/Dockerfile)
    import os  # noqa: PLC0415
    import signal  # noqa: PLC0415
    import time  # noqa: PLC0415

    import boto3  # noqa: PLC0415

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    client = boto3.client("s3")
    mirror = HlsMirror(Path(os.environ.get("HLS_DIR", "/var/hls")), client, os.environ["MEDIA_BUCKET"])
    recordings = RecordingUploader(
        Path(os.environ.get("RECORD_DIR", "/var/recordings")), client, os.environ["UPLOADS_BUCKET"]
    )
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    mirror.start()
    while not stopping.wait(5):
        try:
            recordings.sync_once(time.time())
        except Exception:  # retried on the next pass
            log.exception("recording upload failed")
    mirror.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
