"""`make run`'s platform: the demo organisation and its peers, a user per role, the register and
a lodged year for each, one of them signed off."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from dualcarbon.api import create_app
from dualcarbon.api.settings import Settings
from dualcarbon.demo.platform import PASSWORD, PEERS, USERS, seed_demo_platform
from dualcarbon.store import session_scope
from dualcarbon.store.models import (
    EvidenceEntry,
    Organisation,
    ResultSignOff,
    StoredCalibration,
    StoredResult,
    User,
)


def test_seeded_once_and_logins_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUALCARBON_HOME", str(tmp_path / "home"))
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'platform.sqlite'}",
        secret_key="demo-test",  # type: ignore[arg-type]
        cookie_secure=False,
        password_memory_kib=64,
        password_time_cost=1,
    )
    seed_demo_platform(settings)
    logins = seed_demo_platform(settings)  # the second call changes nothing
    assert {login.role for login in logins} == {role for _, role, _ in USERS}
    app = create_app(settings)
    with session_scope(app.state.engine) as session:
        counts = [
            session.scalar(select(func.count()).select_from(model))
            for model in (
                Organisation,
                User,
                StoredResult,
                StoredCalibration,
                ResultSignOff,
                EvidenceEntry,
            )
        ]
    organisations = 1 + len(PEERS)
    certificates = counts[3]
    assert certificates
    # every submission and every certificate is lodged twice: its organisation's log, the platform's
    assert counts == [
        organisations,
        len(USERS),
        organisations,
        certificates,
        1,
        2 * (organisations + certificates),
    ]
    with TestClient(app) as client:
        for email, _, _ in USERS:
            response = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
            assert response.status_code == 200, (email, response.text)
