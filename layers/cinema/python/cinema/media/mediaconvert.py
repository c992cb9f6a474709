"""The AWS Transcoder's job: a MediaConvert CreateJob request built from the job template.

`infra/mediaconvert/job-template.json` is the job's Settings skeleton: one HLS group with the
four rungs of `ladder.FULL_LADDER` (H.264 QVBR, closed 4 s GOPs on 4 s segments, AAC-LC
stereo muxed into each rendition) and a frame-capture file group for the poster. Per upload
we fill in the source and destinations and keep the rungs `ladder_for` keeps, so AWS and the
local ffmpeg encode the same renditions.

What lands in S3 under `hls/<film_id>/<upload_id>/` (MediaConvert cannot make folders per
output: a NameModifier is appended to the base name, so everything shares one folder):

    master.m3u8                  same name and role as locally
    master_720p.m3u8             locally: 720p/index.m3u8
    master_720p_00001.ts         locally: 720p/seg_00001.ts
    poster.0000001.jpg           locally: poster.jpg (frame capture numbers its files; the
                                 COMPLETE event lists the path, see `POSTER_CAPTURES`)

Players only ever see master.m3u8 and relative URIs inside it, so the difference is
invisible to playback and signing (both cover the whole prefix).

No boto3 import here: the caller passes a client, and the module stays cheap to import.
"""

from __future__ import annotations

import copy
import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from cinema.media.ladder import Rendition, ladder_for, poster_time

TEMPLATE_ENV = "CINEMA_MEDIACONVERT_TEMPLATE"
# Shipped inside the package (so the Lambda layer has it); infra/mediaconvert/job-template.json
# is a link to this file.
_PACKAGE_TEMPLATE = Path(__file__).with_name("job-template.json")
MASTER_BASENAME = "master"
POSTER_BASENAME = "poster"
# Frame capture always grabs the first frame (often black), then one every N seconds: two
# captures make the second one, at ~10% of the film, the poster (the first frame only when
# the film is shorter than N).
POSTER_CAPTURES = 2
POSTER_DEFAULT_SECONDS = 10
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def hls_prefix(film_id: str, upload_id: str) -> str:
    """The key prefix of one transcode in the media bucket (the same in both shapes)."""
    return f"hls/{film_id}/{upload_id}/"


def load_template(path: str | None = None) -> dict[str, Any]:
    """A fresh copy of the Settings skeleton: `path`, $CINEMA_MEDIACONVERT_TEMPLATE, else the
    copy inside the package."""
    location = path or os.environ.get(TEMPLATE_ENV) or str(_PACKAGE_TEMPLATE)
    return dict(json.loads(_read(location)))


@lru_cache
def _read(location: str) -> str:  # read once per container
    return Path(location).read_text()


def build_job_request(
    *,
    role_arn: str,
    source_s3_uri: str,
    destination_s3_prefix: str,
    film_id: str,
    upload_id: str,
    source_height: int | None = None,
    queue_arn: str | None = None,
    source_width: int | None = None,
    has_audio: bool = True,
    duration_seconds: float | None = None,
    accelerated: bool = False,
    tags: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The keyword arguments of `mediaconvert.create_job(**request)`.

    `destination_s3_prefix` is where the media bucket's tree starts (`s3://bucket` or
    `s3://bucket/root`): outputs go to `<prefix>/hls/<film_id>/<upload_id>/`. A prefix that
    already is that folder (ends with `hls/<film_id>/<upload_id>/`) is used as it is.

    Rungs taller and wider than the source are dropped (no upscaling); with an unknown size
    all four stay, and MediaConvert's default scaling then upscales a small source. Pass
    `has_audio=False` for a silent source: MediaConvert fails a job whose audio selector
    finds no track ("Audio track [1] not found in input container"). `duration_seconds`
    puts the poster at ~10% of the film, as locally; without it, at 10 s.
    """
    if not (_ID.match(film_id) and _ID.match(upload_id)):
        raise ValueError("film_id and upload_id must be 1..64 characters of [A-Za-z0-9_-]")
    for name, uri in (("source_s3_uri", source_s3_uri), ("destination_s3_prefix", destination_s3_prefix)):
        if not uri.startswith("s3://") or len(uri) <= len("s3://"):
            raise ValueError(f"{name} must be an s3:// URI")
    if not role_arn.startswith("arn:"):
        raise ValueError("role_arn must be an IAM role ARN")

    folder = destination_s3_prefix.rstrip("/") + "/"
    if not folder.endswith("/" + hls_prefix(film_id, upload_id)):
        folder += hls_prefix(film_id, upload_id)
    renditions = ladder_for(source_height, source_width=source_width)
    settings = load_template()
    source = settings["Inputs"][0]
    source["FileInput"] = source_s3_uri
    if not has_audio:
        source.pop("AudioSelectors", None)

    hls, poster = _group(settings, "HLS_GROUP_SETTINGS"), _group(settings, "FILE_GROUP_SETTINGS")
    hls["OutputGroupSettings"]["HlsGroupSettings"]["Destination"] = folder + MASTER_BASENAME
    hls["Outputs"] = [_hls_output(hls["Outputs"], r, has_audio=has_audio) for r in renditions]
    poster["OutputGroupSettings"]["FileGroupSettings"]["Destination"] = folder + POSTER_BASENAME
    frame = poster["Outputs"][0]["VideoDescription"]
    top = renditions[-1]
    frame["Width"], frame["Height"] = top.width, top.height
    capture = frame["CodecSettings"]["FrameCaptureSettings"]
    every = POSTER_DEFAULT_SECONDS if duration_seconds is None else poster_time(duration_seconds)
    capture.update(
        FramerateNumerator=1, FramerateDenominator=max(1, round(every)), MaxCaptures=POSTER_CAPTURES
    )

    request: dict[str, Any] = {
        "Role": role_arn,
        "Settings": settings,
        "UserMetadata": {"film_id": film_id, "upload_id": upload_id},
        # STATUS_UPDATE events (with jobPercentComplete) every 10 s feed the progress bar
        "StatusUpdateInterval": "SECONDS_10",
        # A retried ingest within a minute gets the same job back instead of a second one;
        # later retries are stopped by the upload's status, not by this token.
        "ClientRequestToken": upload_id if has_audio else f"{upload_id}-without-audio",
        "Tags": {"application": "cinema", "film_id": film_id, **(tags or {})},
    }
    if queue_arn:
        request["Queue"] = queue_arn
    if accelerated:  # PREFERRED falls back to normal transcoding when a job does not qualify
        request["AccelerationSettings"] = {"Mode": "PREFERRED"}
    return request


def _group(settings: dict[str, Any], kind: str) -> dict[str, Any]:
    for group in settings["OutputGroups"]:
        if group["OutputGroupSettings"]["Type"] == kind:
            return group
    raise ValueError(f"the job template has no {kind} output group")


def _hls_output(
    template_outputs: list[dict[str, Any]], rendition: Rendition, *, has_audio: bool
) -> dict[str, Any]:
    """The template output of this rung; a rung below the ladder (a tiny source) is the
    lowest one resized to it."""
    by_name = {o["NameModifier"].lstrip("_"): o for o in template_outputs}
    lowest = min(template_outputs, key=lambda o: o["VideoDescription"]["Height"])
    output = copy.deepcopy(by_name.get(rendition.name) or lowest)
    output["NameModifier"] = f"_{rendition.name}"
    video = output["VideoDescription"]
    video["Width"], video["Height"] = rendition.width, rendition.height
    h264 = video["CodecSettings"]["H264Settings"]
    h264["MaxBitrate"], h264["HrdBufferSize"] = rendition.max_bitrate, 2 * rendition.max_bitrate
    if has_audio:
        for audio in output.get("AudioDescriptions", []):
            audio["CodecSettings"]["AacSettings"]["Bitrate"] = rendition.audio_bitrate
    else:
        output.pop("AudioDescriptions", None)
    return output


def submit(client: Any, request: dict[str, Any]) -> str:
    """Creates the job (blocking: call it from a thread in async code); returns its id."""
    return str(client.create_job(**request)["Job"]["Id"])
