"""``dualcarbon serve`` and ``dualcarbon users create``."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from dualcarbon.cli.main import app
from dualcarbon.server import create_app
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
        (["--role", "enterprise"], "project developer user belongs to an organisation"),
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
    monkeypatch.setattr("os.cpu_count", lambda: 1)  # the default: one worker per core
    out = runner.invoke(app, ["serve", "--port", "8765", "--database", db_url])
    assert out.exit_code == 0, out.output
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 8765)
    assert seen["app"].state.settings.database_url == db_url
    assert current_revision(db_url) == head_revision()


def _served(monkeypatch: pytest.MonkeyPatch, *args: str) -> dict[str, Any]:
    import uvicorn

    seen: dict[str, Any] = {}

    def fake_run(application: Any, **kwargs: Any) -> None:
        seen["app"] = application
        seen.update(kwargs)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.setenv("DUALCARBON_SECRET_KEY", "cli-test-secret")
    out = runner.invoke(app, ["serve", "--port", "8765", *args])
    assert out.exit_code == 0, out.output
    return seen


def test_serve_workers_run_the_app_factory_with_the_settings_in_the_environment(
    db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    import os

    monkeypatch.setenv("DUALCARBON_HOME", str(tmp_path))
    for name in ("DUALCARBON_LEDGER_KEY", "DUALCARBON_DATABASE_URL"):
        monkeypatch.setenv(name, "x")  # so that the serve's own setting is undone afterwards
        monkeypatch.delenv(name)
    seen = _served(monkeypatch, "--database", db_url, "--workers", "3")
    assert seen["app"] == "dualcarbon.server.app:create_app"
    assert (seen["factory"], seen["workers"]) == (True, 3)
    # each worker builds its app from the environment: the same store and keys as this one
    assert os.environ["DUALCARBON_DATABASE_URL"] == db_url
    assert os.environ["DUALCARBON_SECRET_KEY"] == "cli-test-secret"
    assert (tmp_path / "ledger.key").is_file()  # made once here, not raced for by the workers
    worker_app = create_app()
    assert worker_app.state.settings.database_url == db_url
    assert current_revision(db_url) == head_revision()


def test_serve_one_worker_runs_the_app_in_this_process(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _served(monkeypatch, "--database", db_url, "--workers", "1")
    assert seen["app"].state.settings.database_url == db_url
    assert "workers" not in seen


def test_serve_workers_default_and_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    from dualcarbon.cli.serve import MAX_DEFAULT_WORKERS, server_workers

    monkeypatch.setattr("os.cpu_count", lambda: 64)
    assert server_workers("sqlite:////tmp/x.sqlite", None) == MAX_DEFAULT_WORKERS
    monkeypatch.setattr("os.cpu_count", lambda: None)
    assert server_workers("postgresql+psycopg://h/db", None) == 1
    assert server_workers("postgresql+psycopg://h/db", 5) == 5
    for memory in ("sqlite://", "sqlite:///:memory:", "sqlite:///file:x?mode=memory&uri=true"):
        assert server_workers(memory, 4) == 1  # one process holds an in-memory store
    out = runner.invoke(app, ["serve", "--workers", "0"])
    assert out.exit_code == 2


def test_each_worker_sizes_its_own_pool(db_url: str) -> None:
    settings = settings_for(db_url).model_copy(
        update={"database_pool_size": 2, "database_max_overflow": 1}
    )
    application = create_app(settings)
    engine = application.state.engine
    try:
        if engine.dialect.name == "postgresql":
            assert (engine.pool.size(), engine.pool._max_overflow) == (2, 1)
    finally:
        engine.dispose()
