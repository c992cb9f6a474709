from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

API = "/api/v1"
CINEMA = shutil.which("cinema", path=str(Path(sys.executable).parent)) or "cinema"


def cinema(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CINEMA, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


async def test_create_admin_then_sign_in_as_admin(client, services):
    done = cinema("create-admin", "boss@kino.io", "--password", "a strong admin pass")
    assert done.returncode == 0, done.stderr
    token = await client.post(
        f"{API}/auth/token", data={"username": "boss@kino.io", "password": "a strong admin pass"}
    )
    assert token.status_code == 200
    me = await client.get(
        f"{API}/users/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
    )
    assert me.json()["role"] == "admin"


async def test_create_admin_promotes_an_existing_account(client, accounts, services):
    account = await accounts.create()
    done = cinema("create-admin", account.email, env={"CINEMA_ADMIN_PASSWORD": "the admin password"})
    assert done.returncode == 0, done.stderr
    me = await client.get(f"{API}/users/me", headers=account.auth)
    assert me.json()["role"] == "admin"


def test_create_admin_refuses_bad_input(services):
    bad_email = cinema("create-admin", "not-an-email", "--password", "a strong admin pass")
    weak = cinema("create-admin", "ok@kino.io", "--password", "short")
    assert (bad_email.returncode, weak.returncode) == (1, 1)
    assert "email" in bad_email.stderr
    assert "10" in weak.stderr


def test_db_upgrade_is_idempotent(services):
    done = cinema("db", "upgrade")
    assert done.returncode == 0, done.stderr
    assert "head" in done.stdout


def test_db_upgrade_without_a_database_explains(services):
    done = cinema("db", "upgrade", env={"CINEMA_DATABASE_URL": ""})
    assert done.returncode == 2
    assert "CINEMA_DATABASE_URL" in done.stderr
