"""CBAM and the climate disclosure on the platform (issue 17, items 2 and 3): the manufacturer's
declaration names its facility, and the communication comes from that facility's stored inventory
— the same numbers as from the file, as JSON or in the Commission's template; another
organisation's user sees nothing. The disclosure sums the facilities' newest stored results."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from fastapi.testclient import TestClient

from api.world import ORG_A, World
from dualcarbon.cbam.see import embedded_emissions
from dualcarbon.demo import demo_cement_inventory_path
from dualcarbon.io.cbam_files import file_sources, read_declaration

DECLARATION = (
    Path(__file__).resolve().parents[2]
    / "src"
    / "dualcarbon"
    / "demo"
    / "data"
    / "cbam"
    / "cement-works-2025.yaml"
)
FACILITY = "示例熟料基地"


def _declaration() -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load(DECLARATION.read_text(encoding="utf-8"))
    raw["goods"][0]["actual"]["inventory"] = FACILITY
    return raw


def _store_inventory(client: TestClient, world: World) -> None:
    raw: dict[str, Any] = yaml.safe_load(demo_cement_inventory_path().read_text("utf-8"))
    raw["inventory"]["organisation"] = ORG_A
    stored = client.post(
        f"/api/organisations/{world.org_a}/inventories",
        json=json.loads(json.dumps(raw, default=str)),
        headers=world.bearer("enterprise"),
    )
    assert stored.status_code == 201, stored.text


def test_the_communication_from_the_stored_inventory(client: TestClient, world: World) -> None:
    url = f"/api/organisations/{world.org_a}/cbam"
    missing = client.post(url, json=_declaration(), headers=world.bearer("enterprise"))
    assert missing.status_code == 422  # no inventory of the facility stored yet
    assert FACILITY in missing.text
    _store_inventory(client, world)
    answer = client.post(url, json=_declaration(), headers=world.bearer("enterprise"))
    assert answer.status_code == 200, answer.text
    record = answer.json()
    expected = embedded_emissions(read_declaration(DECLARATION), file_sources(DECLARATION.parent))
    for item, good in zip(record["goods"], expected.goods, strict=True):
        assert item["see_direct"] == pytest.approx(good.see_direct, rel=1e-12)
        assert item["see_indirect"] == pytest.approx(good.see_indirect, rel=1e-12)
    book = client.post(
        url, params={"format": "xlsx"}, json=_declaration(), headers=world.bearer("enterprise")
    )
    assert book.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(book.content), data_only=True)[
        "Summary_Communication"
    ]
    assert sheet["F26"].value == "25231000"
    assert sheet["I26"].value == pytest.approx(expected.goods[0].see_direct_product, rel=1e-12)
    other = client.post(
        f"/api/organisations/{world.org_b}/cbam",
        json=_declaration(),
        headers=world.bearer("enterprise"),
    )
    assert other.status_code == 404


def test_the_climate_disclosure_from_the_stored_results(client: TestClient, world: World) -> None:
    """Scope 1 of the organisation's 2025 is its facilities' newest stored results; a year with
    nothing stored is named."""
    url = f"/api/organisations/{world.org_a}/disclosure/climate"
    missing = client.get(url, params={"year": 2025}, headers=world.bearer("enterprise"))
    assert missing.status_code == 422 and "2025" in missing.text
    _store_inventory(client, world)
    answer = client.get(
        url, params={"year": 2025, "revenue": 2.5e9}, headers=world.bearer("enterprise")
    )
    assert answer.status_code == 200, answer.text
    record = answer.json()
    stored = client.get(
        f"/api/organisations/{world.org_a}/results", headers=world.bearer("enterprise")
    ).json()
    cement = [r for r in stored if r["year"] == 2025]
    assert record["scope1_tco2e"] == pytest.approx(sum(r["total_tco2e"] for r in cement), rel=1e-12)
    assert record["contractual_instruments"]["green_certificates_mwh"] == 0
    assert [f["facility"] for f in record["facilities"]] == [FACILITY]
