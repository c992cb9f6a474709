"""The local Transcoder: one ffmpeg run turns a source into the HLS layout MediaConvert makes.

    out_dir/master.m3u8            BANDWIDTH, AVERAGE-BANDWIDTH, RESOLUTION, CODECS per variant
    out_dir/<rendition>/index.m3u8 VOD playlist, #EXTINF <= segment length
    out_dir/<rendition>/seg_00001.ts ...
    out_dir/poster.jpg             a frame at ~10% of the film (1 s into short clips)

Segments are MPEG-TS, not fMP4: MediaConvert's HLS group writes TS too (container M3U8), so
both shapes serve the same kind of stream, and TS plays everywhere HLS does (old Safari/iOS,
smart TVs, hls.js) without the EXT-X-MAP init segments and HLS version 7 that fMP4 needs. Each rendition muxes its own AAC track, so a
variant is one playlist, as in MediaConvert's default HLS group; a source without audio gives
video-only variants (no invented silence: the master's CODECS then says so).

Keyframes are forced on every segment boundary (closed GOPs, no scene-cut keyframes), so
every segment starts with an IDR frame and all renditions switch at the same instants.

The run writes into a hidden sibling directory (`.<name>.*.partial`) that is renamed to
`out_dir` only when everything is in place, so `out_dir` is never half-made: a failure or an
exception from `on_progress` removes the sibling (a SIGKILLed worker leaves it behind for
the next run's cleanup). Synchronous by design: the caller runs it in a worker thread.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cinema.media.ladder import Rendition, SourceInfo, ffmpeg_exe, ffmpeg_input, poster_time, probe

MASTER = "master.m3u8"
PLAYLIST = "index.m3u8"
SEGMENT = "seg_%05d.ts"
POSTER = "poster.jpg"
AAC_LC = "mp4a.40.2"
STDERR_TAIL = 15
PROGRESS_STEP = 1.0  # percent between two on_progress calls: callers persist them
MIN_ENCODED_SHARE = 0.9  # less than this share of the probed duration means a truncated source
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


class TranscodeFailed(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TranscodeStopped(Exception):
    """The caller asked the run to stop (`stop` was set: the server is shutting down). Not a
    failure of the source: the job is run again from the start (cinema.local.media_worker)."""


@dataclass(frozen=True)
class TranscodeResult:
    renditions: list[Rendition]
    duration_seconds: float
    poster: Path
    master: Path


def transcode(
    source: Path,
    out_dir: Path,
    renditions: list[Rendition],
    *,
    segment_seconds: int = 4,
    on_progress: Callable[[float], None] | None = None,
    info: SourceInfo | None = None,
    stop: threading.Event | None = None,
) -> TranscodeResult:
    """Encodes `renditions` of `source` into `out_dir` (replaced if it exists).

    `on_progress` gets 0..100, never decreasing, at least PROGRESS_STEP apart, and 100 once
    everything is in place. `info` saves a probe when the caller already has one. Once `stop`
    is set, ffmpeg is killed within its next progress report (~0.5 s) and TranscodeStopped is
    raised. Raises InvalidSource (from probing) or TranscodeFailed; out_dir is then left untouched.
    """
    source, out_dir = Path(source), Path(out_dir)
    _check(renditions, segment_seconds)
    info = info or probe(source)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".partial", dir=out_dir.parent))
    work.chmod(0o755)  # mkdtemp's 0700 would follow the rename and hide the files from a server
    try:
        command = build_command(source, renditions, info, segment_seconds=segment_seconds)
        encoded, log = _run(command, work, info.duration_seconds, on_progress, stop)
        if encoded < info.duration_seconds * MIN_ENCODED_SHARE:
            # ffmpeg exits 0 on a truncated file: it encodes what is there and logs the rest
            raise TranscodeFailed(
                f"the source ends early (truncated or corrupt): encoded {encoded:.1f} s "
                f"of {info.duration_seconds:.1f} s: {log or 'no message'}"
            )
        if not (work / POSTER).is_file():  # the chosen instant was past the last video frame
            _grab_first_frame(source, work / POSTER, _top(renditions))
        complete_master(work, renditions, has_audio=info.has_audio)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        work.rename(out_dir)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    if on_progress is not None:
        on_progress(100.0)
    return TranscodeResult(list(renditions), info.duration_seconds, out_dir / POSTER, out_dir / MASTER)


def _check(renditions: list[Rendition], segment_seconds: int) -> None:
    if not renditions:
        raise ValueError("at least one rendition is needed")
    names = [r.name for r in renditions]
    if len(set(names)) != len(names) or not all(_NAME.match(n) for n in names):
        raise ValueError(f"rendition names must be unique folder names: {names}")
    if any(r.width % 2 or r.height % 2 or r.width < 2 or r.height < 2 for r in renditions):
        raise ValueError("rendition sizes must be even (4:2:0 chroma)")
    if not 1 <= segment_seconds <= 30:
        raise ValueError("segment_seconds must be 1..30")


def _quiet_ffmpeg() -> list[str]:
    return [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error"]


def _top(renditions: list[Rendition]) -> Rendition:
    return max(renditions, key=lambda r: r.height)


def _fit(r: Rendition) -> str:
    """Scale down into the frame keeping the aspect ratio, pad the rest black: MediaConvert's
    default scaling, so both shapes frame a 4:3 or 2.39:1 film the same way."""
    return (
        f"scale={r.width}:{r.height}:force_original_aspect_ratio=decrease:force_divisible_by=2,"
        f"pad={r.width}:{r.height}:-1:-1:color=black,setsar=1"
    )


def build_command(
    source: Path, renditions: list[Rendition], info: SourceInfo, *, segment_seconds: int
) -> list[str]:
    """The ffmpeg argv; paths of outputs are relative to the working directory it runs in."""
    count = len(renditions)
    graph = [f"[0:v:0]split={count + 1}" + "".join(f"[s{i}]" for i in range(count)) + "[sp]"]
    graph += [f"[s{i}]{_fit(r)}[v{i}]" for i, r in enumerate(renditions)]
    at = poster_time(info.duration_seconds)
    graph.append(f"[sp]setpts=PTS-STARTPTS,select=gte(t\\,{at:.3f}),{_fit(_top(renditions))}[poster]")

    args = [*_quiet_ffmpeg(), "-y", "-progress", "pipe:1", "-nostats", "-i", ffmpeg_input(source)]
    args += ["-filter_complex", ";".join(graph)]
    for i in range(count):
        args += ["-map", f"[v{i}]"]
    if info.has_audio:
        args += ["-map", "0:a:0"] * count
    args += ["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-pix_fmt", "yuv420p"]
    args += ["-flags", "+cgop", "-sc_threshold", "0"]
    args += ["-force_key_frames", f"expr:gte(t,n_forced*{segment_seconds})"]
    if info.frame_rate:  # the regular cadence lands on the forced keyframes, never between
        gop = str(max(1, round(info.frame_rate * segment_seconds)))
        args += ["-g", gop, "-keyint_min", gop]
    for i, r in enumerate(renditions):
        args += [f"-b:v:{i}", str(r.video_bitrate), f"-maxrate:v:{i}", str(r.max_bitrate)]
        args += [f"-bufsize:v:{i}", str(2 * r.max_bitrate)]
    if info.has_audio:
        args += ["-c:a", "aac", "-ac", "2", "-ar", "48000"]
        for i, r in enumerate(renditions):
            args += [f"-b:a:{i}", str(r.audio_bitrate)]
    streams = [
        f"v:{i},a:{i},name:{r.name}" if info.has_audio else f"v:{i},name:{r.name}"
        for i, r in enumerate(renditions)
    ]
    args += ["-f", "hls", "-hls_time", str(segment_seconds), "-hls_playlist_type", "vod"]
    args += ["-hls_flags", "independent_segments", "-hls_segment_type", "mpegts", "-start_number", "1"]
    args += ["-hls_segment_filename", f"%v/{SEGMENT}", "-master_pl_name", MASTER]
    args += ["-var_stream_map", " ".join(streams), f"%v/{PLAYLIST}"]
    args += ["-map", "[poster]", "-an", "-frames:v", "1", "-q:v", "3", "-update", "1", POSTER]
    return args


def _run(
    command: list[str],
    cwd: Path,
    duration: float,
    on_progress: Callable[[float], None] | None,
    stop: threading.Event | None = None,
) -> tuple[float, str]:
    """Runs ffmpeg, reporting `-progress` lines; returns the seconds it encoded and the last
    lines it logged (errors only: `-loglevel error`)."""
    process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        command,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )
    assert process.stdout is not None
    assert process.stderr is not None
    tail: deque[str] = deque(maxlen=STDERR_TAIL)
    drain = threading.Thread(target=tail.extend, args=(process.stderr,), daemon=True)
    drain.start()  # an undrained stderr pipe would stall ffmpeg once it fills
    encoded = 0.0
    reported = 0.0
    try:
        for line in process.stdout:
            if stop is not None and stop.is_set():
                raise TranscodeStopped()  # the finally below kills ffmpeg
            key, _, value = line.strip().partition("=")
            # out_time_ms is in microseconds as well (an old ffmpeg misnomer)
            if key not in ("out_time_us", "out_time_ms") or not value.lstrip("-").isdigit():
                continue
            encoded = max(encoded, int(value) / 1_000_000)
            percent = min(99.0, round(encoded / duration * 100, 1)) if duration > 0 else 0.0
            if on_progress is not None and percent >= reported + PROGRESS_STEP:
                reported = percent
                on_progress(percent)
        code = process.wait()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        drain.join(timeout=5)
    log = " | ".join(line.strip() for line in tail if line.strip())
    if code != 0:
        raise TranscodeFailed(f"ffmpeg exited with {code}: {log or 'no message'}")
    return encoded, log


def _grab_first_frame(source: Path, poster: Path, top: Rendition) -> None:
    command = [*_quiet_ffmpeg(), "-y", "-i", ffmpeg_input(source), "-map", "0:v:0", "-vf", _fit(top)]
    command += ["-frames:v", "1", "-q:v", "3", "-update", "1", str(poster)]
    run = subprocess.run(command, capture_output=True, text=True, errors="replace", check=False)  # noqa: S603
    if run.returncode != 0 or not poster.is_file():
        raise TranscodeFailed(f"no poster frame: {run.stderr.strip()[-500:]}")


# --- the master playlist -------------------------------------------------------------------


def complete_master(out_dir: Path, renditions: list[Rendition], *, has_audio: bool) -> None:
    """Checks that the master lists every rendition with BANDWIDTH, RESOLUTION and CODECS.

    The bundled ffmpeg writes all three; an older or other ffmpeg may leave CODECS out, and
    players (Safari, hls.js capability checks) rely on it. Missing attributes are filled in:
    CODECS from the SPS of the rendition's first segment, so the profile and level are true.
    """
    master = out_dir / MASTER
    if not master.is_file():
        raise TranscodeFailed("ffmpeg wrote no master playlist")
    by_name = {r.name: r for r in renditions}
    lines = master.read_text().splitlines()
    seen: set[str] = set()
    changed = False
    for index, line in enumerate(lines):
        if not line.startswith("#EXT-X-STREAM-INF:") or index + 1 >= len(lines):
            continue
        name = lines[index + 1].strip().split("/")[0]
        rendition = by_name.get(name)
        if rendition is None:
            raise TranscodeFailed(f"unexpected variant in the master playlist: {lines[index + 1]}")
        seen.add(name)
        attributes = dict(_ATTRIBUTE.findall(line.split(":", 1)[1]))
        filled = dict(attributes)
        filled.setdefault(
            "BANDWIDTH", str(rendition.max_bitrate + (rendition.audio_bitrate if has_audio else 0))
        )
        filled.setdefault("RESOLUTION", f"{rendition.width}x{rendition.height}")
        if "CODECS" not in filled:
            codecs = [avc_codec(out_dir / name / (SEGMENT % 1))] + ([AAC_LC] if has_audio else [])
            filled["CODECS"] = '"' + ",".join(codecs) + '"'
        if filled != attributes:
            lines[index] = "#EXT-X-STREAM-INF:" + ",".join(f"{k}={v}" for k, v in filled.items())
            changed = True
    missing = set(by_name) - seen
    if missing:
        raise TranscodeFailed(f"renditions missing from the master playlist: {sorted(missing)}")
    for name in by_name:
        if not (out_dir / name / PLAYLIST).is_file():
            raise TranscodeFailed(f"no playlist for {name}")
    if changed:
        master.write_text("\n".join(lines) + "\n")


def avc_codec(segment: Path) -> str:
    """`avc1.PPCCLL` (RFC 6381) from the first H.264 SPS in an HLS segment."""
    command = [*_quiet_ffmpeg(), "-i", ffmpeg_input(segment), "-map", "0:v:0", "-c", "copy"]
    command += ["-frames:v", "1", "-f", "h264", "pipe:1"]
    run = subprocess.run(command, capture_output=True, check=False)  # noqa: S603 - fixed argv
    stream = run.stdout
    start = stream.find(b"\x00\x00\x01")
    while start != -1 and start + 7 <= len(stream):
        if stream[start + 3] & 0x1F == 7:  # sequence parameter set
            profile, constraints, level = stream[start + 4 : start + 7]
            return f"avc1.{profile:02x}{constraints:02x}{level:02x}"
        start = stream.find(b"\x00\x00\x01", start + 3)
    raise TranscodeFailed(f"no H.264 parameters in {segment.name}")
