"""``dualcarbon users list|deactivate|activate|role|reset-password|revoke-sessions|audit``: the
command line acts as an admin and names the operating-system account in the audit trail."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from dualcarbon.cli.main import app

from .world import PASSWORD, World

runner = CliRunner()
NEW_PASSWORD = "a new passphrase for the command line"


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUALCARBON_LANG", "en")
    monkeypatch.delenv("DUALCARBON_DATABASE_URL", raising=False)


def _run(db_url: str, *args: str, input: str | None = None) -> str:
    out = runner.invoke(app, ["users", *args, "--database", db_url], input=input)
    assert out.exit_code == 0, out.output
    return out.stdout


def _login(client: TestClient, world: World, who: str, password: str = PASSWORD) -> int:
    answer = client.post("/api/auth/login", json={"email": world.email(who), "password": password})
    return answer.status_code


def test_every_command(client: TestClient, world: World, db_url: str) -> None:
    listed = json.loads(_run(db_url, "list", "--json"))
    assert {u["email"] for u in listed} >= {world.email("admin"), world.email("verifier")}
    assert "verifier@example.cn" in _run(db_url, "list")

    browser = TestClient(client.app)
    assert _login(browser, world, "verifier") == 200
    assert "deactivated" in _run(db_url, "deactivate", world.email("verifier"), "--reason", "left")
    assert browser.get("/api/me").status_code == 401
    assert _login(client, world, "verifier") == 401
    assert client.get("/api/me", headers=world.bearer("verifier")).status_code == 401  # revoked
    _run(db_url, "activate", str(world.users["verifier"]), "--reason", "back")
    assert _login(browser, world, "verifier") == 200

    assert "now regulator" in _run(
        db_url, "role", world.email("verifier"), "regulator", "--reason", "new job"
    )
    assert browser.get("/api/me").status_code == 401
    out = _run(
        db_url,
        "role",
        world.email("verifier"),
        "enterprise",
        "--organisation",
        str(world.org_a),
        "--reason",
        "joined 甲",
    )
    assert "now enterprise" in out

    assert _login(browser, world, "verifier") == 200
    _run(
        db_url,
        "reset-password",
        world.email("verifier"),
        "--reason",
        "forgotten",
        input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n",
    )
    assert browser.get("/api/me").status_code == 401
    assert _login(client, world, "verifier", PASSWORD) == 401
    assert _login(browser, world, "verifier", NEW_PASSWORD) == 200

    _run(db_url, "revoke-sessions", world.email("verifier"), "--reason", "lost laptop")
    assert browser.get("/api/me").status_code == 401

    trail = json.loads(_run(db_url, "audit", world.email("verifier"), "--json"))
    assert [e["action"] for e in trail] == [
        "revoke_sessions",
        "reset_password",
        "role",
        "role",
        "activate",
        "deactivate",
    ]
    assert all(e["actor"].startswith("command line (") and e["actor_id"] is None for e in trail)
    assert trail[-1]["reason"] == "left"
    assert "lost laptop" in _run(db_url, "audit")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["deactivate", "nobody@example.cn", "--reason", "x"], "no user nobody@example.cn"),
        (["deactivate", "admin@example.cn", "--reason", "x"], "last active admin"),
        (["deactivate", "verifier@example.cn", "--reason", "  "], "reason"),
        (["role", "verifier@example.cn", "king", "--reason", "x"], "role"),
        (["role", "verifier@example.cn", "enterprise", "--reason", "x"], "organisation"),
    ],
)
def test_refused_changes_exit_2_and_change_nothing(
    client: TestClient, world: World, db_url: str, args: list[str], message: str
) -> None:
    out = runner.invoke(app, ["users", *args, "--database", db_url])
    assert out.exit_code == 2, out.output
    assert message in " ".join(out.output.split())
    assert json.loads(_run(db_url, "audit", "--json")) == []
