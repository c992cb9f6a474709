"""The one-machine transcoding worker across a restart: stopping the server kills the running
ffmpeg at once (it used to hold the shutdown for the whole transcode, and lose its result), and
the next start runs the interrupted job again, so the upload still ends ready."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import psutil
from tests.clips import make_clip
from tests.media_rows import insert_upload

from cinema.core import db
from cinema.core.settings import get_settings
from cinema.local.media_worker.worker import JOB_PREFIX, LocalWorker
from cinema.media import repository as media_repo
from cinema.media import storage


async def _upload(upload_id: uuid.UUID) -> media_repo.MediaUpload:
    async with db.reading() as session:
        found = await media_repo.get_upload(session, upload_id)
    assert found is not None
    return found


async def _until(upload_id: uuid.UUID, done, within_s: float) -> media_repo.MediaUpload:
    deadline = time.monotonic() + within_s
    while True:
        upload = await _upload(upload_id)
        if done(upload):
            return upload
        assert time.monotonic() < deadline, (upload.status, upload.percent, upload.error)
        await asyncio.sleep(0.1)


def _ffmpegs() -> list[psutil.Process]:
    return [p for p in psutil.Process().children(recursive=True) if "ffmpeg" in p.name()]


async def test_a_stop_kills_the_transcode_and_the_next_start_runs_it_again(client, catalog, tmp_path: Path):
    film = await catalog.film(title="Долгий фильм", access="free")
    upload_id = await insert_upload(film["id"])
    upload = await _upload(upload_id)
    source = make_clip(tmp_path / "source.mp4", size="640x360", seconds=40)
    bucket = get_settings().uploads_bucket
    await asyncio.to_thread(storage.s3_client().upload_file, str(source), bucket, upload.key)

    first = LocalWorker()
    first.run()
    job_id = await first.start(upload, bucket=bucket, key=upload.key)
    assert job_id.startswith(JOB_PREFIX)
    await _until(upload_id, lambda u: u.percent >= 5, within_s=60)  # ffmpeg is encoding
    assert _ffmpegs()

    started = time.monotonic()
    await first.stop()
    assert time.monotonic() - started < 5  # not the rest of the transcode
    assert not _ffmpegs()
    interrupted = await _upload(upload_id)
    assert (interrupted.status, interrupted.job_id) == ("transcoding", job_id)

    second = LocalWorker()
    second.run()  # finds the interrupted job and runs it again, under its id
    try:
        done = await _until(upload_id, lambda u: u.status != "transcoding", within_s=120)
    finally:
        await second.stop()
    assert (done.status, done.job_id, done.percent) == ("ready", job_id, 100)
    assert done.duration_seconds == 40
