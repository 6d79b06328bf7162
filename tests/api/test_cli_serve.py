"""``dualcarbon serve`` and ``dualcarbon users create``."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from dualcarbon.api import create_app
from dualcarbon.cli.main import app
from dualcarbon.store import current_revision, head_revision

from .world import settings_for

runner = CliRunner()
PASSWORD = "a long enough password"


def test_users_create_then_log_in(db_url: str) -> None:
    out = runner.invoke(
        app,
        [
            "users",
            "create",
            "--email",
            "Boss@Example.cn",
            "--role",
            "enterprise",
            "--organisation",
            "丙电力有限公司",
            "--database",
            db_url,
        ],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert out.exit_code == 0, out.output
    assert "boss@example.cn (enterprise) created" in out.output
    with TestClient(create_app(settings_for(db_url))) as client:
        login = client.post(
            "/api/auth/login", json={"email": "boss@example.cn", "password": PASSWORD}
        )
        assert login.status_code == 200, login.text
        assert [o["name"] for o in client.get("/api/organisations").json()] == ["丙电力有限公司"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "king"], "role"),
        (["--role", "enterprise"], "enterprise user belongs to an organisation"),
        (["--role", "admin", "--password", "short"], "password"),
    ],
)
def test_users_create_refuses_bad_input(db_url: str, args: list[str], message: str) -> None:
    if "--password" not in args:
        args = [*args, "--password", PASSWORD]
    out = runner.invoke(
        app, ["users", "create", "--email", "x@example.cn", "--database", db_url, *args]
    )
    assert out.exit_code == 2
    assert message in " ".join(out.output.split())


def test_serve_upgrades_the_store_and_runs_uvicorn(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    seen: dict[str, Any] = {}

    def fake_run(application: Any, **kwargs: Any) -> None:
        seen["app"] = application
        seen.update(kwargs)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.setenv("DUALCARBON_SECRET_KEY", "cli-test-secret")
    out = runner.invoke(app, ["serve", "--port", "8765", "--database", db_url])
    assert out.exit_code == 0, out.output
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 8765)
    assert seen["app"].state.settings.database_url == db_url
    assert current_revision(db_url) == head_revision()
