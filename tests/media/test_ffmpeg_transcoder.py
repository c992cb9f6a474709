"""The local transcoder against real ffmpeg: layout, playlists, keyframe alignment, decoding,
progress, sources without audio, and failures that leave nothing behind.

One 720p transcode (6 s, 3 rungs) is shared by the module; the other cases use tiny clips.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
from tests.clips import make_clip as _clip
from tests.clips import run_ffmpeg as _ffmpeg

from cinema.local.media_worker import ffmpeg as ffmpeg_transcoder
from cinema.local.media_worker.ffmpeg import (
    MASTER,
    TranscodeFailed,
    TranscodeResult,
    TranscodeStopped,
    complete_master,
    transcode,
)
from cinema.media.ladder import InvalidSource, Rendition, ffmpeg_exe, ladder_for, probe

SMALL = [
    Rendition("180p", 180, 320, 200_000, 300_000, 64_000),
    Rendition("360p", 360, 640, 600_000, 800_000, 96_000),
]


@dataclass
class Run:
    result: TranscodeResult
    out: Path
    progress: list[float]
    seconds: float


@pytest.fixture(scope="module")
def hd(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The demo case: a 6 s 1280x720 30 fps clip with sound, 360p/540p/720p."""
    folder = tmp_path_factory.mktemp("hd")
    source = _clip(folder / "source.mp4", size="1280x720", seconds=6)
    progress: list[float] = []
    started = time.perf_counter()
    result = transcode(source, folder / "out", ladder_for(720, max_rungs=3), on_progress=progress.append)
    return Run(result, folder / "out", progress, time.perf_counter() - started)


def _playlist(path: Path) -> tuple[int, list[tuple[float, str]]]:
    text = path.read_text()
    target = int(re.search(r"#EXT-X-TARGETDURATION:(\d+)", text)[1])  # type: ignore[index]
    segments = re.findall(r"#EXTINF:([\d.]+),\s*\n(\S+)", text)
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in text
    assert text.rstrip().endswith("#EXT-X-ENDLIST")
    return target, [(float(d), name) for d, name in segments]


def _variants(master: Path) -> dict[str, dict[str, str]]:
    lines = master.read_text().splitlines()
    return {
        lines[i + 1]: dict(re.findall(r'([A-Z-]+)=("[^"]*"|[^,]*)', line.split(":", 1)[1]))
        for i, line in enumerate(lines)
        if line.startswith("#EXT-X-STREAM-INF:")
    }


def _decoded_frames(playlist: Path) -> int:
    run = _ffmpeg("-i", playlist, "-map", "0:v:0", "-f", "null", "-", "-progress", "pipe:1", "-nostats")
    return int(re.findall(rb"^frame=(\d+)", run.stdout, re.M)[-1])


def _first_picture_is_idr(segment: Path) -> bool:
    """Whether a segment starts with an IDR frame, i.e. plays without the one before it."""
    raw = _ffmpeg(
        "-i", segment, "-map", "0:v:0", "-c", "copy", "-frames:v", "1", "-f", "h264", "pipe:1"
    ).stdout
    types = [raw[m.end()] & 0x1F for m in re.finditer(rb"\x00\x00\x01", raw) if m.end() < len(raw)]
    return next(t for t in types if t in (1, 5)) == 5


def _frame_size(image: Path) -> tuple[int, int]:
    run = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(image)], capture_output=True, text=True, check=False
    )
    width, height = re.search(r"Video: .*?(\d{2,5})x(\d{2,5})", run.stderr).groups()  # type: ignore[union-attr]
    return int(width), int(height)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".partial"))


# --- the 720p demo ladder --------------------------------------------------------------------


def test_layout(hd: Run) -> None:
    names = ["360p", "540p", "720p"]
    assert sorted(p.name for p in hd.out.iterdir()) == sorted([*names, "master.m3u8", "poster.jpg"])
    for name in names:
        files = sorted(p.name for p in (hd.out / name).iterdir())
        assert files == ["index.m3u8", "seg_00001.ts", "seg_00002.ts"]
    assert hd.result.master == hd.out / "master.m3u8"
    assert hd.result.poster == hd.out / "poster.jpg"
    assert hd.result.duration_seconds == pytest.approx(6, abs=0.1)
    assert [r.name for r in hd.result.renditions] == names
    assert not _leftovers(hd.out.parent)
    assert hd.out.stat().st_mode & 0o755 == 0o755  # readable by a server running as someone else


def test_master_playlist_names_every_variant_fully(hd: Run) -> None:
    variants = _variants(hd.out / "master.m3u8")
    assert list(variants) == ["360p/index.m3u8", "540p/index.m3u8", "720p/index.m3u8"]
    for rung in hd.result.renditions:
        attributes = variants[f"{rung.name}/index.m3u8"]
        assert attributes["RESOLUTION"] == f"{rung.width}x{rung.height}"
        assert re.fullmatch(r'"avc1\.64[0-9a-f]{4},mp4a\.40\.2"', attributes["CODECS"])
        # measured peak of the real segments: present, and within the rung's cap plus audio and TS overhead
        assert 0 < int(attributes["BANDWIDTH"]) <= (rung.max_bitrate + rung.audio_bitrate) * 1.15
    bandwidths = [int(v["BANDWIDTH"]) for v in variants.values()]
    assert bandwidths == sorted(bandwidths)


def test_segments_are_aligned_and_at_most_four_seconds(hd: Run) -> None:
    timelines = []
    for rung in hd.result.renditions:
        target, segments = _playlist(hd.out / rung.name / "index.m3u8")
        assert target == 4
        assert all(0 < duration <= 4.0 for duration, _ in segments)
        assert sum(d for d, _ in segments) == pytest.approx(6, abs=0.1)
        timelines.append([d for d, _ in segments])
        for _, segment in segments:
            assert _first_picture_is_idr(hd.out / rung.name / segment)
    assert timelines[0] == timelines[1] == timelines[2] == [4.0, 2.0]


def test_every_rendition_decodes_whole(hd: Run) -> None:
    for rung in hd.result.renditions:
        playlist = hd.out / rung.name / "index.m3u8"
        assert _decoded_frames(playlist) == pytest.approx(6 * 30, abs=2)
        first = probe(hd.out / rung.name / "seg_00001.ts")
        assert (first.width, first.height, first.has_audio) == (rung.width, rung.height, True)
    assert _decoded_frames(hd.out / "master.m3u8") == pytest.approx(180, abs=2)


def test_poster(hd: Run) -> None:
    assert hd.result.poster.read_bytes()[:3] == b"\xff\xd8\xff"
    assert _frame_size(hd.result.poster) == (1280, 720)


def test_progress_is_monotonic_and_ends_at_100(hd: Run) -> None:
    assert len(hd.progress) >= 2
    assert hd.progress == sorted(hd.progress)
    assert all(0 <= p <= 100 for p in hd.progress)
    assert hd.progress[-1] == 100
    assert hd.progress.count(100) == 1
    assert all(p < 100 for p in hd.progress[:-1])
    print(f"\n720p 6 s clip, 3 rungs: {hd.seconds:.2f} s, progress {hd.progress}")


# --- other sources ---------------------------------------------------------------------------


def test_a_source_without_audio_gives_video_only_variants(tmp_path: Path) -> None:
    # 4:3 and silent: letterboxed into 16:9 frames, no invented audio track
    source = _clip(tmp_path / "silent.mp4", size="480x360", seconds=3, rate=25, audio=False)
    result = transcode(source, tmp_path / "out", ladder_for(360, source_width=480))
    variants = _variants(result.master)
    assert list(variants) == ["360p/index.m3u8"]
    assert re.fullmatch(r'"avc1\.[0-9a-f]{6}"', variants["360p/index.m3u8"]["CODECS"])
    assert variants["360p/index.m3u8"]["RESOLUTION"] == "640x360"
    segment = probe(tmp_path / "out" / "360p" / "seg_00001.ts")
    assert (segment.width, segment.height, segment.has_audio) == (640, 360, False)
    assert _decoded_frames(tmp_path / "out" / "360p" / "index.m3u8") == pytest.approx(75, abs=2)
    assert _frame_size(result.poster) == (640, 360)


def test_two_rungs_of_a_small_clip_replace_an_old_output(tmp_path: Path) -> None:
    source = _clip(tmp_path / "small.mp4", size="640x360", seconds=5, rate=25)
    out = tmp_path / "out"
    (out / "old").mkdir(parents=True)
    (out / "old" / "stale.ts").write_bytes(b"x")
    progress: list[float] = []
    result = transcode(source, out, SMALL, segment_seconds=2, on_progress=progress.append)
    assert sorted(p.name for p in out.iterdir()) == ["180p", "360p", "master.m3u8", "poster.jpg"]
    for rung in SMALL:
        target, segments = _playlist(out / rung.name / "index.m3u8")
        assert target == 2
        assert [d for d, _ in segments] == [2.0, 2.0, 1.0]
    assert _decoded_frames(result.master) == pytest.approx(125, abs=2)
    assert progress[-1] == 100
    assert progress == sorted(progress)


def test_missing_codecs_are_filled_in_from_the_stream(hd: Run, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(hd.out, copy)
    original = _variants(copy / MASTER)
    stripped = re.sub(r',CODECS="[^"]*"', "", (copy / MASTER).read_text())
    (copy / MASTER).write_text(stripped)
    assert "CODECS" not in stripped
    complete_master(copy, hd.result.renditions, has_audio=True)
    assert _variants(copy / MASTER) == original


def test_a_master_without_a_rendition_is_a_failure(hd: Run, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(hd.out, copy)
    with pytest.raises(TranscodeFailed, match="1080p"):
        complete_master(copy, ladder_for(1080), has_audio=True)


# --- failures --------------------------------------------------------------------------------


def test_garbage_is_an_invalid_source(tmp_path: Path) -> None:
    source = tmp_path / "upload.mp4"
    source.write_bytes(bytes(range(256)) * 400)
    with pytest.raises(InvalidSource):
        transcode(source, tmp_path / "out", SMALL)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["upload.mp4"]


def test_a_truncated_source_fails_and_leaves_nothing(tmp_path: Path) -> None:
    whole = _clip(
        tmp_path / "whole.mp4", size="426x240", seconds=6, rate=25, extra=("-movflags", "+faststart")
    )
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 4 // 10])
    assert probe(cut).duration_seconds == pytest.approx(6, abs=0.1)  # the header still says 6 s
    with pytest.raises(TranscodeFailed, match="ends early") as caught:
        transcode(cut, tmp_path / "out", SMALL)
    assert "of 6.0 s" in caught.value.reason
    assert not (tmp_path / "out").exists()
    assert not _leftovers(tmp_path)


def test_an_ffmpeg_error_carries_its_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = _clip(tmp_path / "small.mp4", size="320x180", seconds=1)
    build = ffmpeg_transcoder.build_command

    def broken(*args: object, **kwargs: object) -> list[str]:
        command = build(*args, **kwargs)  # type: ignore[arg-type]
        command[command.index("veryfast")] = "no-such-preset"
        return command

    monkeypatch.setattr(ffmpeg_transcoder, "build_command", broken)
    with pytest.raises(TranscodeFailed, match="ffmpeg exited with") as caught:
        transcode(source, tmp_path / "out", SMALL[:1])
    assert "preset" in caught.value.reason.lower()
    assert not (tmp_path / "out").exists()
    assert not _leftovers(tmp_path)


def test_a_failing_progress_callback_stops_ffmpeg_and_cleans_up(tmp_path: Path) -> None:
    source = _clip(tmp_path / "small.mp4", size="640x360", seconds=6)

    def give_up(percent: float) -> None:
        raise RuntimeError("cancelled")

    with pytest.raises(RuntimeError, match="cancelled"):
        transcode(source, tmp_path / "out", SMALL, on_progress=give_up)
    assert not (tmp_path / "out").exists()
    assert not _leftovers(tmp_path)
    assert not [p for p in psutil.Process().children() if "ffmpeg" in p.name()]


def test_a_stop_kills_ffmpeg_at_its_next_report_and_leaves_nothing(tmp_path: Path) -> None:
    """What a server that shuts down mid-transcode asks (cinema.local.media_worker.worker)."""
    source = _clip(tmp_path / "long.mp4", size="640x360", seconds=30)
    stop = threading.Event()
    seen: list[float] = []

    def stop_at_first_report(percent: float) -> None:
        seen.append(percent)
        stop.set()

    started = time.perf_counter()
    with pytest.raises(TranscodeStopped):
        transcode(source, tmp_path / "out", SMALL, on_progress=stop_at_first_report, stop=stop)
    assert seen, "ffmpeg never reported progress"
    assert seen[-1] < 50, seen  # stopped early, not at the end
    assert time.perf_counter() - started < 20
    assert not (tmp_path / "out").exists()
    assert not _leftovers(tmp_path)
    assert not [p for p in psutil.Process().children() if "ffmpeg" in p.name()]


@pytest.mark.parametrize(
    ("renditions", "segment_seconds", "message"),
    [
        ([], 4, "at least one rendition"),
        ([SMALL[0], SMALL[0]], 4, "unique folder names"),
        ([Rendition("../up", 180, 320, 1, 1, 1)], 4, "unique folder names"),
        ([Rendition("odd", 181, 320, 1, 1, 1)], 4, "even"),
        (SMALL, 0, "segment_seconds"),
    ],
)
def test_bad_arguments(
    tmp_path: Path, renditions: list[Rendition], segment_seconds: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        transcode(tmp_path / "any.mp4", tmp_path / "out", renditions, segment_seconds=segment_seconds)
