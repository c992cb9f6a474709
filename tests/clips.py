"""Real video files for tests, made by ffmpeg from its test sources (a picture and a tone)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from cinema.media.ladder import ffmpeg_exe


def run_ffmpeg(*args: str | Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *map(str, args)],
        check=True,
        capture_output=True,
    )


def make_clip(
    path: Path, *, size: str, seconds: int, rate: int = 30, audio: bool = True, extra: tuple[str, ...] = ()
) -> Path:
    """An H.264 (and AAC, unless `audio` is false) MP4 of `seconds` of ffmpeg's test picture."""
    args: list[str | Path] = ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    args += ["-c:a", "aac", "-shortest"] if audio else []
    run_ffmpeg(*args, *extra, path)
    return path
