"""Two admins changing each other at the same moment: no deadlock, no 500, a consistent end (issue 14)."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from cinema.core import db

API = "/api/v1"


async def _active_admins() -> set[str]:
    async with db.engine().connect() as conn:
        rows = await conn.execute(text("SELECT id FROM users WHERE role = 'admin' AND is_active"))
        return {str(r[0]) for r in rows}


async def _bearer(accounts, account) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {(await accounts.login(account.email, account.password))['access_token']}"
    }


async def test_two_admins_demoting_each_other_at_once(client, accounts):
    first, second = await accounts.create("admin"), await accounts.create("admin")
    for change in ({"role": "user"}, {"is_active": False}, {"role": "moderator"}, {"is_active": False}):
        responses = await asyncio.gather(
            client.patch(
                f"{API}/admin/users/{second.id}", json=change, headers=await _bearer(accounts, first)
            ),
            client.patch(
                f"{API}/admin/users/{first.id}", json=change, headers=await _bearer(accounts, second)
            ),
        )
        codes = sorted(r.status_code for r in responses)
        assert 500 not in codes, [r.text for r in responses]
        # One of them went first; the other is then no longer an admin (403) or would leave
        # the platform without one (409): exactly one active admin stays.
        assert codes[0] == 200, codes
        assert codes[1] in (403, 409), codes
        assert len(await _active_admins()) == 1
        async with db.engine().begin() as conn:
            await conn.execute(text("UPDATE users SET role = 'admin', is_active = true"))


async def test_three_admins_two_demotions_at_once(client, accounts):
    a, b, c = [await accounts.create("admin") for _ in range(3)]
    for _ in range(3):
        responses = await asyncio.gather(
            client.patch(
                f"{API}/admin/users/{b.id}", json={"role": "user"}, headers=await _bearer(accounts, a)
            ),
            client.patch(
                f"{API}/admin/users/{a.id}", json={"role": "user"}, headers=await _bearer(accounts, b)
            ),
        )
        codes = sorted(r.status_code for r in responses)
        assert 500 not in codes, [r.text for r in responses]
        admins = await _active_admins()
        # The second request runs after the first committed: its caller was demoted meanwhile.
        assert codes == [200, 403], codes
        assert str(c.id) in admins
        assert len(admins) == 2
        async with db.engine().begin() as conn:
            await conn.execute(text("UPDATE users SET role = 'admin', is_active = true"))
