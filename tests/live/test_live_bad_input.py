"""Bad input to the live routes is a 4xx before any side effect: control characters in texts
and hook forms, a number where a date-time string belongs."""

from __future__ import annotations

import pytest
from tests.live.test_live_api import form, hook, hook_settings  # noqa: F401 - the hook secret

API = "/api/v1"
NUL = "\x00"


@pytest.mark.parametrize(
    "body",
    [
        {"title": f"Эфир{NUL}"},
        {"title": "Эфир", "description": f"bad{NUL}text"},
        {"title": "\x1b[31mred"},
        {"title": "Эфир", "starts_at": 0},
        {"title": "Эфир", "starts_at": 1_900_000_000},
        {"title": "Эфир", "starts_at": True},
    ],
)
async def test_a_live_event_with_bad_input_is_refused(client, admin, body):
    response = await client.post(f"{API}/admin/live", json=body, headers=admin.auth)
    assert response.status_code == 422, response.text


async def test_a_date_time_string_is_still_read(client, admin):
    response = await client.post(
        f"{API}/admin/live", json={"title": "Эфир", "starts_at": "2031-01-31T20:00:00Z"}, headers=admin.auth
    )
    assert response.status_code == 201, response.text


async def test_a_hook_form_with_a_control_character_is_refused(client, admin):
    event = (await client.post(f"{API}/admin/live", json={"title": "Эфир"}, headers=admin.auth)).json()
    key = event["stream_key"]
    assert (await hook(client, "publish", form(name=key, clientid="7%00"))).status_code == 403
    assert (
        await hook(client, "publish-done", form(name="x", clientid="7%00", call="publish_done"))
    ).status_code == 403
    assert (await hook(client, "publish", form(name=key))).status_code == 302  # the same key, clean
