"""The ABR ladder (no upscaling, tiny sources, max_rungs) and probing real files with ffmpeg."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cinema.media.ladder import (
    FULL_LADDER,
    InvalidSource,
    ffmpeg_exe,
    ladder_for,
    parse_probe,
    poster_time,
    probe,
)


def _ffmpeg(*args: str | Path) -> None:
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *map(str, args)], check=True
    )


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few small real files, made once for the module (well under a second)."""
    folder = tmp_path_factory.mktemp("probe")
    _ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=3"),
        *("-f", "lavfi", "-i", "sine=frequency=440:duration=3"),
        *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"),
        folder / "clip.mp4",
    )
    _ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=426x240:rate=25:duration=2"),
        *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"),
        folder / "silent.mp4",
    )
    # a phone video: stored landscape with a 90° display rotation
    _ffmpeg("-display_rotation", "90", "-i", folder / "silent.mp4", "-c", "copy", folder / "portrait.mp4")
    # what a browser's MediaRecorder makes: WebM without a duration in its header
    _ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=2"),
        *("-c:v", "libvpx", "-b:v", "200k", "-f", "webm"),
        folder / "recorded.webm",
    )
    _ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=1:duration=1", "-frames:v", "1", folder / "still.png"
    )
    # an audio file whose only picture is its cover art
    _ffmpeg(
        *("-f", "lavfi", "-i", "sine=duration=1", "-i", folder / "still.png"),
        *(
            "-map",
            "0:a",
            "-map",
            "1:v",
            "-c:a",
            "libmp3lame",
            "-c:v",
            "png",
            "-disposition:v",
            "attached_pic",
        ),
        folder / "song.mp3",
    )
    (folder / "notes.txt").write_text("this is not a film\n" * 100)
    return folder


# --- the ladder ------------------------------------------------------------------------------


def test_full_ladder_is_16_9_even_and_rising() -> None:
    assert [r.name for r in FULL_LADDER] == ["360p", "540p", "720p", "1080p"]
    for rung in FULL_LADDER:
        assert rung.width % 2 == 0
        assert rung.height % 2 == 0
        assert rung.width * 9 == rung.height * 16
        assert rung.max_bitrate > rung.video_bitrate > 0
        assert rung.audio_bitrate in (96_000, 128_000)
    peaks = [r.max_bitrate for r in FULL_LADDER]
    assert peaks == sorted(peaks)
    assert peaks == [800_000, 1_500_000, 3_000_000, 6_000_000]


@pytest.mark.parametrize(
    ("height", "width", "names"),
    [
        (1080, 1920, ["360p", "540p", "720p", "1080p"]),
        (2160, 3840, ["360p", "540p", "720p", "1080p"]),
        (720, 1280, ["360p", "540p", "720p"]),
        (720, None, ["360p", "540p", "720p"]),
        (1079, 1918, ["360p", "540p", "720p"]),
        (540, 960, ["360p", "540p"]),
        (480, 854, ["360p"]),
        (360, 640, ["360p"]),
        # a 2.39:1 film is 1920x800: its 1080p rung letterboxes without upscaling
        (800, 1920, ["360p", "540p", "720p", "1080p"]),
        (None, None, ["360p", "540p", "720p", "1080p"]),
    ],
)
def test_no_rung_upscales_the_source(height: int | None, width: int | None, names: list[str]) -> None:
    assert [r.name for r in ladder_for(height, source_width=width)] == names


def test_a_source_below_the_lowest_rung_gets_one_rung_its_size() -> None:
    (rung,) = ladder_for(240, source_width=320)
    assert (rung.name, rung.width, rung.height) == ("240p", 426, 240)
    assert rung.max_bitrate < FULL_LADDER[0].max_bitrate
    assert rung.video_bitrate < rung.max_bitrate
    assert isinstance(rung.max_bitrate, int)
    (odd,) = ladder_for(145)
    assert (odd.height % 2, odd.width % 2, odd.height) == (0, 0, 144)


def test_max_rungs_keeps_the_highest() -> None:
    assert [r.name for r in ladder_for(720, max_rungs=3)] == ["360p", "540p", "720p"]
    assert [r.name for r in ladder_for(1080, max_rungs=3)] == ["540p", "720p", "1080p"]
    assert [r.name for r in ladder_for(1080, max_rungs=1)] == ["1080p"]
    assert [r.name for r in ladder_for(360, max_rungs=3)] == ["360p"]
    with pytest.raises(ValueError, match="max_rungs"):
        ladder_for(720, max_rungs=0)
    with pytest.raises(ValueError, match="height"):
        ladder_for(0)


def test_poster_time() -> None:
    assert poster_time(7200) == 720
    assert poster_time(10) == 1
    assert poster_time(6) == 1
    assert poster_time(1) == 0.5


# --- probing ---------------------------------------------------------------------------------


def test_probe_a_clip(media: Path) -> None:
    info = probe(media / "clip.mp4")
    assert (info.width, info.height, info.has_audio, info.frame_rate) == (640, 360, True, 30)
    assert info.duration_seconds == pytest.approx(3, abs=0.1)


def test_probe_a_clip_without_audio(media: Path) -> None:
    info = probe(media / "silent.mp4")
    assert (info.width, info.height, info.has_audio, info.frame_rate) == (426, 240, False, 25)


def test_probe_applies_rotation(media: Path) -> None:
    info = probe(media / "portrait.mp4")
    assert (info.width, info.height) == (240, 426)


def test_probe_counts_the_duration_a_header_lacks(media: Path) -> None:
    info = probe(media / "recorded.webm")
    assert info.duration_seconds == pytest.approx(2, abs=0.1)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("notes.txt", "not a media file"),
        ("still.png", "still image"),
        ("song.mp3", "no video stream"),
    ],
)
def test_probe_refuses_what_is_not_a_video(media: Path, name: str, reason: str) -> None:
    with pytest.raises(InvalidSource, match=reason) as caught:
        probe(media / name)
    assert reason in caught.value.reason


def test_probe_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        probe(tmp_path / "nope.mp4")


def test_parse_probe_ignores_hex_ids_and_reads_fractional_rates() -> None:
    stderr = (
        "Input #0, mpegts, from 'file:/x.ts':\n"
        "  Duration: 01:02:03.50, start: 1.400000, bitrate: 5000 kb/s\n"
        "  Program 1\n"
        "  Stream #0:0[0x100]: Video: h264 (High) ([27][0][0][0] / 0x001B), yuv420p(tv, bt709, progressive),"
        " 1920x1080 [SAR 1:1 DAR 16:9], 23.98 fps, 23.98 tbr, 90k tbn\n"
        "  Stream #0:1[0x101](eng): Audio: aac (LC) ([15][0][0][0] / 0x000F), 48000 Hz, stereo, fltp\n"
    )
    info = parse_probe(stderr)
    assert (info.width, info.height, info.has_audio) == (1920, 1080, True)
    assert info.duration_seconds == pytest.approx(3723.5)
    assert info.frame_rate == pytest.approx(23.98)
