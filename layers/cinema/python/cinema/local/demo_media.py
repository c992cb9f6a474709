"""Playable demo films on the first local start: short generated videos (test patterns
with sound) for a few free demo films, sent through the real pipeline (S3 object → ingest
→ ffmpeg worker → HLS in the media bucket), so a fresh install can play something at once."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import exists, select

from cinema.catalog.models import Access, Film, FilmStatus
from cinema.core import db
from cinema.core.settings import get_settings
from cinema.local.media_worker import events
from cinema.media import ingest, storage
from cinema.media.models import MediaUpload, UploadStatus
from cinema.media.uploads import part_size_for, source_key

log = logging.getLogger("cinema.local.demo")

PATTERNS = (("testsrc2", 440), ("smptehdbars", 523), ("rgbtestsrc", 659))
SECONDS = 12


def make_test_clip(
    path: Path,
    *,
    seconds: int,
    pattern: str = "testsrc2",
    tone: int = 440,
    size: str = "1280x720",
    preset: str = "veryfast",
) -> None:
    """A generated H.264/AAC MP4 (a moving test pattern with a tone): demo films, the e2e test
    and the pipeline benchmark all use it, so they exercise the same kind of source."""
    import imageio_ffmpeg  # noqa: PLC0415 - local tooling

    subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"{pattern}=size={size}:rate=25:duration={seconds}",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency={tone}:duration={seconds}",
            "-c:v",
            "libx264",
            "-preset",
            preset,
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
            str(path),
        ],
        check=True,
        timeout=600,
    )


async def _films_to_fill(count: int) -> list[uuid.UUID]:
    async with db.session_factory()() as session:
        if (await session.execute(select(MediaUpload.id).limit(1))).first() is not None:
            return []  # media exists already: this is not a first start
        query = (
            select(Film.id)
            .where(Film.status == FilmStatus.published, Film.access == Access.free)
            .where(~exists().where(MediaUpload.film_id == Film.id))
            .order_by(Film.year.desc(), Film.title)
            .limit(count)
        )
        return list((await session.execute(query)).scalars())


async def ensure_demo_media(count: int = len(PATTERNS)) -> int:
    films = await _films_to_fill(count)
    bucket = get_settings().uploads_bucket
    with tempfile.TemporaryDirectory(prefix="cinema-demo-") as work:
        for film_id, (pattern, tone) in zip(films, PATTERNS, strict=False):
            clip = Path(work) / f"{pattern}.mp4"
            await asyncio.to_thread(make_test_clip, clip, seconds=SECONDS, pattern=pattern, tone=tone)
            upload_id = uuid.uuid4()
            key = source_key(film_id, upload_id, "video/mp4")
            await asyncio.to_thread(
                lambda clip=clip, key=key: storage.s3_client().upload_file(
                    str(clip), bucket, key, ExtraArgs={"ContentType": "video/mp4"}
                )
            )
            async with db.session_factory()() as session:
                session.add(
                    MediaUpload(
                        id=upload_id,
                        film_id=film_id,
                        s3_upload_id="demo",
                        key=key,
                        filename=f"{pattern}.mp4",
                        content_type="video/mp4",
                        size_bytes=clip.stat().st_size,
                        part_size=part_size_for(clip.stat().st_size),
                        status=UploadStatus.uploaded,
                    )
                )
                await session.commit()
            await ingest.handle(events.s3_object_created_event(bucket, key, clip.stat().st_size))
            log.info("demo video for film %s queued for transcoding", film_id)
    return len(films)
