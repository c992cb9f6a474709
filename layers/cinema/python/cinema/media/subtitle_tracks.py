"""Subtitle tracks in the film's HLS: the master playlist rewritten after the transcode.

The choice: rewrite, not MediaConvert sidecar captions. MediaConvert could take each WebVTT
file as a sidecar caption selector and write the SUBTITLES group itself, but only at transcode
time: a subtitle uploaded, replaced or deleted later would need the whole film transcoded
again, and the local ffmpeg worker would need a second implementation of the same. Instead one
piece of code, `publish`, writes the tracks into whatever master playlist the transcoder made
(ffmpeg's `360p/index.m3u8` variants or MediaConvert's `master_360p.m3u8`: only the master's
`#EXT-X-STREAM-INF` lines are touched), and it runs
- after a transcode completes: the COMPLETE job state change, from EventBridge in AWS or from
  the local worker, both through `cinema.media.job_state_changes.handle` into
  `status_machine.apply`, which calls `after_transcode` once the upload's new state is
  committed (for a duplicate COMPLETE too: a retried event redoes a rewrite that failed);
- after a subtitle is uploaded or deleted, once the change is committed (for a film that has
  played nothing yet it does nothing: its COMPLETE will). S3 failing then answers the request
  503 although the row is kept: sending the same upload again (it replaces) publishes again.

In the media bucket, under the film's signed prefix `hls/<film>/`:

    hls/<film>/subtitles/<language>-<version>.vtt      the track as uploaded (SRT converted):
                                                       the `url` of GET /films/{id}/subtitles
    hls/<film>/<upload>/subs/<language>-<version>.vtt  beside the renditions: the same cues with
                                                       X-TIMESTAMP-MAP (below)
    hls/<film>/<upload>/subs/<language>-<version>.m3u8 a whole-file WebVTT media playlist
    hls/<film>/<upload>/master.m3u8                    + #EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",
                                                       each variant SUBTITLES="subs"

X-TIMESTAMP-MAP: HLS says a WebVTT file without it has cue time 0 at MPEG-TS time 0, but the
segments do not start there (ffmpeg starts at 1.4 s, MediaConvert where it likes); the map
states the first segment's presentation timestamp, read from the segment itself, so a cue at
00:00:05 shows five seconds into the film in hls.js and in Safari alike.

The CDN: playlists (`/media/hls/*.m3u8`) are cached by HlsPlaylistCachePolicy, 2 s by default
and at most 10 s, so a rewritten master reaches viewers within seconds without an invalidation;
the locally served ones say `max-age=2` (the local edge). WebVTT files fall under `/media/*`,
cached for a day or more (a year locally): they are never overwritten, a new upload of a
language gets a new `version` in its names, and what is no longer listed is deleted.
Players that loaded the master before a change keep the tracks they saw until they reload it.
"""

from __future__ import annotations

import logging
import math
import re
import uuid
from typing import Any, NamedTuple

from botocore.exceptions import ClientError

from cinema.core import db
from cinema.core.settings import get_settings
from cinema.media import repository as repo
from cinema.media import storage, subtitle_listing

log = logging.getLogger("cinema.media.subtitle_tracks")

GROUP = "subs"
FOLDER = "subs/"  # beside the renditions, inside the upload's folder
MASTER = "master.m3u8"
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
VTT_TYPE = "text/vtt; charset=utf-8"
TS_PROBE_BYTES = 188 * 400  # the first packets of a segment: enough to meet a PES header of each stream


class Track(NamedTuple):  # not a dataclass: it would compile its methods at each cold start
    language: str
    label: str
    version: str

    @property
    def name(self) -> str:
        return f"{self.language}-{self.version}"


# --- the playlists (pure) -------------------------------------------------------------------

_SUBTITLES_ATTRIBUTE = re.compile(r',?SUBTITLES="[^"]*"')


def _quoted(text: str) -> str:
    """An HLS quoted-string: no double quote, CR or LF inside."""
    return re.sub(r'["\r\n]', "'", text)


def with_tracks(master: str, tracks: list[Track]) -> str:
    """`master` listing exactly `tracks` (none: as the transcoder wrote it). Idempotent: the
    SUBTITLES renditions and attributes of an earlier rewrite are replaced, not added to."""
    lines = [
        line
        for line in master.replace("\r\n", "\n").split("\n")
        if not (line.startswith("#EXT-X-MEDIA:") and "TYPE=SUBTITLES" in line)
    ]
    names: set[str] = set()
    media = []
    for track in tracks:
        name = _quoted(track.label)
        if name in names:  # NAME is unique within a group
            name = f"{name} ({track.language})"
        names.add(name)
        media.append(
            f'#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="{GROUP}",NAME="{name}",LANGUAGE="{track.language}",'
            f'DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="{FOLDER}{track.name}.m3u8"'
        )
    out: list[str] = []
    for line in lines:
        if line.startswith("#EXT-X-STREAM-INF:"):
            if media:
                out += media
                media = []
            variant = _SUBTITLES_ATTRIBUTE.sub("", line)
            out.append(variant + f',SUBTITLES="{GROUP}"' if tracks else variant)
        else:
            out.append(line)
    return "\n".join(out)  # the transcoder's own line ends kept: no track, no change


def media_playlist(track: Track, duration_seconds: float) -> str:
    """The whole WebVTT file as the one segment of a VOD playlist."""
    duration = max(duration_seconds, 1.0)
    return (
        "#EXTM3U\n#EXT-X-VERSION:3\n"
        f"#EXT-X-TARGETDURATION:{math.ceil(duration)}\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n"
        f"#EXTINF:{duration:.3f},\n{track.name}.vtt\n#EXT-X-ENDLIST\n"
    )


def with_timestamp_map(vtt: str, mpegts: int | None) -> str:
    """The WebVTT file with its cue time 0 at MPEG-TS time `mpegts` (90 kHz); unchanged when
    the segments' start is unknown."""
    if mpegts is None:
        return vtt
    first, _, rest = vtt.partition("\n")
    header = [line for line in rest.split("\n\n", 1)[0].split("\n") if line.startswith("X-TIMESTAMP-MAP=")]
    if header:  # already mapped (uploaded so): kept as the uploader meant it
        return vtt
    return f"{first}\nX-TIMESTAMP-MAP=MPEGTS:{mpegts},LOCAL:00:00:00.000\n{rest}"


def first_pts(segment: bytes) -> int | None:
    """The earliest presentation timestamp among the first PES packets of an MPEG-TS segment
    (one per elementary stream), None if it is not MPEG-TS."""
    found: dict[int, int] = {}
    for offset in range(0, len(segment) - 187, 188):
        packet = segment[offset : offset + 188]
        if packet[0] != 0x47:
            return min(found.values()) if found else None
        if not packet[1] & 0x40:  # payload_unit_start_indicator
            continue
        pid = ((packet[1] & 0x1F) << 8) | packet[2]
        control = (packet[3] >> 4) & 0x3
        start = 4
        if control in (2, 3):
            start += 1 + packet[4]
        if control == 2 or pid in found or start + 14 > 188:
            continue
        pes = packet[start:]
        if pes[:3] != b"\x00\x00\x01" or not (0xC0 <= pes[3] <= 0xEF) or not pes[7] & 0x80:
            continue
        p = pes[9:14]
        found[pid] = (
            ((p[0] >> 1) & 0x07) << 30
            | p[1] << 22
            | ((p[2] >> 1) & 0x7F) << 15
            | p[3] << 7
            | (p[4] >> 1) & 0x7F
        )
    return min(found.values()) if found else None


def _first_variant(master: str) -> str | None:
    """The URI of the master's first variant playlist, relative to the master."""
    lines = master.split("\n")
    for index, line in enumerate(lines):
        if line.startswith("#EXT-X-STREAM-INF:") and index + 1 < len(lines):
            return lines[index + 1].strip()
    return None


def _join(base_key: str, relative: str) -> str:
    folder = base_key.rsplit("/", 1)[0]
    parts = folder.split("/")
    for piece in relative.split("/"):
        if piece == "..":
            parts.pop()
        elif piece not in ("", "."):
            parts.append(piece)
    return "/".join(parts)


# --- publishing -----------------------------------------------------------------------------


async def publish(film_id: uuid.UUID) -> bool:
    """Writes the film's tracks into the HLS of the upload it plays; False when nothing plays
    yet (the transcode's COMPLETE will publish them)."""
    async with db.reading() as session:
        upload = await repo.playing_upload(session, film_id)
        rows = await repo.subtitle_tracks(session, film_id)
    if upload is None:
        return False
    tracks = [Track(row.language, row.label, row.version) for row in rows]
    prefix = f"hls/{film_id}/{upload.id}/"
    duration = float(upload.duration_seconds or 0)
    written = await storage.in_thread(lambda: _write(film_id, prefix, tracks, duration))
    if written:
        log.info("film %s: %d subtitle track(s) in the master of upload %s", film_id, len(tracks), upload.id)
    else:  # a row says it plays, the bucket has no master: nothing to list the tracks in
        log.warning("film %s: no master playlist under %s: subtitle tracks not published", film_id, prefix)
    return written


async def after_transcode(upload_id: uuid.UUID) -> None:
    """After a COMPLETE: the tracks into the new master, if that upload is what the film plays
    and the film has tracks (a film without subtitles costs one query, no S3 call)."""
    async with db.reading() as session:
        upload = await repo.get_upload(session, upload_id)
        if upload is None:
            return
        playing = await repo.playing_upload(session, upload.film_id)
        if (
            playing is None
            or playing.id != upload.id
            or not await repo.subtitle_tracks(session, upload.film_id)
        ):
            return
    await publish(upload.film_id)


def _write(film_id: uuid.UUID, prefix: str, tracks: list[Track], duration: float) -> bool:
    """Blocking (a worker thread): the subtitle files and playlists, then the master, then the
    files no longer listed are deleted. False when there is no master to write them into."""
    client, bucket = storage.s3_client(), get_settings().media_bucket
    try:
        master = _get(client, bucket, prefix + MASTER).decode("utf-8")
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return False
        raise
    mpegts = _segments_start(client, bucket, prefix + MASTER, master) if tracks else None
    for track in tracks:
        vtt = _get(
            client, bucket, subtitle_listing.source_key(film_id, track.language, track.version)
        ).decode("utf-8")
        end = _last_cue_end(vtt)
        _put(client, bucket, f"{prefix}{FOLDER}{track.name}.vtt", with_timestamp_map(vtt, mpegts), VTT_TYPE)
        playlist = media_playlist(track, duration or end)
        _put(client, bucket, f"{prefix}{FOLDER}{track.name}.m3u8", playlist, PLAYLIST_TYPE)
    _put(client, bucket, prefix + MASTER, with_tracks(master, tracks), PLAYLIST_TYPE)
    wanted = {f"{prefix}{FOLDER}{track.name}.{ext}" for track in tracks for ext in ("vtt", "m3u8")}
    listed = client.list_objects_v2(Bucket=bucket, Prefix=prefix + FOLDER).get("Contents", [])
    for item in listed:
        if item["Key"] not in wanted:
            client.delete_object(Bucket=bucket, Key=item["Key"])
    return True


def _get(client: Any, bucket: str, key: str, byte_range: str | None = None) -> bytes:
    extra = {"Range": byte_range} if byte_range else {}
    body = client.get_object(Bucket=bucket, Key=key, **extra)["Body"]
    try:
        return bytes(body.read())
    finally:
        body.close()


def _put(client: Any, bucket: str, key: str, text: str, content_type: str) -> None:
    client.put_object(Bucket=bucket, Key=key, Body=text.encode("utf-8"), ContentType=content_type)


def _segments_start(client: Any, bucket: str, master_key: str, master: str) -> int | None:
    """The first PTS of the first segment of the first variant (all variants start together)."""
    variant = _first_variant(master)
    if variant is None:
        return None
    variant_key = _join(master_key, variant.split("?")[0])
    playlist = _get(client, bucket, variant_key).decode("utf-8")
    segment = next(
        (line.strip() for line in playlist.split("\n") if line.strip() and not line.startswith("#")), None
    )
    if segment is None or not segment.split("?")[0].endswith(".ts"):
        return None  # fMP4 or none: no map, cue time 0 is the media's time 0 there
    head = _get(client, bucket, _join(variant_key, segment.split("?")[0]), f"bytes=0-{TS_PROBE_BYTES - 1}")
    return first_pts(head)


_CUE_END = re.compile(r"-->\s*(?:(\d+):)?(\d\d):(\d\d)\.(\d{3})")


def _last_cue_end(vtt: str) -> float:
    ends = [
        int(h or 0) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000 for h, m, s, ms in _CUE_END.findall(vtt)
    ]
    return max(ends, default=1.0)
