"""The ABR ladder both transcoders encode, and what a source file is (probed with ffmpeg).

One ladder for both shapes: the local ffmpeg adapter encodes exactly `ladder_for(...)`, and
the MediaConvert request keeps the template outputs of the same names, so a film plays the
same renditions on a laptop and in AWS.

Frames are 16:9 and every rung fits the source "with padding" (scale down until it fits,
pad the rest black), which is MediaConvert's default scaling. A rung is used only if that
needs no upscaling, i.e. the rung is not taller *or* not wider than the source: a 1920x800
scope film still gets 1080p (scale factor 1, letterboxed), a 1280x720 source stops at 720p.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

# imageio_ffmpeg is imported where it is used: the Lambda layer (MediaConvert) has no ffmpeg
# and imports this module only for the ladder.

PROBE_TIMEOUT_S = 60


@dataclass(frozen=True)
class Rendition:
    name: str  # "720p": the folder name locally, the NameModifier suffix in MediaConvert
    height: int
    width: int
    video_bitrate: int  # target average, bits/s
    max_bitrate: int  # peak (VBV maxrate locally, QVBR MaxBitrate in MediaConvert), bits/s
    audio_bitrate: int  # AAC-LC stereo, bits/s


# H.264 High, 8-bit 4:2:0. Peaks follow common VOD ladders (Apple's HLS authoring
# guidelines are in the same range); the average is what a typical film settles at.
FULL_LADDER: tuple[Rendition, ...] = (
    Rendition("360p", 360, 640, 600_000, 800_000, 96_000),
    Rendition("540p", 540, 960, 1_100_000, 1_500_000, 96_000),
    Rendition("720p", 720, 1280, 2_200_000, 3_000_000, 128_000),
    Rendition("1080p", 1080, 1920, 4_500_000, 6_000_000, 128_000),
)


def _even(value: float) -> int:
    return max(2, int(value) // 2 * 2)


def _below_lowest(source_height: int) -> Rendition:
    """The lowest rung shrunk to a source smaller than it: same shape, bitrates by area."""
    lowest = FULL_LADDER[0]
    height = _even(min(source_height, lowest.height))
    width = _even(height * 16 / 9)
    area = (height * width) / (lowest.height * lowest.width)
    return replace(
        lowest,
        name=f"{height}p",
        height=height,
        width=width,
        video_bitrate=max(100_000, int(round(lowest.video_bitrate * area, -3))),
        max_bitrate=max(150_000, int(round(lowest.max_bitrate * area, -3))),
    )


def ladder_for(
    source_height: int | None, *, max_rungs: int | None = None, source_width: int | None = None
) -> list[Rendition]:
    """The rungs to encode for a source, lowest first.

    No rung upscales the source (see the module docstring; pass `source_width` so wide films
    keep their top rung). A source smaller than the lowest rung still gets one rung, shrunk
    to the source. An unknown height keeps the whole ladder. `max_rungs` keeps the highest N
    of those (the local demo uses 3: 360p/540p/720p for a 720p source).
    """
    if max_rungs is not None and max_rungs < 1:
        raise ValueError("max_rungs must be at least 1")
    if source_height is None:
        rungs = list(FULL_LADDER)
    elif source_height < 2:
        raise ValueError(f"invalid source height {source_height}")
    else:
        rungs = [
            r
            for r in FULL_LADDER
            if r.height <= source_height or (source_width is not None and r.width <= source_width)
        ]
        if not rungs:
            rungs = [_below_lowest(source_height)]
    return rungs[-max_rungs:] if max_rungs is not None else rungs


def poster_time(duration_seconds: float) -> float:
    """When the poster frame is taken: ~10% into the film (past logos and black), 1 s into
    short clips, never past the middle. Both transcoders use it."""
    if duration_seconds >= 10:
        return duration_seconds / 10
    return min(1.0, duration_seconds / 2)


# --- probing -------------------------------------------------------------------------------


class InvalidSource(Exception):
    """The file is not a video we can transcode (no video stream, an image, unreadable)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SourceInfo:
    width: int  # as displayed: rotation metadata already applied
    height: int
    duration_seconds: float
    has_audio: bool
    frame_rate: float | None = None  # None when ffmpeg states none


# Demuxers that ffmpeg says give "video" but are no film: still images, and text it renders
# as ANSI art (the tty demuxer takes any long .txt).
_IMAGE_FORMATS = re.compile(r"^(image2|\w+_pipe|gif|apng|webp)$")
_TEXT_FORMATS = re.compile(r"^(tty|bin|xbin|adf|idf)$")
_INPUT = re.compile(r"^Input #0, (?P<formats>.+?), from ", re.M)
_DURATION = re.compile(r"Duration: (?:(?P<h>\d+):(?P<m>\d\d):(?P<s>\d\d(?:\.\d+)?)|N/A)")
_STREAM = re.compile(r"^\s*Stream #0:\d+.*?: (?P<kind>Video|Audio): (?P<rest>.*)$", re.M)
_SIZE = re.compile(r"(?<![\w.])(\d{2,5})x(\d{2,5})(?![\w.])")
_RATE = re.compile(r"([\d.]+)(k?) (fps|tbr)\b")
_ROTATION = re.compile(r"rotation of (-?[\d.]+) degrees")
_ERROR_HINT = re.compile(r"^(?!Input #|\s|At least one output)(.+)$", re.M)


def ffmpeg_exe() -> str:
    """The ffmpeg binary bundled by imageio-ffmpeg (IMAGEIO_FFMPEG_EXE overrides it)."""
    import imageio_ffmpeg  # noqa: PLC0415 - local shape only, see the imports

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def ffmpeg_input(path: Path) -> str:
    # `file:` keeps a name such as "concat:x" or "-y" from meaning anything to ffmpeg.
    return f"file:{path.resolve()}"


def probe(path: Path) -> SourceInfo:
    """What the source is, read from `ffmpeg -i` (the bundled ffmpeg has no ffprobe)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(path)
    run = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", ffmpeg_input(path)],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=PROBE_TIMEOUT_S,
        check=False,
    )
    info = parse_probe(run.stderr)
    if info.duration_seconds == 0:
        # No duration in the header (e.g. a browser's MediaRecorder WebM): count by reading
        # the packets, which copies and never decodes, so it stays fast.
        import imageio_ffmpeg  # noqa: PLC0415 - local shape only, see the imports

        try:
            _, seconds = imageio_ffmpeg.count_frames_and_secs(str(path))
        except (RuntimeError, OSError) as exc:
            raise InvalidSource(f"unknown duration ({exc})") from exc
        if not seconds > 0:
            raise InvalidSource("the video has no duration")
        info = replace(info, duration_seconds=float(seconds))
    return info


def parse_probe(stderr: str) -> SourceInfo:
    """Reads `ffmpeg -i` output. A duration ffmpeg cannot state (N/A) comes back as 0.0."""
    header = _INPUT.search(stderr)
    if header is None:
        hints = [line.strip() for line in _ERROR_HINT.findall(stderr) if line.strip()]
        raise InvalidSource("not a media file: " + (hints[-1] if hints else "ffmpeg could not read it"))
    formats = [f.strip() for f in header["formats"].split(",")]
    if any(_IMAGE_FORMATS.match(f) for f in formats):
        raise InvalidSource(f"a still image ({header['formats']}), not a video")
    if any(_TEXT_FORMATS.match(f) for f in formats):
        raise InvalidSource(f"not a media file: text ({header['formats']})")
    video: re.Match[str] | None = None
    has_audio = False
    for stream in _STREAM.finditer(stderr):
        if stream["kind"] == "Audio":
            has_audio = True
        elif video is None and "(attached pic)" not in stream["rest"]:
            video = stream  # cover art in an audio file is not a video stream
    if video is None:
        raise InvalidSource("no video stream")
    size = _SIZE.search(video["rest"])
    if size is None:
        raise InvalidSource("the video stream has no frame size")
    width, height = int(size[1]), int(size[2])
    # Phones store portrait video as landscape plus a rotation; ffmpeg applies it when decoding.
    block = stderr[video.end() : video.end() + 600].split("Stream #", 1)[0]
    rotation = _ROTATION.search(block)
    if rotation and round(abs(float(rotation[1]))) % 180 == 90:
        width, height = height, width
    duration = _DURATION.search(stderr)
    seconds = 0.0
    if duration is not None and duration["h"] is not None:
        seconds = int(duration["h"]) * 3600 + int(duration["m"]) * 60 + float(duration["s"])
    return SourceInfo(width, height, seconds, has_audio, _frame_rate(video["rest"]))


def _frame_rate(stream: str) -> float | None:
    for value, kilo, _ in _RATE.findall(stream):
        rate = float(value) * (1000 if kilo else 1)
        if 0 < rate <= 1000:
            return rate
    return None
