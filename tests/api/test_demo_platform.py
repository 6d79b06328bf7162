"""`make run`'s platform: the demo organisation and its peers, a user per role, the register and
a lodged year for each, one of them signed off."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from demo_platform import seeded_demo
from dualcarbon.demo import demo_park_path
from dualcarbon.demo.platform import (
    PACT_CLIENT,
    PASSWORD,
    PEERS,
    PRODUCTS,
    USERS,
    seed_demo_platform,
)
from dualcarbon.io.park_files import read_park
from dualcarbon.server import create_app
from dualcarbon.store import session_scope
from dualcarbon.store.models import (
    EvidenceEntry,
    Organisation,
    ProjectPeriod,
    ResultSignOff,
    StoredCalibration,
    StoredProductFootprint,
    StoredResult,
    User,
)


def test_seeded_once_and_logins_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUALCARBON_HOME", str(tmp_path / "home"))
    settings = seeded_demo(tmp_path)
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
                StoredProductFootprint,
            )
        ]
    park_members = len(read_park(demo_park_path()).members)
    organisations = (
        1 + len(PEERS) + 1 + park_members
    )  # that account (the plant, its peers, the cement
    # plant); the manufacturer publishes footprints, the project developer claims a period
    certificates = counts[3]
    assert certificates
    # every submission, its result, every certificate, the sign-off and the project claim is
    # lodged twice: its organisation's log, the platform's
    assert counts == [
        organisations + 2,
        len(USERS),
        organisations,
        certificates,
        1,
        2 * (2 * organisations + certificates + 1 + 1),
        len(PRODUCTS) + 1,  # and the cement plant's clinker, built on its inventory
    ]
    with session_scope(app.state.engine) as session:
        (claimed,) = session.scalars(select(ProjectPeriod)).all()
    assert claimed.claimed_by == "developer@demo.cn" and claimed.total_tco2e > 0
    with TestClient(app) as client:
        for email, _, _ in USERS:
            response = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
            assert response.status_code == 200, (email, response.text)


def test_the_demo_footprints_over_pact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo's PACT client fetches the manufacturer's two footprints: the PV module per m²
    (69.6319 kgCO2e, summed by hand in tests/unit/footprint/test_footprint.py) and the battery
    pack per kWh delivered (0.16349, tests/unit/footprint/test_worked_models.py)."""
    monkeypatch.setenv("DUALCARBON_HOME", str(tmp_path / "home"))
    settings = seeded_demo(tmp_path)
    with TestClient(create_app(settings)) as client:
        token = client.post(
            "/auth/token", data={"grant_type": "client_credentials"}, auth=PACT_CLIENT
        )
        assert token.status_code == 200, token.text
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        found = client.get("/3/footprints", headers=bearer)
        assert found.status_code == 200
        values = sorted(float(f["pcf"]["pcfExcludingBiogenicUptake"]) for f in found.json()["data"])
        assert values == [pytest.approx(0.16349, rel=1e-4), pytest.approx(69.6319, rel=1e-6)]


def test_the_demo_plants_improvements(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The stored demo plant ranks its measurements as `dualcarbon account --rank-meters` does
    from its files (the same register, stored on the platform), on the result page and by API."""
    from dualcarbon.accounting.engine import account
    from dualcarbon.accounting.improvements import rank_improvements
    from dualcarbon.demo import demo_inventory_path
    from dualcarbon.io import read_inventory
    from dualcarbon.io.register_files import read_register

    monkeypatch.setenv("DUALCARBON_HOME", str(tmp_path / "home"))
    settings = seeded_demo(tmp_path)
    path = demo_inventory_path()
    register = read_register(path.with_name("demo-register.yaml"))
    expected = rank_improvements(account(read_inventory(path), register=register), register)
    app = create_app(settings)
    with session_scope(app.state.engine) as session:
        stored = session.scalars(select(StoredResult)).all()
        (result_id,) = [
            r.id for r in stored if r.inventory.facility.organisation.name == "示范能源集团有限公司"
        ]
    with TestClient(app) as client:
        login = {"email": "manager@demo.cn", "password": PASSWORD}
        assert client.post("/api/auth/login", json=login).status_code == 200
        found = client.get(f"/api/results/{result_id}/improvements")
        assert found.status_code == 200, found.text
        ranking = found.json()
        assert ranking["U"] == pytest.approx(expected.U, rel=1e-9)
        top = ranking["by_uncertainty"][0]
        assert expected.top is not None and top["target"] == expected.top.target
        assert top["U_after"] == pytest.approx(expected.top.U_after, rel=1e-9)
        assert [c["target"] for c in ranking["calibrations"]] == ["BS-101"]
        page = client.get(f"/results/{result_id}?lang=zh")
        assert page.status_code == 200
        assert 'id="improvements"' in page.text and expected.top.action_zh in page.text
