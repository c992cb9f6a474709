"""The one-machine transcoding worker: what S3 + MediaConvert + EventBridge do in AWS.

A finished upload's S3 event goes through the very ingest code the media-ingest Lambda
runs; that asks this worker (the local Transcoder) to start a job; the job runs ffmpeg in
a thread and reports MediaConvert-shaped job state events to the media-status code.

Stopping the server stops the running ffmpeg at once (a film's transcode takes minutes; the
server would otherwise wait for it, and its result would be lost anyway with the loop). The
next start queues again, under the same job id, every job of this shape that had not
finished: its upload is still `transcoding` and nothing else runs local jobs.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import mimetypes
import shutil
import tempfile
import threading
import uuid
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from cinema.core import db
from cinema.core.settings import get_settings
from cinema.local.media_worker import events
from cinema.local.media_worker.ffmpeg import TranscodeFailed, transcode
from cinema.media import ingest, job_state_changes, pipeline, storage, transcoder
from cinema.media import repository as media_repo
from cinema.media.ladder import InvalidSource, ladder_for, probe
from cinema.media.models import MediaUpload

log = logging.getLogger("cinema.local.media_worker.worker")

CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".m4s": "video/iso.segment",
    ".jpg": "image/jpeg",
    ".mp4": "video/mp4",
}
MAX_RUNGS = 3  # the local ladder: enough to see adaptive switching, quick on a laptop
JOB_PREFIX = "local-"  # the ids of this worker's jobs (MediaConvert's are its own)


@dataclass(frozen=True)
class Job:
    job_id: str
    upload_id: uuid.UUID
    film_id: uuid.UUID
    bucket: str
    key: str
    output_prefix: str


class LocalWorker:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[Job] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._resuming: asyncio.Task[None] | None = None
        self._stopping = threading.Event()  # read by the ffmpeg thread
        # one transcode at a time (the queue is worked in order), in a thread that stop() joins
        self._ffmpeg = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="transcode")
        self.idle = asyncio.Event()
        self.idle.set()

    # -- the Transcoder port ----------------------------------------------------------
    async def start(self, upload: MediaUpload, *, bucket: str, key: str, has_audio: bool = True) -> str:
        """ffmpeg probes the source itself: `has_audio` changes nothing here."""
        return await self._queue(f"{JOB_PREFIX}{uuid.uuid4().hex[:12]}", upload, bucket, key)

    async def _queue(self, job_id: str, upload: MediaUpload, bucket: str, key: str) -> str:
        self.idle.clear()
        await self.queue.put(
            Job(job_id, upload.id, upload.film_id, bucket, key, transcoder.output_prefix(upload))
        )
        return job_id

    # -- lifecycle ----------------------------------------------------------------------
    def run(self) -> None:
        transcoder.register_local(self)
        pipeline.register_local_sink(ingest_soon)
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(self._loop(), name="transcoding-worker")
        self._resuming = loop.create_task(self._resume(), name="transcoding-resume")

    async def stop(self) -> None:
        pipeline.register_local_sink(None)
        transcoder.register_local(None)
        tasks = [task for task in (self._resuming, self._task) if task is not None]
        for task in tasks:
            task.cancel()
        self._stopping.set()  # the running ffmpeg, if any, is killed at its next report
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.to_thread(self._ffmpeg.shutdown, wait=True)

    async def _resume(self) -> None:
        """The jobs a stop interrupted, queued again from the start under their own ids."""
        try:
            async with db.reading() as session:
                interrupted = await media_repo.transcoding_uploads(session, JOB_PREFIX)
        except Exception:  # the worker still takes new jobs; the log says what was not resumed
            log.exception("could not look for interrupted transcoding jobs")
            return
        bucket = get_settings().uploads_bucket
        for upload in interrupted:
            assert upload.job_id is not None
            log.info(
                "upload %s: transcoding job %s was interrupted, running it again", upload.id, upload.job_id
            )
            await self._queue(upload.job_id, upload, bucket, upload.key)

    async def _loop(self) -> None:
        while True:
            job = await self.queue.get()
            try:
                await self._run(job)
            except Exception:  # one bad job must not stop the worker
                log.exception("transcoding job %s crashed", job.job_id)
                await self._emit(job, "ERROR", error="the local transcoder crashed; see the server log")
            finally:
                self.queue.task_done()
                if self.queue.empty():
                    self.idle.set()

    async def _emit(self, job: Job, kind: str, **detail: Any) -> None:
        event = events.job_state_change(
            upload_id=job.upload_id, film_id=job.film_id, job_id=job.job_id, status=kind, **detail
        )
        await job_state_changes.handle(event)

    async def _run(self, job: Job) -> None:
        work = Path(tempfile.mkdtemp(prefix="cinema-transcode-"))
        loop = asyncio.get_running_loop()
        try:
            source = work / Path(job.key).name
            await asyncio.to_thread(
                lambda: storage.s3_client().download_file(job.bucket, job.key, str(source))
            )
            await self._emit(job, "PROGRESSING")
            try:
                info = await asyncio.to_thread(probe, source)
            except InvalidSource as exc:
                await self._emit(job, "ERROR", error=f"not a playable video: {exc}")
                return
            renditions = ladder_for(info.height, max_rungs=MAX_RUNGS)
            reported = [0]

            def on_progress(percent: float) -> None:
                if percent - reported[0] >= 5 and percent < 100:
                    reported[0] = int(percent)
                    asyncio.run_coroutine_threadsafe(
                        self._emit(job, "STATUS_UPDATE", percent=int(percent)), loop
                    )

            try:
                run = partial(transcode, on_progress=on_progress, stop=self._stopping)
                result = await loop.run_in_executor(self._ffmpeg, run, source, work / "out", renditions)
            except TranscodeFailed as exc:
                await self._emit(job, "ERROR", error=str(exc)[:500])
                return
            await asyncio.to_thread(
                _upload_tree, work / "out", get_settings().media_bucket, job.output_prefix
            )
            await self._emit(
                job,
                "COMPLETE",
                renditions=[{"height": r.height, "bitrate": r.video_bitrate} for r in result.renditions],
                duration_ms=int(result.duration_seconds * 1000),
                poster=f"s3://{get_settings().media_bucket}/{job.output_prefix}{result.poster.name}",
            )
        finally:  # the source and every rendition: disk work, off the loop
            await asyncio.to_thread(shutil.rmtree, work, ignore_errors=True)


def _upload_tree(folder: Path, bucket: str, prefix: str) -> None:
    client = storage.s3_client()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            content_type = (
                CONTENT_TYPES.get(path.suffix)
                or mimetypes.guess_type(path.name)[0]
                or "application/octet-stream"
            )
            key = prefix + path.relative_to(folder).as_posix()
            client.upload_file(str(path), bucket, key, ExtraArgs={"ContentType": content_type})


async def ingest_soon(bucket: str, key: str) -> None:
    """The local stand-in for S3 → Lambda: the same event into the same ingest code, after
    the request that completed the upload has answered."""
    event = events.s3_object_created_event(bucket, key)
    task = asyncio.get_running_loop().create_task(ingest.handle(event))
    _background.add(task)
    task.add_done_callback(_background.discard)


_background: set[asyncio.Task[Any]] = set()
