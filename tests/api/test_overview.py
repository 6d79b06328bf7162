"""The regulator's overview (issue 4: "regulator (read everything, aggregated views)"): one year
across organisations — totals and sources summed from the stored results, the share resting on
default carbon content, verification state, instruments needing action, evidence — filtered by
the same scope rules as everything else."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from .world import ORG_A, ORG_B, PASSWORD, World, complete_checklist


def _overview(client: TestClient, world: World, who: str, **params: object) -> dict:  # type: ignore[type-arg]
    response = client.get("/api/overview", params=params, headers=world.bearer(who))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_the_regulator_sees_every_organisation_summed(client: TestClient, world: World) -> None:
    found = _overview(client, world, "regulator")
    assert found["year"] == 2024
    assert found["years"] == [2024]
    rows = {row["name"]: row for row in found["organisations"]}
    assert set(rows) == {ORG_A, ORG_B}
    totals = {
        name: client.get(f"/api/results/{result}", headers=world.bearer("regulator")).json()[
            "total_tco2e"
        ]
        for name, result in ((ORG_A, world.result_a), (ORG_B, world.result_b))
    }
    for name, row in rows.items():
        assert row["total_tco2e"] == pytest.approx(totals[name], rel=1e-12)
        assert sum(row["by_source"].values()) == pytest.approx(totals[name], rel=1e-12)
    assert found["total_tco2e"] == pytest.approx(sum(totals.values()), rel=1e-12)
    assert found["reporting"] == 2


def test_the_default_share_is_the_fuel_emissions_without_a_measured_carbon_content(
    client: TestClient, world: World
) -> None:
    # tests/api/world.py make_inventory: January 1000 t coal with a carbon content analysed
    # (55.2 %, 552 tC), February 900 t at 21.0 GJ/t without one, so the default of 0.03085 tC/GJ
    # applies (MEE 2022 No. 485 power guideline, appendix default for coal): 583.065 tC.
    # The oxidation rate and 44/12 are the same for both months and cancel in the share.
    row = next(
        r for r in _overview(client, world, "regulator")["organisations"] if r["name"] == ORG_A
    )
    assert row["default_carbon_share"] == pytest.approx(583.065 / (552.0 + 583.065), rel=1e-9)


def test_verification_instruments_and_evidence(client: TestClient, world: World) -> None:
    complete_checklist(client, world, world.result_a)
    signed = client.post(
        f"/api/results/{world.result_a}/signoffs",
        json={"decision": "approved", "note": "核查通过"},
        headers=world.bearer("verifier"),
    )
    assert signed.status_code == 201
    # 2024-03-15: BS-101 overdue (the demo register's note: overdue 2024-03-02 to 2024-04-14)
    found = _overview(client, world, "admin", at="2024-03-15")
    rows = {row["name"]: row for row in found["organisations"]}
    assert rows[ORG_A]["verification"] == "approved"
    assert rows[ORG_B]["verification"] == "pending"
    assert found["approved"] == 1
    assert rows[ORG_A]["instruments_attention"] >= 1
    assert rows[ORG_A]["instruments"] == 5
    assert rows[ORG_A]["evidence_entries"] == 3  # the inventory, its result, the sign-off
    assert rows[ORG_A]["last_lodged"] is not None


def test_a_year_without_data_reports_nothing(client: TestClient, world: World) -> None:
    found = _overview(client, world, "regulator", year=2019)
    assert found["reporting"] == 0
    assert found["total_tco2e"] == 0.0
    assert all(row["total_tco2e"] is None for row in found["organisations"])
    assert all(row["verification"] is None for row in found["organisations"])


@pytest.mark.parametrize("who", ["enterprise", "verifier", "metrology_reviewer"])
def test_overview_is_filtered(client: TestClient, world: World, who: str) -> None:
    names = [row["name"] for row in _overview(client, world, who)["organisations"]]
    # a metrology reviewer may not read accounting at all
    assert names == ([] if who == "metrology_reviewer" else [ORG_A])


def test_the_overview_page(client: TestClient, world: World) -> None:
    login = client.post("/login", data={"email": world.email("regulator"), "password": PASSWORD})
    assert login.status_code in (200, 303)
    page = client.get("/overview")
    assert page.status_code == 200
    assert "年度总览 2024" in page.text
    assert ORG_A in page.text and ORG_B in page.text
    assert "<svg" in page.text
    english = client.get("/overview?lang=en")
    assert "Year overview 2024" in english.text
