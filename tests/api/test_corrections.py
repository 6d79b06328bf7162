"""Corrections over HTTP (issue 4: "Corrections are new entries that point at what they
correct; nothing is ever deleted"): a corrected inventory is stored beside the original, its
evidence entry names the inventory and log sequence it corrects, and the original with its result
stays exactly as it was."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from dualcarbon.ledger.lodging import audit_store, organisation_log
from dualcarbon.store import session_scope
from dualcarbon.store.models import EvidenceEntry, StoredInventory, StoredResult
from evidence import coal_months

from .world import ORG_A, ORG_B, TEST_SIGNER, World


def _corrected(organisation: str, *, coal_t: float = 1010.0, **header: Any) -> dict[str, Any]:
    """The seeded inventory (tests/api/world.py ``make_inventory``) with January's coal changed."""
    return {
        "inventory": {
            "organisation": organisation,
            "facility": "一号电厂",
            "year": 2024,
            "methodology": "cn-mee-power-2022",
            **header,
        },
        "fuel": [
            *coal_months(coal_t),
        ],
    }


def _counts(world: World) -> tuple[int, int, int]:
    with session_scope(world.engine) as session:
        return (
            session.scalar(select(func.count()).select_from(StoredInventory)) or 0,
            session.scalar(select(func.count()).select_from(StoredResult)) or 0,
            session.scalar(select(func.count()).select_from(EvidenceEntry)) or 0,
        )


def _url(world: World, inventory_id: int | None = None) -> str:
    return (
        f"/api/organisations/{world.org_a}/inventories/"
        f"{inventory_id or world.inventory_a}/corrections"
    )


def test_a_correction_is_stored_beside_what_it_corrects(client: TestClient, world: World) -> None:
    before = client.get(f"/api/results/{world.result_a}", headers=world.bearer("enterprise"))
    response = client.post(_url(world), json=_corrected(ORG_A), headers=world.bearer("enterprise"))
    assert response.status_code == 201, response.text
    outcome = response.json()
    assert outcome["corrects"] == world.inventory_a
    assert outcome["inventory_id"] != world.inventory_a
    # 10 t more coal in January at 55.2 % carbon: 10 × 0.552 × 44/12 tCO2 more, times the
    # oxidation rate (below 1), so the total rises by less than 20.24 t and more than 19
    rise = outcome["result"]["total_tco2e"] - before.json()["total_tco2e"]
    assert 19.0 < rise < 10 * 0.552 * 44 / 12 + 1e-9

    # the original and its result are untouched
    again = client.get(f"/api/results/{world.result_a}", headers=world.bearer("enterprise"))
    assert again.json() == before.json()

    # the evidence entry names what it corrects: inventory and its sequence in the org's log
    with session_scope(world.engine) as session:
        rows = session.scalars(
            select(EvidenceEntry).where(
                EvidenceEntry.log_id == organisation_log(world.org_a),
                EvidenceEntry.inventory_id == outcome["inventory_id"],
            )
        ).all()
        assert len(rows) == 1
        content = json.loads(rows[0].content_json)
        original = session.scalar(
            select(EvidenceEntry.sequence).where(
                EvidenceEntry.log_id == organisation_log(world.org_a),
                EvidenceEntry.inventory_id == world.inventory_a,
            )
        )
        assert content["kind"] == "correction"
        assert content["corrects"] == {"inventory_id": world.inventory_a, "sequence": original}
        reports = audit_store(session, TEST_SIGNER.public_key)
        assert all(report.ok for report in reports), [r.problems for r in reports]

    listed = client.get(
        f"/api/organisations/{world.org_a}/inventories", headers=world.bearer("verifier")
    ).json()
    by_id = {row["id"]: row for row in listed}
    assert by_id[world.inventory_a]["corrected_by"] == outcome["inventory_id"]
    assert by_id[outcome["inventory_id"]]["corrects"] == world.inventory_a
    assert by_id[outcome["inventory_id"]]["result_ids"] == [outcome["result"]["id"]]


def test_corrections_form_a_line(client: TestClient, world: World) -> None:
    first = client.post(_url(world), json=_corrected(ORG_A), headers=world.bearer("enterprise"))
    newer = first.json()["inventory_id"]
    before = _counts(world)
    again = client.post(
        _url(world), json=_corrected(ORG_A, coal_t=1020.0), headers=world.bearer("enterprise")
    )
    assert again.status_code == 409
    assert f"inventory {newer}" in again.json()["detail"]
    assert _counts(world) == before
    second = client.post(
        _url(world, newer), json=_corrected(ORG_A, coal_t=1020.0), headers=world.bearer("admin")
    )
    assert second.status_code == 201, second.text
    assert second.json()["corrects"] == newer


def test_a_correction_keeps_facility_and_year(client: TestClient, world: World) -> None:
    before = _counts(world)
    response = client.post(
        _url(world),
        json=_corrected(ORG_A, facility="二号电厂", year=2025),
        headers=world.bearer("enterprise"),
    )
    assert response.status_code == 422
    fields = {p["field"] for p in response.json()["problems"]}
    assert fields == {"facility", "year"}
    assert _counts(world) == before


def test_an_unchanged_correction_is_a_conflict(client: TestClient, world: World) -> None:
    before = _counts(world)
    response = client.post(
        _url(world), json=_corrected(ORG_A, coal_t=1000.0), headers=world.bearer("enterprise")
    )
    assert response.status_code == 409
    assert f"inventory {world.inventory_a}" in response.json()["detail"]
    assert _counts(world) == before


def test_another_organisations_inventory_is_not_found(client: TestClient, world: World) -> None:
    before = _counts(world)
    response = client.post(
        _url(world, world.inventory_b), json=_corrected(ORG_B), headers=world.bearer("admin")
    )
    assert response.status_code == 404
    assert _counts(world) == before
