"""Issue 12, point 4: no request path and no async task blocks the event loop.

The app runs in process on the test's loop with asyncio's debug instrumentation: every loop
step (a task's step, a callback) that takes longer than `BOUND_S` is logged by asyncio as
"Executing <handle> took X seconds", and the test fails on any such step. Meanwhile every
synchronous dependency the paths touch is made slow (`SLOW_S`, in the thread that calls it):

- S3 (moto's server): each request, and the build of each boto3 client (S3, SES, MediaConvert);
  presigning (1000 part URLs: the largest upload), a little per URL;
- SES and MediaConvert: answered by botocore's before-send hook, after `SLOW_S`;
- Stripe: the local Stripe (cinema.local.stripe_emulator.fake) behind an SDK HTTP client that waits
  `SLOW_S` before each request;
- the mail outbox's disk, and the MediaConvert job template's read.

A path that makes one of these calls on the loop holds the loop for at least `SLOW_S` (1.2 s)
in one step: twice the bound (0.6 s). The bound is well above the slowest step seen without
such a call on the 2 shared, noisy cores the tests run on: ~0.06-0.09 s (the first requests
through a cold app), 0.17 s and once 0.31 s (a clean-clone `.ci/run`, whose bound was then
0.3 s) under coverage, as `make test` runs it; most steps take a few ms. (Put back, each
blocking call this test was written for made a 1.2-2.4 s step.) The paths: media upload start (1000 parts) / resume / abort / complete,
media-ingest with MediaConvert, checkout through the local Stripe, password-reset mail (SES
and the outbox), the live hooks (publish, update, publish-done), the recording's storage and
its ingest, live and VOD /play.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
import stripe
from botocore.awsrequest import AWSResponse
from tests.live.test_live_api import HOOK_SECRET, form, hook
from tests.media_rows import insert_upload
from tests.payments.conftest import FAKE, STRIPE_KEY, SUCCESS_URL, WEB_APP, AsgiHttpClient

from cinema.core.settings import get_settings
from cinema.live import replay
from cinema.local.media_worker.events import s3_object_created_event
from cinema.mail import mailer
from cinema.mail.outbox import OutboxMailer
from cinema.media import ingest, mediaconvert, pipeline, storage, transcoder
from cinema.payments.stripe_gateway import StripeGateway, provider

pytestmark = pytest.mark.alone  # judges time: run alone, as the other latency tests are

API = "/api/v1"
MIB = 1024 * 1024
BOUND_S = 0.6  # the longest one loop step may take
SLOW_S = 1.2  # each slow dependency's delay: a blocked loop step takes at least this
BIG_UPLOAD = 1000 * 8 * MIB  # 1000 parts of 8 MiB: the most URLs one answer presigns


class SlowSyncWorld:
    """Every synchronous dependency, slowed down in the thread that calls it; what it saw."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seen: list[str] = []
        self.lock = threading.Lock()
        real_client = boto3.client

        def slow_client(service: str, *args: Any, **kwargs: Any) -> Any:
            self.note(f"build {service}")
            time.sleep(SLOW_S)
            built = real_client(service, *args, **kwargs)
            built.meta.events.register("before-send", self._before_send)
            built.meta.events.register("before-sign.s3.UploadPart", self._before_presign)
            return built

        monkeypatch.setattr(boto3, "client", slow_client)
        real_read = mediaconvert._read

        def slow_read(location: str) -> str:
            self.note("read job template")
            time.sleep(SLOW_S)
            return real_read(location)

        monkeypatch.setattr(mediaconvert, "_read", slow_read)
        real_write = OutboxMailer._write

        def slow_write(outbox: OutboxMailer, mail: mailer.Mail) -> None:
            self.note("outbox write")
            time.sleep(SLOW_S)
            real_write(outbox, mail)

        monkeypatch.setattr(OutboxMailer, "_write", slow_write)

    def note(self, what: str) -> None:
        with self.lock:
            self.seen.append(what)

    def _before_send(self, request: Any, event_name: str, **_: Any) -> AWSResponse | None:
        _, service, operation = event_name.split(".")
        self.note(f"{service} {operation}")
        time.sleep(SLOW_S)
        if service == "s3":
            return None  # on to moto's S3 server
        body = {"sesv2": b'{"MessageId": "m-1"}', "mediaconvert": b'{"job": {"id": "job-mc-1"}}'}[service]
        return AWSResponse(request.url, 200, {"Content-Type": "application/json"}, _Raw(body))

    def _before_presign(self, **_: Any) -> None:
        time.sleep(SLOW_S / 1000)  # on top of the real cost; 1000 URLs: another SLOW_S


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


class SlowStripe(AsgiHttpClient):
    """The local Stripe, answering `SLOW_S` late. Called on the loop's own thread (a blocking
    call), it cannot reach the app on that loop: it waits, then fails the call."""

    loop_thread = 0  # the loop's thread
    world: SlowSyncWorld

    def request(self, method: str, url: str, headers: Any, post_data: Any = None, **kwargs: Any) -> Any:
        self.world.note(f"stripe {method.upper()} {httpx.URL(url).path}")
        time.sleep(SLOW_S)
        if threading.get_ident() == self.loop_thread:
            raise stripe.APIConnectionError("the Stripe SDK was called on the event loop's thread")
        return super().request(method, url, headers, post_data, **kwargs)


@contextlib.contextmanager
def loop_steps_over(bound_s: float) -> Iterator[list[tuple[float, str]]]:
    """asyncio's debug mode on the running loop: (seconds, handle) of every step over the bound."""
    loop = asyncio.get_running_loop()
    slow: list[tuple[float, str]] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if str(record.msg).startswith("Executing") and record.args:
                args = record.args if isinstance(record.args, tuple) else (record.args,)
                slow.append((float(args[-1]), str(args[0])[:300]))

    catch = Catch(logging.WARNING)
    log = logging.getLogger("asyncio")
    debug, duration = loop.get_debug(), loop.slow_callback_duration
    log.addHandler(catch)
    loop.set_debug(True)
    loop.slow_callback_duration = bound_s
    try:
        yield slow
    finally:
        loop.set_debug(debug)
        loop.slow_callback_duration = duration
        log.removeHandler(catch)


@pytest.fixture
def world(services, app, monkeypatch: pytest.MonkeyPatch) -> Iterator[SlowSyncWorld]:
    monkeypatch.setenv("CINEMA_LIVE_HOOK_SECRET", HOOK_SECRET)
    monkeypatch.setenv("CINEMA_LIVE_RTMP_PORT", "19350")
    monkeypatch.setenv("CINEMA_STRIPE_API_KEY", STRIPE_KEY)
    monkeypatch.setenv("CINEMA_STRIPE_API_BASE", FAKE)
    monkeypatch.setenv("CINEMA_CHECKOUT_SUCCESS_URL", SUCCESS_URL)
    monkeypatch.setenv("CINEMA_WEB_URL", WEB_APP)
    monkeypatch.setenv("CINEMA_TRANSCODER", "mediaconvert")
    monkeypatch.setenv("CINEMA_MEDIACONVERT_ROLE_ARN", "arn:aws:iam::123456789012:role/mediaconvert")
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(name, value)  # SES and MediaConvert sign with these (never IMDS)
    get_settings.cache_clear()
    slow = SlowSyncWorld(monkeypatch)
    built = (storage.s3_client, transcoder._mediaconvert, mailer.get_mailer)
    for cached in built:  # built afresh, slowly, on first use
        cached.cache_clear()
    state_path = app.state.stripe_fake.state_path
    yield slow
    app.state.stripe_fake.state_path = state_path
    for cached in built:  # the slow ones are not left to other tests
        cached.cache_clear()
    app.dependency_overrides.pop(provider, None)
    monkeypatch.undo()
    get_settings.cache_clear()


async def _media_paths(client: httpx.AsyncClient, catalog, admin, sunk: list[dict]) -> None:
    film = (await catalog.film(title="Loop"))["id"]
    big = await client.post(
        f"{API}/admin/films/{film}/upload",
        json={"filename": "big.mp4", "content_type": "video/mp4", "size_bytes": BIG_UPLOAD},
        headers=admin.auth,
    )
    assert big.status_code == 201, big.text
    assert len(big.json()["parts"]) == 1000
    upload_url = f"{API}/admin/films/{film}/upload/{big.json()['upload_id']}"
    resumed = await client.get(upload_url, headers=admin.auth)
    assert (resumed.status_code, len(resumed.json()["parts"])) == (200, 1000), resumed.text
    assert (await client.delete(upload_url, headers=admin.auth)).status_code == 204

    data = b"v" * (MIB + 5)
    small = await client.post(
        f"{API}/admin/films/{film}/upload",
        json={"filename": "s.mp4", "content_type": "video/mp4", "size_bytes": len(data)},
        headers=admin.auth,
    )
    assert small.status_code == 201, small.text
    [part] = small.json()["parts"]
    async with httpx.AsyncClient(timeout=60) as s3:  # the browser's PUT, straight to S3
        put = await s3.put(part["url"], content=data)
    assert put.status_code == 200
    done = await client.post(
        f"{API}/admin/films/{film}/upload/complete",
        json={
            "upload_id": small.json()["upload_id"],
            "parts": [{"part_number": 1, "etag": put.headers["etag"]}],
        },
        headers=admin.auth,
    )
    assert done.status_code == 202, done.text
    # media-ingest (the Lambda's async handler) on S3's event: MediaConvert's CreateJob
    assert (await ingest.handle(sunk.pop()))["started"] == ["job-mc-1"]


async def _checkout(app, client: httpx.AsyncClient, catalog, viewer, world: SlowSyncWorld) -> None:
    stripe_fake = app.state.stripe_fake
    stripe_fake.reset()
    stripe_fake.state_path = None  # as tests/payments does: no state file of the session's
    http_client = SlowStripe(app, asyncio.get_running_loop())
    http_client.loop_thread, http_client.world = threading.get_ident(), world
    gateway = StripeGateway(
        stripe.StripeClient(STRIPE_KEY, base_addresses={"api": FAKE}, http_client=http_client)
    )
    app.dependency_overrides[provider] = lambda: gateway
    film = await catalog.film(title="Paid", access="purchase", price={"amount": 19900, "currency": "RUB"})
    await insert_upload(film["id"], ready=True)
    answer = await client.post(
        f"{API}/payments/checkout", json={"kind": "film", "film_id": film["id"]}, headers=viewer.auth
    )
    assert answer.status_code == 201, answer.text
    assert (await client.get(f"{API}/films/{film['id']}/play", headers=viewer.auth)).status_code == 402


async def _mail(client: httpx.AsyncClient, viewer, monkeypatch: pytest.MonkeyPatch) -> None:
    for kind in ("ses", "outbox"):
        monkeypatch.setenv("CINEMA_MAILER", kind)
        get_settings.cache_clear()
        mailer.get_mailer.cache_clear()
        asked = await client.post(f"{API}/auth/password-reset", json={"email": viewer.email})
        assert asked.status_code == 202


async def _live(client: httpx.AsyncClient, admin, viewer, tmp_path: Path, sunk: list[dict]) -> None:
    storage.s3_client.cache_clear()  # the recording's upload is the first use of S3 (a fresh process)
    event = (await client.post(f"{API}/admin/live", json={"title": "On air"}, headers=admin.auth)).json()
    recording = tmp_path / f"{event['id']}-1796286225.flv"
    recording.write_bytes(b"FLV\x01" + b"\x00" * 4096)
    replay.register_local(lambda event_id, _name: replay.store_recording(recording, event_id))
    try:
        key = event["stream_key"]
        assert (await hook(client, "publish", form(name=key))).status_code == 302
        assert (await hook(client, "update", form(name=key, call="update_publish"))).status_code == 204
        play = await client.get(f"{API}/live/{event['id']}/play", headers=viewer.auth)
        assert play.status_code == 200, play.text
        # publish-done: once committed, the recording goes to S3 (the local runner's part)
        assert (await hook(client, "publish-done", form(name=key, call="publish_done"))).status_code == 204
    finally:
        replay.register_local(None)
    # media-ingest on the recording's event: its size from S3, then MediaConvert
    assert (await ingest.handle(sunk.pop()))["started"] == ["job-mc-1"]


async def test_no_path_blocks_the_event_loop(  # noqa: PLR0917 - fixtures
    app, client, catalog, admin, viewer, world, monkeypatch, tmp_path
):
    sunk: list[dict] = []

    async def sink(bucket: str, key: str) -> None:
        sunk.append(s3_object_created_event(bucket, key))

    monkeypatch.setattr(pipeline, "_local_sink", sink)
    free = await catalog.film(title="Free", access="free")
    await insert_upload(free["id"], ready=True)

    started = time.monotonic()
    broken: AssertionError | None = None
    with loop_steps_over(BOUND_S) as slow:
        try:
            await _media_paths(client, catalog, admin, sunk)
            await _checkout(app, client, catalog, viewer, world)
            await _mail(client, viewer, monkeypatch)
            await _live(client, admin, viewer, tmp_path, sunk)
            play = await client.get(f"{API}/films/{free['id']}/play", headers=viewer.auth)
            assert play.status_code == 200
        except AssertionError as failed:  # judged after the loop: a blocked step is the first news
            broken = failed
    took = time.monotonic() - started

    assert slow == [], f"{len(slow)} loop steps over {BOUND_S} s (the run took {took:.1f} s): {slow}"
    if broken is not None:
        raise broken
    # every slow dependency was reached (else the test would prove nothing about it)
    for expected in (
        "build s3",
        "s3 CreateMultipartUpload",
        "s3 ListParts",
        "s3 AbortMultipartUpload",
        "s3 CompleteMultipartUpload",
        "s3 HeadObject",
        "s3 PutObject",  # the recording (upload_file: one PUT for a small file)
        "build mediaconvert",
        "read job template",
        "mediaconvert CreateJob",
        "stripe POST /dev/stripe/v1/customers",
        "stripe POST /dev/stripe/v1/checkout/sessions",
        "build sesv2",
        "sesv2 SendEmail",
        "outbox write",
    ):
        assert expected in world.seen, (expected, world.seen)
    assert world.seen.count("build s3") == 2  # for the uploads, then for the recording
