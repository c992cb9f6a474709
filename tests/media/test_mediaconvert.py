"""The MediaConvert job request, checked by botocore's Stubber against the real service model
(a misspelt key, a wrong type or a missing required member fails the call)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ParamValidationError
from botocore.stub import Stubber

from cinema.media.ladder import FULL_LADDER
from cinema.media.mediaconvert import (
    build_job_request,
    hls_prefix,
    load_template,
    submit,
)

ROLE = "arn:aws:iam::123456789012:role/cinema-dev-mediaconvert"
QUEUE = "arn:aws:mediaconvert:eu-central-1:123456789012:queues/cinema"
FILM = "6f1c2a8e-1b7e-4d8e-9a53-0c2f4f2d9b11"
UPLOAD = "0b9e4c55-2f4e-4a57-8d0e-3c1a7e2b6f20"
SOURCE = f"s3://cinema-uploads-123456789012-eu-central-1/uploads/{FILM}/{UPLOAD}/source.mp4"
MEDIA = "s3://cinema-media-123456789012-eu-central-1"


@pytest.fixture
def client() -> Any:
    return boto3.client(
        "mediaconvert",
        region_name="eu-central-1",
        endpoint_url="https://abcd1234.mediaconvert.eu-central-1.amazonaws.com",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _request(**overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "role_arn": ROLE,
        "source_s3_uri": SOURCE,
        "destination_s3_prefix": MEDIA,
        "film_id": FILM,
        "upload_id": UPLOAD,
    }
    return build_job_request(**(arguments | overrides))


def _job(request: dict[str, Any]) -> dict[str, Any]:
    """What CreateJob answers, trimmed to the members a real answer always has."""
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    return {
        "Job": {
            "Id": "1764417600000-a1b2c3",
            "Arn": "arn:aws:mediaconvert:eu-central-1:123456789012:jobs/1764417600000-a1b2c3",
            "Role": request["Role"],
            "Settings": request["Settings"],
            "Status": "SUBMITTED",
            "CreatedAt": now,
            "Queue": request.get("Queue", "arn:aws:mediaconvert:eu-central-1:123456789012:queues/Default"),
            "UserMetadata": request["UserMetadata"],
            "StatusUpdateInterval": request["StatusUpdateInterval"],
            "Timing": {"SubmitTime": now},
            "Priority": 0,
        }
    }


def _submit(client: Any, request: dict[str, Any]) -> str:
    with Stubber(client) as stub:
        stub.add_response("create_job", _job(request), expected_params=request)
        job_id = submit(client, request)
        stub.assert_no_pending_responses()
    return job_id


def _hls(request: dict[str, Any]) -> dict[str, Any]:
    (group,) = [
        g
        for g in request["Settings"]["OutputGroups"]
        if g["OutputGroupSettings"]["Type"] == "HLS_GROUP_SETTINGS"
    ]
    return group  # type: ignore[no-any-return]


def _poster(request: dict[str, Any]) -> dict[str, Any]:
    (group,) = [
        g
        for g in request["Settings"]["OutputGroups"]
        if g["OutputGroupSettings"]["Type"] == "FILE_GROUP_SETTINGS"
    ]
    return group  # type: ignore[no-any-return]


def _rungs(request: dict[str, Any]) -> list[str]:
    return [o["NameModifier"] for o in _hls(request)["Outputs"]]


# --- the template ----------------------------------------------------------------------------


def test_the_template_is_the_full_ladder_in_qvbr_with_4_second_gops() -> None:
    template = load_template()
    (hls,) = [g for g in template["OutputGroups"] if g["OutputGroupSettings"]["Type"] == "HLS_GROUP_SETTINGS"]
    group = hls["OutputGroupSettings"]["HlsGroupSettings"]
    assert group["SegmentLength"] == 4
    assert group["SegmentControl"] == "SEGMENTED_FILES"
    assert group["ManifestDurationFormat"] == "INTEGER"
    assert group["StreamInfResolution"] == "INCLUDE"
    assert len(hls["Outputs"]) == 4
    for output, rung in zip(hls["Outputs"], FULL_LADDER, strict=True):
        assert output["NameModifier"] == f"_{rung.name}"
        assert output["ContainerSettings"]["Container"] == "M3U8"  # MPEG-TS segments, as locally
        video = output["VideoDescription"]
        assert (video["Width"], video["Height"]) == (rung.width, rung.height)
        h264 = video["CodecSettings"]["H264Settings"]
        assert video["CodecSettings"]["Codec"] == "H_264"
        assert h264["RateControlMode"] == "QVBR"
        assert 1 <= h264["QvbrSettings"]["QvbrQualityLevel"] <= 10
        assert h264["MaxBitrate"] == rung.max_bitrate
        # closed GOPs of exactly one segment: every segment starts with an IDR frame
        assert (h264["GopSize"], h264["GopSizeUnits"]) == (group["SegmentLength"], "SECONDS")
        assert h264["GopClosedCadence"] == 1
        assert h264["MinIInterval"] == 0
        assert h264["SceneChangeDetect"] in ("TRANSITION_DETECTION", "DISABLED")
        (audio,) = output["AudioDescriptions"]
        aac = audio["CodecSettings"]["AacSettings"]
        assert audio["CodecSettings"]["Codec"] == "AAC"
        assert (aac["Bitrate"], aac["CodingMode"], aac["SampleRate"]) == (
            rung.audio_bitrate,
            "CODING_MODE_2_0",
            48000,
        )


def test_the_template_has_a_jpeg_frame_capture_for_the_poster() -> None:
    template = load_template()
    (files,) = [
        g for g in template["OutputGroups"] if g["OutputGroupSettings"]["Type"] == "FILE_GROUP_SETTINGS"
    ]
    (capture,) = files["Outputs"]
    assert capture["ContainerSettings"]["Container"] == "RAW"
    assert capture["Extension"] == "jpg"
    assert "AudioDescriptions" not in capture
    codec = capture["VideoDescription"]["CodecSettings"]
    assert codec["Codec"] == "FRAME_CAPTURE"
    assert codec["FrameCaptureSettings"]["MaxCaptures"] >= 1


def test_load_template_gives_a_fresh_copy_each_time() -> None:
    first = load_template()
    first["OutputGroups"].clear()
    assert len(load_template()["OutputGroups"]) == 2


# --- the request -----------------------------------------------------------------------------


def test_a_1080p_source_gets_the_whole_ladder(client: Any) -> None:
    request = _request(source_height=1080, source_width=1920, duration_seconds=5400)
    assert _submit(client, request) == "1764417600000-a1b2c3"
    assert _rungs(request) == ["_360p", "_540p", "_720p", "_1080p"]
    assert request["Role"] == ROLE
    assert request["Settings"]["Inputs"][0]["FileInput"] == SOURCE
    assert request["UserMetadata"] == {"film_id": FILM, "upload_id": UPLOAD}
    assert request["StatusUpdateInterval"] == "SECONDS_10"
    assert request["ClientRequestToken"] == UPLOAD
    assert request["Tags"]["film_id"] == FILM
    assert "Queue" not in request
    assert "AccelerationSettings" not in request
    folder = f"{MEDIA}/hls/{FILM}/{UPLOAD}/"
    assert folder == f"{MEDIA}/{hls_prefix(FILM, UPLOAD)}"
    assert _hls(request)["OutputGroupSettings"]["HlsGroupSettings"]["Destination"] == folder + "master"
    assert _poster(request)["OutputGroupSettings"]["FileGroupSettings"]["Destination"] == folder + "poster"
    frame = _poster(request)["Outputs"][0]["VideoDescription"]
    assert (frame["Width"], frame["Height"]) == (1920, 1080)
    # first frame at 0 s, the poster at 10% of a 90-minute film
    assert frame["CodecSettings"]["FrameCaptureSettings"]["FramerateDenominator"] == 540
    assert frame["CodecSettings"]["FrameCaptureSettings"]["MaxCaptures"] == 2


@pytest.mark.parametrize(
    "prefix",
    [MEDIA, MEDIA + "/", f"{MEDIA}/hls/{FILM}/{UPLOAD}", f"{MEDIA}/hls/{FILM}/{UPLOAD}/"],
)
def test_the_bucket_root_or_the_upload_folder_as_prefix(prefix: str) -> None:
    request = _request(destination_s3_prefix=prefix)
    folder = f"{MEDIA}/hls/{FILM}/{UPLOAD}/"
    assert _hls(request)["OutputGroupSettings"]["HlsGroupSettings"]["Destination"] == folder + "master"
    assert _poster(request)["OutputGroupSettings"]["FileGroupSettings"]["Destination"] == folder + "poster"


def test_a_720p_source_drops_1080p(client: Any) -> None:
    request = _request(source_height=720, source_width=1280)
    _submit(client, request)
    assert _rungs(request) == ["_360p", "_540p", "_720p"]
    frame = _poster(request)["Outputs"][0]["VideoDescription"]
    assert (frame["Width"], frame["Height"]) == (1280, 720)
    assert frame["CodecSettings"]["FrameCaptureSettings"]["FramerateDenominator"] == 10


def test_a_tiny_source_gets_one_rung_its_size(client: Any) -> None:
    request = _request(source_height=240, source_width=320)
    _submit(client, request)
    (output,) = _hls(request)["Outputs"]
    assert output["NameModifier"] == "_240p"
    assert (output["VideoDescription"]["Width"], output["VideoDescription"]["Height"]) == (426, 240)
    h264 = output["VideoDescription"]["CodecSettings"]["H264Settings"]
    assert h264["MaxBitrate"] < FULL_LADDER[0].max_bitrate
    assert h264["HrdBufferSize"] == 2 * h264["MaxBitrate"]


@pytest.mark.parametrize(
    ("height", "width"),
    [
        (None, None),
        (144, 256),
        (240, 320),
        (360, 640),
        (480, 854),
        (540, 960),
        (720, 1280),
        (800, 1920),
        (1080, 1920),
        (2160, 3840),
    ],
)
@pytest.mark.parametrize("has_audio", [True, False])
def test_every_request_is_valid_for_the_service_model(
    client: Any, height: int | None, width: int | None, has_audio: bool
) -> None:
    request = _request(
        source_height=height, source_width=width, has_audio=has_audio, queue_arn=QUEUE, accelerated=True
    )
    _submit(client, request)
    json.dumps(request)  # plain JSON all the way (the template is also imported in the console)
    names = _rungs(request)
    assert names == sorted(names, key=lambda n: int(n.strip("_p")))
    assert len(set(names)) == len(names)


def test_a_silent_source_has_no_audio_anywhere(client: Any) -> None:
    request = _request(source_height=720, has_audio=False)
    _submit(client, request)
    assert "AudioSelectors" not in request["Settings"]["Inputs"][0]
    assert all("AudioDescriptions" not in o for o in _hls(request)["Outputs"])
    # A second job for the same upload (after the first failed on the missing audio track)
    # must not get the first one back through CreateJob's idempotency token.
    assert request["ClientRequestToken"] != _request(source_height=720)["ClientRequestToken"]


def test_queue_and_acceleration_when_asked(client: Any) -> None:
    request = _request(queue_arn=QUEUE, accelerated=True, tags={"stage": "dev"})
    _submit(client, request)
    assert request["Queue"] == QUEUE
    assert request["AccelerationSettings"] == {"Mode": "PREFERRED"}
    assert request["Tags"] == {"application": "cinema", "film_id": FILM, "stage": "dev"}


def test_each_request_is_independent_of_the_last() -> None:
    small = _request(source_height=360)
    large = _request(source_height=1080)
    assert _rungs(small) == ["_360p"]
    assert _rungs(large) == ["_360p", "_540p", "_720p", "_1080p"]


def test_the_stubber_really_validates(client: Any) -> None:
    """Guards the other tests: a misspelt key is refused before anything is sent."""
    request = _request()
    answer = _job(_request())  # the Stubber checks canned answers against the model as well
    _hls(request)["OutputGroupSettings"]["HlsGroupSettings"]["SegmentLenght"] = 4
    with Stubber(client) as stub:
        stub.add_response("create_job", answer, expected_params=request)
        with pytest.raises(ParamValidationError, match="SegmentLenght"):
            submit(client, request)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"film_id": "../etc"}, "film_id and upload_id"),
        ({"upload_id": "x" * 65}, "film_id and upload_id"),
        ({"source_s3_uri": "https://example.com/a.mp4"}, "source_s3_uri"),
        ({"destination_s3_prefix": "cinema-media"}, "destination_s3_prefix"),
        ({"role_arn": "cinema-role"}, "role_arn"),
    ],
)
def test_bad_arguments(overrides: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _request(**overrides)


def test_importing_it_needs_neither_ffmpeg_nor_boto3() -> None:
    """The media-ingest Lambda imports it; its layer has no imageio-ffmpeg."""
    code = "import sys, cinema.media.mediaconvert; print(sorted(m for m in ('imageio_ffmpeg', 'boto3') if m in sys.modules))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"
