"""The local runner says what it does: without nginx the platform runs without live and the
console tells how to get it; a taken RTMP port is named with the setting that changes it. A
server stopping while a recording is awaited is not held up by the wait."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid

from cinema.core import health
from cinema.local.services.rtmp import HOW_TO_GET_IT, RECORDING_WAIT_S, LocalLive


def test_without_nginx_live_is_off_and_the_console_says_how(tmp_path):
    live = LocalLive(tmp_path, host="127.0.0.1", rtmp_port=19999, api_base_url="http://127.0.0.1:1")
    live.found = None  # a machine without nginx or its rtmp module
    try:
        assert live.settings() == {}
        line = live.start("cinema-media")
        assert line == HOW_TO_GET_IT
        assert "apt-get install nginx libnginx-mod-rtmp" in line
        assert health._extra["live"]() == "unavailable"
    finally:
        live.stop()
    assert "live" not in health._extra


def test_a_taken_port_is_reported_with_the_setting_that_moves_it(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        live = LocalLive(tmp_path, host="127.0.0.1", rtmp_port=port, api_base_url="http://127.0.0.1:1")
        try:
            line = live.start("cinema-media")
            assert health._extra["live"]() == "unavailable"
        finally:
            live.stop()
    assert "Address already in use" in line
    assert "CINEMA_LIVE_RTMP_PORT" in line
    assert not live.running


def test_a_stop_does_not_wait_for_a_recording_that_never_comes(tmp_path):
    """An event ended without a recording: its hand-over waits up to RECORDING_WAIT_S for the
    file. The server's loop ending (uvicorn's asyncio.run at shutdown) cancels that wait; it
    used to sleep in a thread that asyncio.run waited for, holding `cinema serve`'s stop."""
    live = LocalLive(tmp_path, host="127.0.0.1", rtmp_port=19998, api_base_url="http://127.0.0.1:1")
    live.record_dir.mkdir(parents=True, exist_ok=True)

    async def serve_briefly() -> None:
        await live.recording_finished(uuid.uuid4(), "never-recorded")
        await asyncio.sleep(0.5)  # the hand-over is waiting for its file when the server stops

    started = time.monotonic()
    asyncio.run(serve_briefly())
    assert time.monotonic() - started < RECORDING_WAIT_S / 3
