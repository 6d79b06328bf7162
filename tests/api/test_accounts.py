"""Logging in and out, API keys, users and assignments; the error shape; the settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dualcarbon.api import Settings
from dualcarbon.api.deps import COOKIE_NAME
from dualcarbon.api.settings import SECRET_FILE
from dualcarbon.store import session_scope
from dualcarbon.store.models import ApiKey, User

from .world import PASSWORD, World


def _login(client: TestClient, who: str, password: str = PASSWORD) -> int:
    response = client.post(
        "/api/auth/login", json={"email": f"{who}@example.cn", "password": password}
    )
    return response.status_code


# -- sessions ------------------------------------------------------------------------------------


def test_login_sets_a_cookie_that_authenticates(client: TestClient, world: World) -> None:
    response = client.post(
        "/api/auth/login", json={"email": "Verifier@Example.cn", "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "verifier"
    assert response.json()["assigned_organisation_ids"] == [world.org_a]
    cookie = response.headers["set-cookie"]
    assert COOKIE_NAME in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    me = client.get("/api/me")
    assert me.status_code == 200
    assert me.json()["email"] == "verifier@example.cn"


def test_wrong_password_or_unknown_user_is_401(client: TestClient, world: World) -> None:
    assert _login(client, "admin", "not the password") == 401
    assert _login(client, "nobody") == 401
    assert COOKIE_NAME not in client.cookies
    assert client.get("/api/me").status_code == 401


def test_logout_ends_the_session_in_the_database(client: TestClient, world: World) -> None:
    assert _login(client, "enterprise") == 200
    stolen = client.cookies[COOKIE_NAME]
    assert client.post("/api/auth/logout").status_code == 204
    assert client.get("/api/me").status_code == 401
    # the cookie kept by someone else is dead too: the session row is gone
    client.cookies.set(COOKIE_NAME, stolen)
    assert client.get("/api/me").status_code == 401


def test_a_second_app_instance_accepts_the_session(
    client: TestClient, world: World, db_url: str
) -> None:
    """The server keeps no state: another instance on the same database knows the session."""
    from dualcarbon.server import create_app

    from .world import settings_for

    assert _login(client, "regulator") == 200
    with TestClient(create_app(settings_for(db_url))) as other:
        other.cookies.set(COOKIE_NAME, client.cookies[COOKIE_NAME])
        assert other.get("/api/me").json()["role"] == "regulator"


def test_forged_cookie_is_401(client: TestClient, world: World) -> None:
    client.cookies.set(COOKIE_NAME, "forged.cookie.value")
    assert client.get("/api/me").status_code == 401


def test_deactivated_user_cannot_log_in_or_use_keys(client: TestClient, world: World) -> None:
    with session_scope(world.engine) as session:
        session.get_one(User, world.users["verifier"]).active = False
    assert _login(client, "verifier") == 401
    assert client.get("/api/me", headers=world.bearer("verifier")).status_code == 401


# -- API keys ------------------------------------------------------------------------------------


def test_api_key_created_shown_once_used_and_revoked(client: TestClient, world: World) -> None:
    assert _login(client, "enterprise") == 200
    created = client.post("/api/keys", json={"name": "meter gateway"})
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    key_id = created.json()["id"]
    assert token.startswith(f"dck_{created.json()['prefix']}_")
    with session_scope(world.engine) as session:
        row = session.get_one(ApiKey, key_id)
        assert token not in (row.key_hash, row.prefix)  # only the hash is kept
        assert row.last_used_at is None
    client.cookies.clear()
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=bearer).json()["email"] == "enterprise@example.cn"
    with session_scope(world.engine) as session:
        assert session.get_one(ApiKey, key_id).last_used_at is not None
    listed = client.get("/api/keys", headers=bearer).json()
    assert "token" not in listed[0] and {k["id"] for k in listed} >= {key_id}
    revoked = client.delete(f"/api/keys/{key_id}", headers=bearer)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert client.get("/api/me", headers=bearer).status_code == 401


def test_revoked_unknown_and_malformed_keys_are_401(client: TestClient, world: World) -> None:
    for token in (world.revoked_key, world.keys["admin"] + "x", "dck_short_x", "garbage"):
        response = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
        assert response.headers["www-authenticate"] == "Bearer"


def test_a_bad_key_is_not_rescued_by_a_good_cookie(client: TestClient, world: World) -> None:
    assert _login(client, "admin") == 200
    headers = {"Authorization": f"Bearer {world.revoked_key}"}
    assert client.get("/api/me", headers=headers).status_code == 401


def test_nobody_revokes_another_users_key(client: TestClient, world: World) -> None:
    for who in ("enterprise", "admin"):
        response = client.delete(
            f"/api/keys/{world.key_ids['enterprise_b']}", headers=world.bearer(who)
        )
        assert response.status_code == 404
    assert client.get("/api/me", headers=world.bearer("enterprise_b")).status_code == 200


# -- users and assignments -----------------------------------------------------------------------


def test_admin_creates_users_who_can_log_in(client: TestClient, world: World) -> None:
    body = {
        "email": "New.User@example.cn",
        "name": "新用户",
        "password": "a long enough password",
        "role": "enterprise",
        "organisation_id": world.org_b,
    }
    created = client.post("/api/users", json=body, headers=world.bearer("admin"))
    assert created.status_code == 201, created.text
    assert created.json()["email"] == "new.user@example.cn"
    with session_scope(world.engine) as session:
        stored = session.scalars(select(User).where(User.email == "new.user@example.cn")).one()
        assert stored.password_hash.startswith("$argon2id$")
    again = client.post("/api/users", json=body, headers=world.bearer("admin"))
    assert again.status_code == 409
    login = client.post(
        "/api/auth/login",
        json={"email": "new.user@example.cn", "password": "a long enough password"},
    )
    assert login.status_code == 200
    assert client.get("/api/organisations").json() == [
        {"id": world.org_b, "name": "乙电力有限公司"}
    ]


@pytest.mark.parametrize(
    ("role", "organisation", "field"),
    [("enterprise", None, "organisation_id"), ("verifier", "a", "organisation_id")],
)
def test_role_and_organisation_must_fit(
    client: TestClient, world: World, role: str, organisation: str | None, field: str
) -> None:
    body = {
        "email": "x@example.cn",
        "name": "x",
        "password": "a long enough password",
        "role": role,
        "organisation_id": world.org_a if organisation else None,
    }
    response = client.post("/api/users", json=body, headers=world.bearer("admin"))
    assert response.status_code == 422
    (problem,) = response.json()["problems"]
    assert problem["field"] == field


def test_invalid_request_bodies_answer_422_with_problems(client: TestClient, world: World) -> None:
    body = {"email": "not-an-email", "name": "", "password": "short", "role": "king"}
    response = client.post("/api/users", json=body, headers=world.bearer("admin"))
    assert response.status_code == 422
    fields = {p["field"] for p in response.json()["problems"]}
    assert fields == {"body.email", "body.name", "body.password", "body.role"}
    assert all(p["file"] == "request" for p in response.json()["problems"])


def test_admin_assigns_organisations_to_a_verifier(client: TestClient, world: World) -> None:
    url = f"/api/users/{world.users['verifier']}/organisations"
    both = client.put(
        url, json={"organisation_ids": [world.org_a, world.org_b]}, headers=world.bearer("admin")
    )
    assert both.status_code == 200, both.text
    assert both.json()["assigned_organisation_ids"] == [world.org_a, world.org_b]
    seen = client.get("/api/organisations", headers=world.bearer("verifier")).json()
    assert [o["id"] for o in seen] == [world.org_a, world.org_b]
    only_b = client.put(
        url, json={"organisation_ids": [world.org_b]}, headers=world.bearer("admin")
    )
    assert only_b.json()["assigned_organisation_ids"] == [world.org_b]
    assert (
        client.get(
            f"/api/organisations/{world.org_a}", headers=world.bearer("verifier")
        ).status_code
        == 404
    )
    missing = client.put(url, json={"organisation_ids": [99999]}, headers=world.bearer("admin"))
    assert missing.status_code == 422
    enterprise = client.put(
        f"/api/users/{world.users['enterprise']}/organisations",
        json={"organisation_ids": [world.org_b]},
        headers=world.bearer("admin"),
    )
    assert enterprise.status_code == 422


# -- settings ------------------------------------------------------------------------------------


def test_secret_key_is_generated_once_and_kept(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DUALCARBON_HOME", str(tmp_path))
    monkeypatch.delenv("DUALCARBON_SECRET_KEY", raising=False)
    first = Settings().secret
    assert (tmp_path / SECRET_FILE).stat().st_mode & 0o777 == 0o600
    assert Settings().secret == first and len(first) >= 32
    monkeypatch.setenv("DUALCARBON_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("DUALCARBON_DATABASE_URL", "sqlite:///elsewhere.sqlite")
    settings = Settings()
    assert settings.secret == "from-the-environment"
    assert settings.database_url == "sqlite:///elsewhere.sqlite"
    assert settings.cookie_secure is True  # secure unless told otherwise
