"""S3 unreachable (its server killed mid-load): staff uploads answer 503 with Retry-After and
leave nothing half-made in the database; viewers keep playing the films they were watching.

Playback needs no S3 call from the API (/play signs locally). The segments come through the
CDN: in AWS CloudFront keeps serving what it has cached (and a stale copy when the origin
fails); locally the edge does the same with what it served before the outage."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from tests.faults.conftest import API, BUCKETS, Answer, FaultPlatform, ok, run_loads, viewer_mix

from cinema.local.services.s3_server import s3_client, snapshot

UPLOAD = {"filename": "next.mp4", "content_type": "video/mp4", "size_bytes": 1_000_000}


def _stage(platform: FaultPlatform) -> tuple[str, str]:
    """A draft film with an open upload; every HLS file of the ready film fetched once through
    the edge (viewers were watching it); S3's objects snapshotted for the server that replaces
    the killed one."""
    film = platform.staff.http.post(
        f"{API}/admin/films", json={"title": "Черновик", "year": 2026, "duration_seconds": 60}
    )
    assert film.status_code == 201, film.text
    opened = platform.staff.http.post(f"{API}/admin/films/{film.json()['id']}/upload", json=UPLOAD)
    assert opened.status_code == 201, opened.text
    for url in platform.hls:
        assert httpx.get(url, timeout=30).status_code == 200
    endpoint = f"http://127.0.0.1:{platform.port('s3')}"
    snapshot(s3_client(endpoint, "eu-central-1"), platform.data_dir / "s3", BUCKETS)
    return film.json()["id"], opened.json()["upload_id"]


def _uploads(platform: FaultPlatform) -> list[tuple[Any, ...]]:
    return platform.sql("SELECT id::text, status::text FROM media_uploads ORDER BY id")


def _playback_lane(platform: FaultPlatform) -> list[tuple[str, Any]]:
    async def segment(http: httpx.AsyncClient, n: int) -> httpx.Response:
        return await http.get(platform.hls[n % len(platform.hls)])

    return [*viewer_mix(platform), ("hls", segment), ("hls", segment), ("hls", segment)]


async def _staff_during_outage(
    platform: FaultPlatform, film_id: str, upload_id: str, after: float
) -> list[Answer]:
    """What the staff's page does while S3 is down: start an upload, resume the open one,
    complete it, abort it."""
    await asyncio.sleep(after)
    base = f"{API}/admin/films/{film_id}/upload"
    complete = {"upload_id": upload_id, "parts": [{"part_number": 1, "etag": '"0123456789abcdef"'}]}
    answers = []
    async with httpx.AsyncClient(
        base_url=platform.base, headers=platform.staff.http.headers, timeout=60
    ) as http:
        for route, call in [
            ("start", lambda: http.post(base, json=UPLOAD)),
            ("resume", lambda: http.get(f"{base}/{upload_id}")),
            ("complete", lambda: http.post(f"{base}/complete", json=complete)),
            ("abort", lambda: http.delete(f"{base}/{upload_id}")),
        ]:
            started = time.monotonic()
            answer = await call()
            answers.append(Answer(route, answer.status_code, 0, time.monotonic() - started, answer.text))
            assert answer.status_code == 503, (route, answer.status_code, answer.text)
            assert int(answer.headers["Retry-After"]) > 0, route
            assert "storage" in answer.json()["detail"], answer.text
    return answers


async def test_uploads_answer_503_and_playback_goes_on_without_s3(platform: FaultPlatform) -> None:
    film_id, upload_id = _stage(platform)
    before = _uploads(platform)
    kill = (1.0, "kill", lambda: platform.kill("s3"))

    try:
        result, staff = await asyncio.gather(
            run_loads(platform.base, [(_playback_lane(platform), 8)], seconds=5, faults=[kill]),
            _staff_during_outage(platform, film_id, upload_id, after=2.0),
        )
    finally:
        platform.revive_s3()

    ok(result)
    assert result.after("kill", "hls"), result.summary()
    assert result.after("kill", "play"), result.summary()
    assert max(a.took for a in staff) < 10, staff
    assert _uploads(platform) == before  # nothing started, completed or aborted
