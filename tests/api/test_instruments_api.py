"""The instrument register over HTTP: import (multipart or JSON), one certificate at a time,
certificates lodged as evidence and caught when edited behind the server's back, and the
GB 17167-2006 review of the stored register."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from dualcarbon.demo import demo_register_path
from dualcarbon.ledger.lodging import audit_store
from dualcarbon.store import session_scope
from dualcarbon.store.models import (
    EvidenceEntry,
    StoredCalibration,
    StoredInstrument,
    StoredMeteringPoint,
)

from .world import ORG_A, TEST_SIGNER, World


def _register(organisation: str = ORG_A) -> dict[str, Any]:
    return {
        "register": {"organisation": organisation},
        "instruments": [
            {
                "id": "GAS-1",
                "name": "天然气流量计",
                "quantity": "体积流量",
                "energy": "natural_gas",
                "level": "secondary",
                "kind": "gas_flowmeter",
                "accuracy": "1.5",
                "interval_months": 24,
            }
        ],
        "calibrations": [
            {
                "instrument": "GAS-1",
                "date": "2025-06-01",
                "institute": "某省计量院",
                "certificate": "G2025-001",
                "result": "pass",
                "expanded_uncertainty": 0.8,
                "coverage_factor": 2,
            }
        ],
        "points": [
            {"id": "P-G-01", "energy": "natural_gas", "level": "secondary", "instrument": "GAS-1"}
        ],
    }


def _counts(world: World) -> tuple[int, int, int, int]:
    with session_scope(world.engine) as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (StoredInstrument, StoredCalibration, StoredMeteringPoint, EvidenceEntry)
        )


def test_a_register_imports_and_its_certificates_are_lodged(
    client: TestClient, world: World
) -> None:
    url = f"/api/organisations/{world.org_a}/instruments"
    response = client.post(url, json=_register(), headers=world.bearer("enterprise"))
    assert response.status_code == 201, response.text
    imported = response.json()
    assert imported["instruments_added"] == 1
    assert imported["calibrations_added"] == 1
    assert imported["points"] == 1
    # the world's demo register was stored without lodging: its certificates are lodged now too,
    # each in the organisation's log and the platform log
    with session_scope(world.engine) as session:
        certificates = session.scalar(
            select(func.count())
            .select_from(StoredCalibration)
            .join(StoredInstrument)
            .where(StoredInstrument.organisation_id == world.org_a)
        )
    assert len(imported["evidence"]) == 2 * certificates
    before = _counts(world)
    again = client.post(url, json=_register(), headers=world.bearer("enterprise")).json()
    assert (again["instruments_unchanged"], again["calibrations_unchanged"]) == (1, 1)
    assert again["evidence"] == []
    assert _counts(world) == before

    listed = client.get(
        url, headers=world.bearer("metrology_reviewer"), params={"at": "2025-07-01"}
    )
    gas = next(row for row in listed.json() if row["id"] == "GAS-1")
    assert gas["state"] == "valid"
    assert gas["certificate"] == "G2025-001"


def test_a_register_upload_naming_another_organisation_is_refused(
    client: TestClient, world: World
) -> None:
    before = _counts(world)
    response = client.post(
        f"/api/organisations/{world.org_a}/instruments",
        files={"file": ("台账.yaml", demo_register_path().read_bytes(), "application/x-yaml")},
        headers=world.bearer("enterprise"),
    )
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "register.organisation"
    assert _counts(world) == before


def test_a_bad_register_names_its_rows(client: TestClient, world: World) -> None:
    register = _register()
    register["calibrations"][0]["result"] = "maybe"
    register["instruments"][0]["interval_months"] = -3
    before = _counts(world)
    response = client.post(
        f"/api/organisations/{world.org_a}/instruments",
        json=register,
        headers=world.bearer("enterprise"),
    )
    assert response.status_code == 422
    problems = response.json()["problems"]
    assert {p["sheet"] for p in problems} >= {"instruments", "calibrations"}
    assert all(p["row"] for p in problems)
    assert _counts(world) == before


def test_one_certificate_is_added_and_a_changed_one_refused(
    client: TestClient, world: World
) -> None:
    url = f"/api/organisations/{world.org_a}/instruments/BS-101/calibrations"
    body = {"date": "2025-03-01", "certificate": "JL2025-0301", "result": "pass"}
    response = client.post(url, json=body, headers=world.bearer("enterprise"))
    assert response.status_code == 201, response.text
    assert response.json()["calibrations_added"] == 1
    detail = client.get(
        f"/api/organisations/{world.org_a}/instruments/BS-101",
        headers=world.bearer("metrology_reviewer"),
    ).json()
    assert "JL2025-0301" in [c["certificate"] for c in detail["calibrations"]]
    before = _counts(world)
    changed = client.post(url, json={**body, "result": "fail"}, headers=world.bearer("enterprise"))
    assert changed.status_code == 409
    assert "not edited" in changed.json()["detail"]
    assert _counts(world) == before
    unknown = client.post(
        f"/api/organisations/{world.org_a}/instruments/NOPE-1/calibrations",
        json=body,
        headers=world.bearer("enterprise"),
    )
    assert unknown.status_code == 404
    inverted = client.post(
        url,
        json={**body, "certificate": "x", "next_due": "2024-01-01"},
        headers=world.bearer("enterprise"),
    )
    assert inverted.status_code == 422
    assert _counts(world) == before


def test_a_lodged_certificate_edited_in_the_database_is_named(
    client: TestClient, world: World
) -> None:
    client.post(
        f"/api/organisations/{world.org_a}/instruments/BS-101/calibrations",
        json={"date": "2025-03-01", "certificate": "JL2025-0301", "result": "fail"},
        headers=world.bearer("enterprise"),
    )
    with session_scope(world.engine) as session:
        row = session.scalar(
            select(StoredCalibration).where(StoredCalibration.certificate == "JL2025-0301")
        )
        assert row is not None
        row.result = "pass"  # a failed verification quietly turned into a pass
        calibration_id = row.id
    with session_scope(world.engine) as session:
        reports = audit_store(session, TEST_SIGNER.public_key, organisation_id=world.org_a)
    problems = [p for report in reports for p in report.problems]
    assert [p.kind for p in problems] == ["altered"]
    assert f"calibration {calibration_id}" in problems[0].detail
    assert "result" in problems[0].detail


def test_the_review_runs_on_the_stored_register(client: TestClient, world: World) -> None:
    url = f"/api/organisations/{world.org_a}/instrument-review"
    review = client.get(
        url, params={"at": "2024-03-15"}, headers=world.bearer("metrology_reviewer")
    )
    assert review.status_code == 200, review.text
    document = review.json()
    # the demo register lists five metering points, each naming its instrument
    # (src/dualcarbon/demo/data/demo-register.yaml, points): stored, so coverage is judged
    assert sum(line["required_points"] for line in document["coverage"]) == 5
    # BS-101 was overdue from 2024-03-02 to 2024-04-14 (the demo register's own note)
    overdue = [f for f in document["findings"] if "BS-101" in str(f)]
    assert overdue
    page = client.get(
        url,
        params={"at": "2024-03-15", "format": "html", "lang": "en"},
        headers=world.bearer("regulator"),
    )
    assert page.headers["content-type"].startswith("text/html")
    assert "GB 17167" in page.text
    empty = client.post(
        "/api/organisations", json={"name": "丁公司"}, headers=world.bearer("admin")
    )
    missing = client.get(
        f"/api/organisations/{empty.json()['id']}/instrument-review",
        headers=world.bearer("admin"),
    )
    assert missing.status_code == 404
