"""API.md's section "Profiles, subtitles, similar films": every row asked by every kind of
caller, with the status the `who` column gives it."""

from __future__ import annotations

import pytest

API = "/api/v1"
VTT = b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello\n"

# caller -> status for: anonymous, viewer, moderator, admin
ANYONE = (200, 200, 200, 200)
SIGNED_IN = (401, 200, 200, 200)
ADMIN = (401, 403, 403, 201)


@pytest.fixture
async def callers(accounts, admin, viewer) -> list:
    return [None, viewer, await accounts.create("moderator"), admin]


def _headers(account) -> dict[str, str]:
    return account.auth if account else {}


async def test_every_row_answers_who_it_names(client, catalog, callers):
    film = await catalog.film(title="Матрица", access="free")
    rows = [
        ("GET", "/me/profiles", None, SIGNED_IN),
        ("POST", "/me/profiles", {"name": "Гость"}, (401, 201, 201, 201)),
        ("GET", f"/films/{film['id']}/subtitles", None, ANYONE),
        ("GET", f"/films/{film['id']}/similar", None, ANYONE),
    ]
    for method, path, body, statuses in rows:
        for account, expected in zip(callers, statuses, strict=True):
            answer = await client.request(method, f"{API}{path}", json=body, headers=_headers(account))
            assert answer.status_code == expected, (method, path, account and account.email, answer.text)

    for account, expected in zip(callers, ADMIN, strict=True):
        answer = await client.post(
            f"{API}/admin/films/{film['id']}/subtitles",
            data={"language": "en", "label": "English"},
            files={"file": ("en.vtt", VTT, "text/vtt")},
            headers=_headers(account),
        )
        assert answer.status_code == expected, (account and account.email, answer.text)
    for account, expected in zip(callers, (401, 403, 403, 204), strict=True):
        answer = await client.delete(
            f"{API}/admin/films/{film['id']}/subtitles/en", headers=_headers(account)
        )
        assert answer.status_code == expected, (account and account.email, answer.text)

    # own profiles only: each signed-in caller changes and deletes the profile it made above,
    # and none reaches another's
    made = {}
    for account in callers[1:]:
        items = (await client.get(f"{API}/me/profiles", headers=account.auth)).json()["items"]
        made[account.email] = items[-1]["id"]
    for account in callers[1:]:
        for owner, profile_id in made.items():
            mine = owner == account.email
            changed = await client.patch(
                f"{API}/me/profiles/{profile_id}", json={"name": "Новое"}, headers=account.auth
            )
            assert changed.status_code == (200 if mine else 404)
    anonymous = await client.patch(f"{API}/me/profiles/{made[callers[1].email]}", json={"name": "x"})
    assert anonymous.status_code == 401
    assert (await client.delete(f"{API}/me/profiles/{made[callers[1].email]}")).status_code == 401
    for account in callers[1:]:
        deleted = await client.delete(f"{API}/me/profiles/{made[account.email]}", headers=account.auth)
        assert deleted.status_code == 204
