from __future__ import annotations

from sqlalchemy import text

from cinema.core import db

API = "/api/v1"


async def test_profile_read_and_display_name_change(client, viewer):
    me = (await client.get(f"{API}/users/me", headers=viewer.auth)).json()
    assert set(me) >= {"id", "email", "display_name", "role", "created_at"}
    patched = await client.patch(f"{API}/users/me", json={"display_name": "Cinephile"}, headers=viewer.auth)
    assert patched.status_code == 200
    assert patched.json()["display_name"] == "Cinephile"
    assert (await client.get(f"{API}/users/me", headers=viewer.auth)).json()["display_name"] == "Cinephile"


async def test_profile_patch_cannot_change_role_or_email(client, viewer):
    for body in ({"role": "admin"}, {"email": "new@kino.io"}, {"display_name": ""}):
        response = await client.patch(f"{API}/users/me", json=body, headers=viewer.auth)
        assert response.status_code == 422
    assert (await client.get(f"{API}/users/me", headers=viewer.auth)).json()["role"] == "user"


async def test_change_password(client, accounts, viewer):
    wrong = await client.post(
        f"{API}/users/me/password",
        json={"current_password": "not it at all", "new_password": "my new password"},
        headers=viewer.auth,
    )
    assert wrong.status_code == 400
    ok = await client.post(
        f"{API}/users/me/password",
        json={"current_password": viewer.password, "new_password": "my new password"},
        headers=viewer.auth,
    )
    assert ok.status_code == 204
    assert (
        await client.post(f"{API}/auth/refresh", json={"refresh_token": viewer.refresh_token})
    ).status_code == 401
    await accounts.login(viewer.email, "my new password")


async def test_change_password_enforces_the_policy(client, viewer):
    response = await client.post(
        f"{API}/users/me/password",
        json={"current_password": viewer.password, "new_password": viewer.email},
        headers=viewer.auth,
    )
    assert response.status_code == 422


async def test_admin_routes_are_refused_to_users_and_moderators(client, accounts, viewer, admin):
    moderator = await accounts.create("moderator")
    for caller in (viewer, moderator):
        listing = await client.get(f"{API}/admin/users", headers=caller.auth)
        patch = await client.patch(
            f"{API}/admin/users/{viewer.id}", json={"role": "admin"}, headers=caller.auth
        )
        assert (listing.status_code, patch.status_code) == (403, 403)
    anonymous = await client.get(f"{API}/admin/users")
    assert anonymous.status_code == 401


async def test_admin_makes_a_user_a_moderator(client, viewer, admin):
    response = await client.patch(
        f"{API}/admin/users/{viewer.id}", json={"role": "moderator"}, headers=admin.auth
    )
    assert response.status_code == 200
    assert response.json()["role"] == "moderator"
    # The new role holds at once, with the token the user already has.
    assert (await client.get(f"{API}/users/me", headers=viewer.auth)).json()["role"] == "moderator"


async def test_admin_list_filters_and_pages(client, accounts, admin):
    for i in range(5):
        await accounts.create(email=f"film.lover{i}@kino.io")
    await accounts.create("moderator", email="mod@kino.io")

    everyone = (await client.get(f"{API}/admin/users", params={"limit": 100}, headers=admin.auth)).json()
    assert everyone["total"] == 7
    moderators = (
        await client.get(f"{API}/admin/users", params={"role": "moderator"}, headers=admin.auth)
    ).json()
    assert [u["email"] for u in moderators["items"]] == ["mod@kino.io"]
    lovers = (await client.get(f"{API}/admin/users", params={"q": "FILM.lover"}, headers=admin.auth)).json()
    assert lovers["total"] == 5
    wildcard = (await client.get(f"{API}/admin/users", params={"q": "%"}, headers=admin.auth)).json()
    assert wildcard["total"] == 0

    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(f"{API}/admin/users", params=params, headers=admin.auth)).json()
        assert page["total"] == 7
        seen += [u["id"] for u in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 7


async def test_admin_list_rejects_bad_parameters(client, admin):
    for params in ({"limit": 0}, {"limit": 101}, {"role": "owner"}, {"cursor": "!!!"}, {"cursor": "WyJ4Il0"}):
        response = await client.get(f"{API}/admin/users", params=params, headers=admin.auth)
        assert response.status_code == 422, params


async def test_deactivated_user_is_refused_everywhere(client, accounts, viewer, admin):
    response = await client.patch(
        f"{API}/admin/users/{viewer.id}", json={"is_active": False}, headers=admin.auth
    )
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    me = await client.get(f"{API}/users/me", headers=viewer.auth)
    login = await client.post(
        f"{API}/auth/token", data={"username": viewer.email, "password": viewer.password}
    )
    refresh = await client.post(f"{API}/auth/refresh", json={"refresh_token": viewer.refresh_token})
    assert (me.status_code, login.status_code, refresh.status_code) == (403, 403, 401)
    await client.patch(f"{API}/admin/users/{viewer.id}", json={"is_active": True}, headers=admin.auth)
    # Reactivation does not revive the sessions the deactivation ended (issue 14, point 7):
    # the old access token stays refused, a new sign-in works.
    assert (await client.get(f"{API}/users/me", headers=viewer.auth)).status_code == 401
    fresh = await accounts.login(viewer.email, viewer.password)
    me_again = await client.get(
        f"{API}/users/me", headers={"Authorization": f"Bearer {fresh['access_token']}"}
    )
    assert me_again.status_code == 200


async def test_the_last_admin_cannot_step_down(client, accounts, admin):
    demote = await client.patch(f"{API}/admin/users/{admin.id}", json={"role": "user"}, headers=admin.auth)
    disable = await client.patch(
        f"{API}/admin/users/{admin.id}", json={"is_active": False}, headers=admin.auth
    )
    assert (demote.status_code, disable.status_code) == (409, 409)
    second = await accounts.create("admin")
    ok = await client.patch(f"{API}/admin/users/{admin.id}", json={"role": "user"}, headers=second.auth)
    assert ok.status_code == 200


async def test_unknown_user_and_bad_ids(client, admin):
    unknown = await client.patch(
        f"{API}/admin/users/00000000-0000-0000-0000-000000000000", json={"role": "user"}, headers=admin.auth
    )
    bad = await client.patch(f"{API}/admin/users/42", json={"role": "user"}, headers=admin.auth)
    assert (unknown.status_code, bad.status_code) == (404, 422)


async def test_emails_are_never_stored_twice_by_case(client, viewer):
    async with db.engine().connect() as conn:
        count = (
            await conn.execute(
                text("SELECT count(*) FROM users WHERE lower(email) = lower(:e)"), {"e": viewer.email}
            )
        ).scalar_one()
    assert count == 1
