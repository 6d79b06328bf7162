"""The climate disclosure's metrics (IFRS S2 29(a); 财会〔2025〕34号) from accounted results, worked
by hand from the inventory files: scope 1 is the counted direct emissions, scope 2 the purchased
electricity at the factor the inventory used (MEE/NBS 公告2025年第47号 Table 1: 0.5306 tCO2/MWh
for 2023, the national average), whatever the guideline counts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from dualcarbon.accounting.engine import account
from dualcarbon.attribution import attribute
from dualcarbon.cli.main import app
from dualcarbon.disclosure.climate import (
    ContractualInstruments,
    DisclosureError,
    climate_disclosure,
    disclosure_record,
)
from dualcarbon.energy.green_electricity import ClaimedCertificates
from dualcarbon.io import read_inventory

ROOT = Path(__file__).resolve().parents[3]
CEMENT = ROOT / "examples" / "cement-2025.yaml"
MILL = ROOT / "examples" / "rolling-mill-2025.yaml"
GRID_2023 = 0.5306
NATURAL_GAS = (0.0153, 0.99)  # tC/GJ and oxidation rate, GB/T 32151 Table C.1 as catalogued


def _raw(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def _accounted(path: Path) -> tuple[Any, Any]:
    inventory = read_inventory(path)
    return inventory, account(inventory)


def test_an_ets_guideline_s_scope_2_is_what_it_reports_apart() -> None:
    inventory, result = _accounted(CEMENT)
    disclosure = climate_disclosure([(inventory, result)])
    mwh = sum(r["amount"] for r in _raw(CEMENT)["electricity"])
    assert disclosure.scope1 == pytest.approx(result.total(), rel=1e-12)
    assert disclosure.electricity_mwh == pytest.approx(mwh, rel=1e-12)
    assert disclosure.scope2_location == pytest.approx(mwh * GRID_2023, rel=1e-12)
    (clinker,) = disclosure.products
    attribution = attribute(inventory, result)
    assert clinker.scope1_per_unit == pytest.approx(
        attribution.direct("clinker_line") / attribution.output("clinker_line"), rel=1e-12
    )
    assert clinker.total_per_unit == pytest.approx(
        (result.total() + mwh * GRID_2023) / attribution.output("clinker_line"), rel=1e-12
    )


def test_gbt_32150_counts_electricity_in_its_total_but_scope_2_keeps_it_apart() -> None:
    inventory, result = _accounted(MILL)
    raw = _raw(MILL)
    carbon, oxidation = NATURAL_GAS
    gas = sum(r["consumption"] * r["ncv"] * carbon * oxidation * 44 / 12 for r in raw["fuel"])
    mwh = sum(r["amount"] for r in raw["electricity"])
    disclosure = climate_disclosure([(inventory, result)], revenue=4.2e9, currency="CNY")
    assert disclosure.scope1 == pytest.approx(gas, rel=1e-9)
    assert disclosure.scope2_location == pytest.approx(mwh * GRID_2023, rel=1e-12)
    assert disclosure.scope1 + disclosure.scope2_location == pytest.approx(
        result.total(), rel=1e-12
    )
    assert disclosure.intensity_per_revenue == pytest.approx(
        (gas + mwh * GRID_2023) / 4200, rel=1e-9
    )
    assert disclosure.facilities[0].scope1_u > 0  # the gas meter's ±1 % MPE


def test_facilities_are_consolidated_and_organisations_kept_apart(tmp_path: Path) -> None:
    raw = _raw(MILL)
    raw["inventory"]["facility"] = "示例热轧二厂"
    second = tmp_path / "mill-2.yaml"
    second.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    one, two = _accounted(MILL), _accounted(second)
    both = climate_disclosure([one, two])
    assert both.scope1 == pytest.approx(2 * climate_disclosure([one]).scope1, rel=1e-12)
    assert [f.facility for f in both.facilities] == ["示例热轧厂", "示例热轧二厂"]
    with pytest.raises(DisclosureError, match="one organisation"):
        climate_disclosure([one, _accounted(CEMENT)])


def test_the_record_names_what_it_does_not_give() -> None:
    claims = [ClaimedCertificates("GEC-1", 1200.0, "wind", "P-1", "2025-03")]
    disclosure = climate_disclosure(
        [_accounted(CEMENT)], instruments=ContractualInstruments.of(claims)
    )
    record = disclosure_record(disclosure)
    assert record["scope3_tco2e"] is None and "scopes 1 and 2" in str(record["scope3_note"])
    assert record["scope2_market_based_tco2e"] is None
    assert record["contractual_instruments"] == {
        "green_certificates_mwh": 1200.0,
        "claims": ["GEC-1"],
        "technologies": ["wind"],
    }
    facility = record["facilities"][0]  # type: ignore[index]
    assert facility["method"]["document"] == "CETS—AG—02.01—V01—2024"
    assert "cn-grid-ef-2023/co2_emission_factor/grid/CN@1" in facility["method"]["factors"]
    assert json.loads(json.dumps(record)) == record


def test_command_line_in_both_languages(tmp_path: Path) -> None:
    runner = CliRunner()
    for lang, words in (("zh", "范围一"), ("en", "Scope 1")):
        page = tmp_path / f"disclosure-{lang}.html"
        done = runner.invoke(
            app,
            ["disclosure", "climate", str(CEMENT), "--revenue", "2.5e9", "--html", str(page),
             "--lang", lang],
        )  # fmt: skip
        assert done.exit_code == 0, done.output
        html = page.read_text(encoding="utf-8")
        assert words in html and "<svg" in html and "IFRS S2 29(a)" in html
    done = runner.invoke(app, ["disclosure", "climate", str(CEMENT), "--json"])
    assert json.loads(done.stdout)["format"] == "dualcarbon.climate-disclosure/1"


def test_energy_sold_is_neither_scope(tmp_path: Path) -> None:
    """GB/T 32150 subtracts electricity sold from its total; the disclosure keeps scope 2 to the
    electricity bought, and scope 1 to the emissions of the site's own sources."""
    raw = _raw(MILL)
    raw["electricity"].append(
        {"month": 1, "direction": "exported", "amount": 1000, "amount_ref": "售电结算单"}
    )
    path = tmp_path / "mill.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    plain = climate_disclosure([_accounted(MILL)])
    selling = climate_disclosure([_accounted(path)])
    assert selling.scope1 == pytest.approx(plain.scope1, rel=1e-12)
    assert selling.scope2_location == pytest.approx(plain.scope2_location, rel=1e-12)
    assert selling.electricity_mwh == pytest.approx(plain.electricity_mwh, rel=1e-12)


def test_a_facility_given_twice_is_refused() -> None:
    with pytest.raises(DisclosureError, match="given twice"):
        climate_disclosure([_accounted(CEMENT), _accounted(CEMENT)])
