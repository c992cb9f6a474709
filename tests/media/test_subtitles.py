"""Subtitles through the public surface: admins upload WebVTT or SRT per language, anyone lists
them, viewers fetch them through the signed edge, and the film's HLS master lists them as a
SUBTITLES group after a subtitle change and after a transcode completes, in both shapes (the
local worker's job event and MediaConvert's own COMPLETE event, over the moto S3 bucket)."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from tests.media_rows import insert_upload

from cinema.core.settings import get_settings
from cinema.local.demo_media import make_test_clip
from cinema.local.media_worker import events
from cinema.local.media_worker.ffmpeg import transcode
from cinema.media import job_state_changes, storage, subtitle_tracks
from cinema.media.ladder import ladder_for

API = "/api/v1"
EVENTS = Path(__file__).parents[1] / "events"
SECONDS = 4

VTT = b"""WEBVTT

intro
00:00:00.500 --> 00:00:03.900 line:90%
Hello, <i>subtitles</i>!

00:01.000 --> 00:02.000
Second cue
"""
SRT = (
    '1\r\n00:00:00,500 --> 00:00:03,900\r\n<font color="#ff0">Привет</font>, субтитры!\r\n\r\n'
    "7\r\n00:00:02,000 --> 00:00:03,250\r\nВторая строка\r\nи третья\r\n"
).encode()


# --- helpers ---------------------------------------------------------------------------------


async def upload(
    client: httpx.AsyncClient,
    account: Any,
    film_id: str,
    data: bytes,
    *,
    language: str = "en",
    label: str = "English",
    filename: str = "subs.vtt",
) -> httpx.Response:
    return await client.post(
        f"{API}/admin/films/{film_id}/subtitles",
        data={"language": language, "label": label},
        files={"file": (filename, data, "application/octet-stream")},
        headers=account.auth if account else {},
    )


def _edge_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


async def fetch(client: httpx.AsyncClient, url: str, cookies: dict[str, str] | None = None) -> httpx.Response:
    """A GET through the local edge, as the viewer's browser sends it (query or cookies)."""
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
    return await client.get(_edge_path(url), headers=headers)


def parse_master(text: str) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(SUBTITLES renditions, variant streams) of a master playlist, attributes parsed."""
    assert text.startswith("#EXTM3U")

    def attributes(line: str) -> dict[str, str]:
        found = re.findall(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)', line.split(":", 1)[1])
        return {key: value.strip('"') for key, value in found}

    lines = text.splitlines()
    media = [attributes(line) for line in lines if line.startswith("#EXT-X-MEDIA:")]
    variants = [
        attributes(line) | {"uri": lines[index + 1]}
        for index, line in enumerate(lines)
        if line.startswith("#EXT-X-STREAM-INF:")
    ]
    return [m for m in media if m.get("TYPE") == "SUBTITLES"], variants


@pytest.fixture(scope="module")
def hls_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real HLS ladder of a short clip, as the local worker's ffmpeg writes it."""
    work = tmp_path_factory.mktemp("subs-hls")
    clip = work / "clip.mp4"
    make_test_clip(clip, seconds=SECONDS, size="640x360", preset="ultrafast")
    transcode(clip, work / "out", ladder_for(360, max_rungs=1))
    return work / "out"


def put_tree(folder: Path, prefix: str) -> None:
    client, bucket = storage.s3_client(), get_settings().media_bucket
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            client.upload_file(str(path), bucket, prefix + path.relative_to(folder).as_posix())


def mediaconvert_tree(local: Path, work: Path) -> Path:
    """The same ladder in MediaConvert's layout: one folder, names with NameModifiers."""
    out = work / "mediaconvert"
    out.mkdir()
    master = (local / "master.m3u8").read_text()
    for rendition in (p.name for p in local.iterdir() if p.is_dir()):
        playlist = (local / rendition / "index.m3u8").read_text()
        for segment in sorted((local / rendition).glob("seg_*.ts")):
            number = segment.stem.split("_")[1]
            name = f"master_{rendition}_{number}.ts"
            shutil.copy(segment, out / name)
            playlist = playlist.replace(segment.name, name)
        (out / f"master_{rendition}.m3u8").write_text(playlist)
        master = master.replace(f"{rendition}/index.m3u8", f"master_{rendition}.m3u8")
    (out / "master.m3u8").write_text(master)
    return out


def s3_text(key: str) -> str:
    body = storage.s3_client().get_object(Bucket=get_settings().media_bucket, Key=key)["Body"]
    return body.read().decode()


def s3_keys(prefix: str) -> list[str]:
    listed = storage.s3_client().list_objects_v2(Bucket=get_settings().media_bucket, Prefix=prefix)
    return sorted(item["Key"] for item in listed.get("Contents", []))


@pytest.fixture
async def film(catalog) -> dict[str, Any]:
    return await catalog.film(title="Subtitled", access="free", duration_seconds=SECONDS)


@pytest.fixture
async def playing(film, hls_tree) -> dict[str, Any]:
    """The film with a finished transcode in the bucket, which it plays."""
    upload_id = await insert_upload(film["id"], ready=True, duration=SECONDS)
    put_tree(hls_tree, f"hls/{film['id']}/{upload_id}/")
    return film | {"upload_id": str(upload_id)}


# --- the API ---------------------------------------------------------------------------------


async def test_vtt_and_srt_are_stored_listed_and_served_signed(client, admin, viewer, playing):
    film_id = playing["id"]
    vtt = await upload(client, admin, film_id, VTT, language="EN", label="English")
    srt = await upload(client, admin, film_id, SRT, language="ru", label="Русский", filename="ru.srt")
    assert (vtt.status_code, srt.status_code) == (201, 201), (vtt.text, srt.text)
    assert vtt.json()["language"] == "en"  # canonical case
    listed = await client.get(f"{API}/films/{film_id}/subtitles")  # anyone
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert [(i["language"], i["label"]) for i in items] == [("en", "English"), ("ru", "Русский")]
    assert all(f"/media/hls/{film_id}/subtitles/" in i["url"] for i in items)

    ru_url = items[1]["url"]
    assert (await fetch(client, ru_url)).status_code == 403  # signed like the renditions
    play = (await client.get(f"{API}/films/{film_id}/play", headers=viewer.auth)).json()
    served = await fetch(client, ru_url, play["cookies"])
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("text/vtt")
    # SRT converted: the signature line, dots for commas, cues renumbered 1..n, <font> dropped
    assert served.text == (
        "WEBVTT\n\n1\n00:00:00.500 --> 00:00:03.900\nПривет, субтитры!\n\n"
        "2\n00:00:02.000 --> 00:00:03.250\nВторая строка\nи третья\n"
    )
    en = await fetch(client, items[0]["url"], play["cookies"])
    assert en.text == VTT.decode()  # valid WebVTT is kept as written


@pytest.mark.parametrize(
    "case",
    [
        (b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\n00:00:03.000 --> 00:00:61.000\nbad\n", 6, "timing"),
        (b"WEBVTT\n\n00:00:01,000 --> 00:00:02,000\ncomma\n", 3, "timing"),
        (b"WEBVTT\n\nan id\nno timing here\n", 4, "timing"),
        (b"WEBVTT\n\n00:00:05.000 --> 00:00:02.000\nbackwards\n", 3, "ends before"),
        (b"1\n00:00:01,000 --> 00:00:02,000\nfine\n\n2\n00:00:03,000 -> 00:00:04,000\nbroken\n", 6, "timing"),
        (
            b"1\n00:00:01,000 --> 00:00:02,000\nno blank line\n2\n00:00:03,000 --> 00:00:04,000\nx\n",
            5,
            "blank",
        ),
        (b"Just some text\nthat is not subtitles\n", 1, "expected"),
        (b"1\n00:00:01,000 --> 00:00:02,000\n\xcf\xf0\xe8\xe2\xe5\xf2 in cp1251\n", 3, "UTF-8"),
    ],
)
async def test_a_bad_file_is_refused_with_the_line_that_is_wrong(client, admin, film, case):
    data, line, words = case
    response = await upload(client, admin, film["id"], data)
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "file"]
    assert error["msg"].startswith(f"line {line}: "), error
    assert words in error["msg"]
    assert (await client.get(f"{API}/films/{film['id']}/subtitles")).json()["items"] == []


async def test_size_language_and_label_rules(client, admin, film):
    cue = b"00:00:01.000 --> 00:00:02.000\n" + b"x" * 60 + b"\n\n"
    big = b"WEBVTT\n\n" + cue * (1_000_000 // len(cue) + 1)
    assert 1_000_000 < len(big) < 1_048_576 - 1000  # over 1 MB, under the API's body cap
    assert (await upload(client, admin, film["id"], big)).status_code == 413
    huge = b"WEBVTT\n\n" + cue * (2_000_000 // len(cue))
    assert (await upload(client, admin, film["id"], huge)).status_code == 413  # the body cap
    just = b"WEBVTT\n\n" + cue * ((1_000_000 - 8) // len(cue))
    assert (await upload(client, admin, film["id"], just)).status_code == 201

    for language in ("english", "en_US", "qq", "e", "en-", "x-private", "a" * 40, "en/../ru", " en", "en\n"):
        response = await upload(client, admin, film["id"], VTT, language=language)
        assert response.status_code == 422, (language, response.text)
        assert response.json()["detail"][0]["loc"][-1] == "language", response.text
    for language, canonical in (("pt-br", "pt-BR"), ("ZH-hant-tw", "zh-Hant-TW"), ("es-419", "es-419")):
        response = await upload(client, admin, film["id"], VTT, language=language, label=language)
        assert (response.status_code, response.json()["language"]) == (201, canonical)
    for label in ("", "   ", "bell\x07", "x" * 101):
        response = await upload(client, admin, film["id"], VTT, language="de", label=label)
        assert response.status_code == 422, (label, response.text)


async def test_who_may_upload_and_delete(client, accounts, admin, viewer, film):
    moderator = await accounts.create("moderator")
    for account, status in ((None, 401), (viewer, 403), (moderator, 403)):
        assert (await upload(client, account, film["id"], VTT)).status_code == status
    assert (await upload(client, admin, film["id"], VTT)).status_code == 201
    for account, status in ((None, 401), (viewer, 403), (moderator, 403)):
        headers = account.auth if account else {}
        deleted = await client.delete(f"{API}/admin/films/{film['id']}/subtitles/en", headers=headers)
        assert deleted.status_code == status
    assert len((await client.get(f"{API}/films/{film['id']}/subtitles")).json()["items"]) == 1


async def test_replace_delete_and_unknown_films(client, admin, viewer, catalog, playing):
    film_id = playing["id"]
    await upload(client, admin, film_id, VTT, label="English (old)")
    old_url = (await client.get(f"{API}/films/{film_id}/subtitles")).json()["items"][0]["url"]
    replaced = await upload(client, admin, film_id, SRT, language="en", label="English")
    assert replaced.status_code == 201
    (item,) = (await client.get(f"{API}/films/{film_id}/subtitles")).json()["items"]
    assert item["label"] == "English"
    assert item["url"] != old_url  # a new name: the CDN's copy is not stale
    play = (await client.get(f"{API}/films/{film_id}/play", headers=viewer.auth)).json()
    assert (await fetch(client, old_url, play["cookies"])).status_code == 404  # the old file is gone
    assert "Привет" in (await fetch(client, item["url"], play["cookies"])).text

    path = f"{API}/admin/films/{film_id}/subtitles"
    assert (await client.delete(f"{path}/EN", headers=admin.auth)).status_code == 204
    assert (await client.delete(f"{path}/en", headers=admin.auth)).status_code == 404
    assert (await client.get(f"{API}/films/{film_id}/subtitles")).json()["items"] == []
    assert (await fetch(client, item["url"], play["cookies"])).status_code == 404
    assert s3_keys(f"hls/{film_id}/subtitles/") == []

    unknown = uuid.uuid4()
    assert (await upload(client, admin, str(unknown), VTT)).status_code == 404
    assert (await upload(client, admin, str(unknown), b"junk", language="no such")).status_code == 404
    assert (await client.get(f"{API}/films/{unknown}/subtitles")).status_code == 404
    assert (
        await client.delete(f"{API}/admin/films/{unknown}/subtitles/en", headers=admin.auth)
    ).status_code == 404
    draft = await catalog.film(title="Draft", publish=False)
    assert (await upload(client, admin, draft["id"], VTT)).status_code == 201
    assert (await client.get(f"{API}/films/{draft['id']}/subtitles")).status_code == 404  # drafts: staff only
    staff_view = await client.get(f"{API}/films/{draft['id']}/subtitles", headers=admin.auth)
    assert len(staff_view.json()["items"]) == 1


# --- HLS ---------------------------------------------------------------------------------------


async def test_the_signed_master_lists_the_tracks_and_the_cues_come_through_the_edge(
    client, admin, viewer, playing, hls_tree
):
    film_id, upload_id = playing["id"], playing["upload_id"]
    assert (await upload(client, admin, film_id, VTT, label="English")).status_code == 201
    assert (await upload(client, admin, film_id, SRT, language="ru", label="Русский")).status_code == 201

    play = (await client.get(f"{API}/films/{film_id}/play", headers=viewer.auth)).json()
    master = await fetch(client, play["manifest_url"])  # the signed query form
    assert master.status_code == 200
    subtitles, variants = parse_master(master.text)
    assert [(s["GROUP-ID"], s["LANGUAGE"], s["NAME"]) for s in subtitles] == [
        ("subs", "en", "English"),
        ("subs", "ru", "Русский"),
    ]
    assert all(s["DEFAULT"] == "NO" and s["AUTOSELECT"] == "YES" for s in subtitles)
    assert variants
    assert all(v["SUBTITLES"] == "subs" for v in variants)
    assert [v["uri"] for v in variants] == ["360p/index.m3u8"]  # the renditions are untouched

    base = play["manifest_url"].split("?")[0].rsplit("/", 1)[0]
    playlist = await fetch(client, f"{base}/{subtitles[1]['URI']}", play["cookies"])
    assert playlist.status_code == 200
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in playlist.text
    assert "#EXT-X-ENDLIST" in playlist.text
    assert f"#EXTINF:{SECONDS:.3f}," in playlist.text  # the film's duration: one whole-file segment
    vtt_name = next(line for line in playlist.text.splitlines() if line.endswith(".vtt"))
    folder = subtitles[1]["URI"].rsplit("/", 1)[0]
    cues = await fetch(client, f"{base}/{folder}/{vtt_name}", play["cookies"])
    assert cues.status_code == 200
    assert "Привет, субтитры!" in cues.text
    # cue time 0 is the first segment's first timestamp (ffmpeg starts MPEG-TS at 1.4 s)
    mapped = re.search(r"^X-TIMESTAMP-MAP=MPEGTS:(\d+),LOCAL:00:00:00.000$", cues.text, re.M)
    assert mapped is not None, cues.text
    first = (hls_tree / "360p" / "seg_00001.ts").read_bytes()
    assert int(mapped[1]) == subtitle_tracks.first_pts(first)
    assert 0 < int(mapped[1]) < 10 * 90_000
    assert (await fetch(client, f"{base}/{folder}/{vtt_name}")).status_code == 403  # unsigned

    assert (
        await client.delete(f"{API}/admin/films/{film_id}/subtitles/ru", headers=admin.auth)
    ).status_code == 204
    subtitles, variants = parse_master((await fetch(client, play["manifest_url"])).text)
    assert [s["LANGUAGE"] for s in subtitles] == ["en"]
    kept = f"hls/{film_id}/{upload_id}/{subtitles[0]['URI'].removesuffix('.m3u8')}"
    assert s3_keys(f"hls/{film_id}/{upload_id}/subs/") == [f"{kept}.m3u8", f"{kept}.vtt"]  # ru's are gone
    await client.delete(f"{API}/admin/films/{film_id}/subtitles/en", headers=admin.auth)
    master = await fetch(client, play["manifest_url"])
    assert master.text == (hls_tree / "master.m3u8").read_text()  # as the transcoder wrote it
    assert s3_keys(f"hls/{film_id}/{upload_id}/subs/") == []


async def test_the_local_workers_completion_writes_the_tracks_into_the_new_master(
    client, admin, film, hls_tree
):
    """Subtitles uploaded before any video: the transcode's COMPLETE (the local worker's event)
    puts them into the master it made."""
    assert (await upload(client, admin, film["id"], VTT)).status_code == 201
    upload_id = await insert_upload(film["id"])  # uploaded, transcoding about to run
    prefix = f"hls/{film['id']}/{upload_id}/"
    put_tree(hls_tree, prefix)
    event = events.job_state_change(
        upload_id=upload_id,
        film_id=uuid.UUID(film["id"]),
        job_id="local-1",
        status="COMPLETE",
        renditions=[{"height": 360, "bitrate": 600_000}],
        duration_ms=SECONDS * 1000,
    )
    assert (await job_state_changes.handle(event))["applied"] is True
    subtitles, variants = parse_master(s3_text(prefix + "master.m3u8"))
    assert [s["LANGUAGE"] for s in subtitles] == ["en"]
    assert all(v["SUBTITLES"] == "subs" for v in variants)
    # a duplicate COMPLETE (EventBridge delivers at least once) leaves the same master
    before = s3_text(prefix + "master.m3u8")
    assert (await job_state_changes.handle(event))["applied"] is False
    assert s3_text(prefix + "master.m3u8") == before


async def test_mediaconverts_complete_event_writes_the_same_master(client, admin, film, hls_tree, tmp_path):
    """The AWS shape: MediaConvert's layout (one folder, NameModifiers) and its own COMPLETE
    event JSON, handled by the media-status code over the (moto) S3 bucket."""
    assert (await upload(client, admin, film["id"], SRT, language="ru", label="Русский")).status_code == 201
    upload_id = await insert_upload(film["id"])
    prefix = f"hls/{film['id']}/{upload_id}/"
    put_tree(mediaconvert_tree(hls_tree, tmp_path), prefix)
    raw = (EVENTS / "mediaconvert_complete.json").read_text()
    event = json.loads(raw.replace("FILM_ID", film["id"]).replace("UPLOAD_ID", str(upload_id)))
    assert (await job_state_changes.handle(event))["applied"] is True

    master = s3_text(prefix + "master.m3u8")
    subtitles, variants = parse_master(master)
    assert [(s["LANGUAGE"], s["NAME"], s["GROUP-ID"]) for s in subtitles] == [("ru", "Русский", "subs")]
    assert [v["uri"] for v in variants] == ["master_360p.m3u8"]
    assert variants[0]["SUBTITLES"] == "subs"
    local_master = (hls_tree / "master.m3u8").read_text().replace("360p/index.m3u8", "master_360p.m3u8")
    track = subtitle_tracks.Track("ru", "Русский", _version(subtitles[0]))
    assert master == subtitle_tracks.with_tracks(local_master, [track])  # the same code as locally
    vtt = s3_text(prefix + subtitles[0]["URI"].replace(".m3u8", ".vtt"))
    first = (hls_tree / "360p" / "seg_00001.ts").read_bytes()
    assert f"X-TIMESTAMP-MAP=MPEGTS:{subtitle_tracks.first_pts(first)}," in vtt
    assert "Вторая строка" in vtt


def _version(rendition: dict[str, str]) -> str:
    return rendition["URI"].rsplit("/", 1)[1].removesuffix(".m3u8").split("-", 1)[1]


async def test_two_first_uploads_at_once_and_a_film_whose_master_is_missing(client, admin, catalog):
    """Two admins upload the same new language at once: one track, no 500. A film whose
    playing upload has no master in the bucket takes subtitles all the same (nothing to list
    them in until a transcode writes one)."""
    film = await catalog.film(title="No master", access="free")
    await insert_upload(film["id"], ready=True)  # a row that plays, no files
    first, second = await asyncio.gather(
        upload(client, admin, film["id"], VTT, label="One"),
        upload(client, admin, film["id"], SRT, label="Two"),
    )
    assert (first.status_code, second.status_code) == (201, 201), (first.text, second.text)
    (item,) = (await client.get(f"{API}/films/{film['id']}/subtitles")).json()["items"]
    assert item["label"] in ("One", "Two")


async def test_s3_failing_after_the_commit_says_so_and_a_resend_publishes(
    client, admin, viewer, playing, monkeypatch: pytest.MonkeyPatch
):
    """The file is stored and the row committed, then S3 goes away before the master is
    rewritten: a 503 that says the subtitles are saved; sending the same upload again lists them."""
    from tests.media.test_storage_outage import _unreachable_s3  # noqa: PLC0415

    real_put = storage.put_bytes

    async def put_then_lose_s3(*args: Any, **kwargs: Any) -> None:
        await real_put(*args, **kwargs)
        monkeypatch.setattr(storage, "s3_client", _unreachable_s3)

    monkeypatch.setattr(storage, "put_bytes", put_then_lose_s3)
    failed = await upload(client, admin, playing["id"], VTT)
    assert failed.status_code == 503, failed.text
    assert "saved" in failed.json()["detail"]
    assert failed.headers["Retry-After"]
    monkeypatch.undo()
    assert len((await client.get(f"{API}/films/{playing['id']}/subtitles")).json()["items"]) == 1

    assert (await upload(client, admin, playing["id"], VTT)).status_code == 201
    play = (await client.get(f"{API}/films/{playing['id']}/play", headers=viewer.auth)).json()
    subtitles, _ = parse_master((await fetch(client, play["manifest_url"])).text)
    assert [s["LANGUAGE"] for s in subtitles] == ["en"]
