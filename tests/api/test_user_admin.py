"""User administration (docs/api.md, decision 0010): deactivate, activate, change a role, reset
a password, end sessions — admins only, each in the audit trail; session epochs end every
session of a user at once, on every backend."""

from __future__ import annotations

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcarbon.api import principals, services, users
from dualcarbon.api.scope import Principal, Role
from dualcarbon.store.models import UserOrganisation

from .world import PASSWORD, World

NEW_PASSWORD = "a brand new passphrase"


def _session_of(client: TestClient, world: World, who: str, password: str = PASSWORD) -> TestClient:
    """A client logged in as ``who`` (its own cookie jar)."""
    browser = TestClient(client.app)
    answer = browser.post("/api/auth/login", json={"email": world.email(who), "password": password})
    assert answer.status_code == 200, answer.text
    return browser


def _admin(client: TestClient, world: World, method: str, path: str, **body: object) -> Response:
    return client.request(method, f"/api{path}", json=body, headers=world.bearer("admin"))


def _trail(client: TestClient, world: World, **params: object) -> list[dict[str, object]]:
    answer = client.get("/api/users/audit", params=params, headers=world.bearer("admin"))
    assert answer.status_code == 200, answer.text
    entries: list[dict[str, object]] = answer.json()
    return entries


def test_deactivation_ends_sessions_keys_and_logins(client: TestClient, world: World) -> None:
    user = world.users["enterprise"]
    browser = _session_of(client, world, "enterprise")
    assert browser.get("/api/me").status_code == 200
    done = _admin(client, world, "POST", f"/users/{user}/deactivate", reason="left the company")
    assert done.status_code == 200, done.text
    assert done.json()["active"] is False
    assert browser.get("/api/me").status_code == 401  # the existing session
    assert client.get("/api/me", headers=world.bearer("enterprise")).status_code == 401  # key
    login = client.post(
        "/api/auth/login", json={"email": world.email("enterprise"), "password": PASSWORD}
    )
    assert login.status_code == 401
    [entry] = _trail(client, world, user_id=user)
    assert entry["action"] == "deactivate"
    assert entry["actor"] == world.email("admin")
    assert entry["actor_id"] == world.users["admin"]
    assert entry["subject_email"] == world.email("enterprise")
    assert entry["reason"] == "left the company"
    assert entry["detail"] == {"was_active": True, "sessions_ended": 1, "api_keys_revoked": 1}
    back = _admin(client, world, "POST", f"/users/{user}/activate", reason="came back")
    assert back.json()["active"] is True
    assert _session_of(client, world, "enterprise").get("/api/me").status_code == 200
    assert client.get("/api/me", headers=world.bearer("enterprise")).status_code == 401  # revoked
    assert [e["action"] for e in _trail(client, world, user_id=user)] == ["activate", "deactivate"]


def test_revoking_sessions_ends_every_session_of_that_user_only(
    client: TestClient, world: World
) -> None:
    user = world.users["verifier"]
    laptop = _session_of(client, world, "verifier")
    phone = _session_of(client, world, "verifier")
    other = _session_of(client, world, "regulator")
    kept = _admin(
        client,
        world,
        "POST",
        f"/users/{user}/revoke-sessions",
        reason="phone lost",
        revoke_api_keys=False,
    )
    assert kept.status_code == 200, kept.text
    assert laptop.get("/api/me").status_code == 401
    assert phone.get("/api/me").status_code == 401
    assert other.get("/api/me").status_code == 200
    assert client.get("/api/me", headers=world.bearer("verifier")).status_code == 200  # kept
    again = _session_of(client, world, "verifier")  # a new login works at once
    assert again.get("/api/me").status_code == 200
    revoked = _admin(
        client, world, "POST", f"/users/{user}/revoke-sessions", reason="account compromised"
    )
    assert revoked.status_code == 200
    assert again.get("/api/me").status_code == 401
    assert client.get("/api/me", headers=world.bearer("verifier")).status_code == 401  # default
    first, second = _trail(client, world, user_id=user)
    assert first["detail"] == {"sessions_ended": 1, "api_keys_revoked": 1}
    assert second["detail"] == {"sessions_ended": 2, "api_keys_revoked": 0}


def test_a_login_racing_with_a_revocation_gets_a_dead_session(
    client: TestClient, world: World
) -> None:
    """The session records the epoch read when the password was checked: if the admin ends the
    sessions in between, the new session is born ended (deleting rows alone would miss it)."""
    passwords = client.app.state.passwords  # type: ignore[attr-defined]
    admin = Principal(user_id=world.users["admin"], email=world.email("admin"), role=Role.ADMIN)
    with Session(world.engine, expire_on_commit=False) as racing, Session(world.engine) as other:
        user = services.authenticate(racing, passwords, world.email("regulator"), PASSWORD)
        assert user is not None
        users.revoke_sessions(other, admin, user.id, "incident")
        token = services.open_session(racing, user, 3600)
        assert principals.for_session(racing, token) is None


def test_a_role_change_ends_sessions_and_checks_the_organisation(
    client: TestClient, world: World
) -> None:
    user = world.users["verifier"]
    browser = _session_of(client, world, "verifier")
    needs_org = _admin(
        client, world, "PUT", f"/users/{user}/role", role="enterprise", reason="moved"
    )
    assert needs_org.status_code == 422
    assert needs_org.json()["problems"][0]["field"] == "organisation_id"
    assert browser.get("/api/me").status_code == 200  # nothing changed
    moved = _admin(
        client,
        world,
        "PUT",
        f"/users/{user}/role",
        role="enterprise",
        organisation_id=world.org_b,
        reason="joined 乙 as its accountant",
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["role"] == "enterprise"
    assert moved.json()["organisation_id"] == world.org_b
    assert moved.json()["assigned_organisation_ids"] == []
    assert browser.get("/api/me").status_code == 401
    with Session(world.engine) as session:
        assert list(session.scalars(select(UserOrganisation).filter_by(user_id=user))) == []
    [entry] = _trail(client, world, user_id=user)
    assert entry["detail"]["before"] == {"role": "verifier", "organisation_id": None}  # type: ignore[index]
    assert entry["detail"]["assignments_dropped"] == [world.org_a]  # type: ignore[index]
    me = client.get("/api/me", headers=world.bearer("verifier"))  # the key acts with the new role
    assert me.json()["role"] == "enterprise"


def test_the_last_active_admin_cannot_be_removed(client: TestClient, world: World) -> None:
    admin = world.users["admin"]
    for method, path, body in (
        ("POST", f"/users/{admin}/deactivate", {}),
        ("PUT", f"/users/{admin}/role", {"role": "regulator"}),
    ):
        refused = _admin(client, world, method, path, reason="oops", **body)
        assert refused.status_code == 409, refused.text
        assert "last active admin" in refused.json()["detail"]
    promoted = _admin(
        client, world, "PUT", f"/users/{world.users['regulator']}/role", role="admin", reason="x"
    )
    assert promoted.status_code == 200
    assert (
        _admin(client, world, "POST", f"/users/{admin}/deactivate", reason="y").status_code == 200
    )


def test_a_password_reset_ends_sessions_and_clears_the_back_off(
    client: TestClient, world: World
) -> None:
    user = world.users["metrology_reviewer"]
    email = world.email("metrology_reviewer")
    browser = _session_of(client, world, "metrology_reviewer")
    for _ in range(5):
        wrong = client.post("/api/auth/login", json={"email": email, "password": "forgotten"})
        assert wrong.status_code == 401
    short = _admin(client, world, "POST", f"/users/{user}/password", password="short", reason="x")
    assert short.status_code == 422
    done = _admin(
        client,
        world,
        "POST",
        f"/users/{user}/password",
        password=NEW_PASSWORD,
        reason="forgot the password; identity checked by phone",
    )
    assert done.status_code == 200, done.text
    assert browser.get("/api/me").status_code == 401
    old = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert old.status_code == 401
    assert (
        _session_of(client, world, "metrology_reviewer", NEW_PASSWORD)
        .get("/api/me")
        .json()["email"]
        == email
    )
    assert client.get("/api/me", headers=world.bearer("metrology_reviewer")).status_code == 200
    [entry] = _trail(client, world, user_id=user)
    assert entry["action"] == "reset_password"
    assert NEW_PASSWORD not in str(entry)


def test_only_admins_administer_users_and_say_why(client: TestClient, world: World) -> None:
    target = world.users["enterprise_b"]
    for who in ("regulator", "enterprise", "verifier"):
        for method, path in (
            ("POST", f"/users/{target}/deactivate"),
            ("POST", f"/users/{target}/revoke-sessions"),
            ("PUT", f"/users/{target}/role"),
            ("GET", "/users/audit"),
        ):
            answer = client.request(
                method,
                f"/api{path}",
                json={"reason": "r", "role": "regulator"},
                headers=world.bearer(who),
            )
            assert answer.status_code == 403, (who, path, answer.text)
    no_reason = _admin(client, world, "POST", f"/users/{target}/deactivate", reason="   ")
    assert no_reason.status_code == 422
    missing = _admin(client, world, "POST", "/users/999999/deactivate", reason="x")
    assert missing.status_code == 404
    assert _trail(client, world) == []


def test_creating_and_assigning_are_in_the_trail_too(client: TestClient, world: World) -> None:
    made = _admin(
        client,
        world,
        "POST",
        "/users",
        email="new.verifier@example.cn",
        name="新核查员",
        password="a long enough password",
        role="verifier",
    )
    assert made.status_code == 201, made.text
    user = made.json()["id"]
    assigned = _admin(
        client, world, "PUT", f"/users/{user}/organisations", organisation_ids=[world.org_a]
    )
    assert assigned.status_code == 200
    assign, create = _trail(client, world, user_id=user)
    assert create["action"] == "create"
    assert create["detail"] == {"role": "verifier", "organisation_id": None}
    assert assign["action"] == "assign"
    assert assign["detail"] == {"before": [], "after": [world.org_a]}
    assert assign["actor"] == world.email("admin")
