"""The demo clinker footprint's gate-to-gate stage comes from the cement plant's inventory
(issue 17, item 1): worked by hand from the inventory's own numbers with the guideline's
equations, and a change of one month's coal changes the inventory and the footprint alike, with
the same evidence."""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from dualcarbon.accounting.engine import account
from dualcarbon.attribution import attribute
from dualcarbon.errors import InputError
from dualcarbon.footprint.footprint import compute_footprint
from dualcarbon.io import read_inventory
from dualcarbon.io.product_yaml import read_product_system

DATA = Path(__file__).resolve().parents[3] / "src" / "dualcarbon" / "demo" / "data"
INVENTORY = DATA / "cement-plant-2025.yaml"
CLINKER = DATA / "footprint" / "cement-clinker.yaml"

# CETS—AG—02.01—V01—2024 as the methodology file cites it; defaults as the factor catalogue
# holds them (GB/T 32151 Table C.1 for coal; Appendix A transcriptions for clinker/deductions).
CARBON_PER_HEAT, OXIDATION = 0.0261, 0.93  # bituminous coal, tC/GJ and fraction
PORTLAND, DEDUCTION = 0.535, {"电石渣": 0.48, "钢渣": 0.215}  # tCO2/t
GRID_2023 = 0.5306  # tCO2/MWh, MEE/NBS 公告2025年第47号 Table 1


def _hand(raw: dict[str, Any]) -> dict[str, float]:
    """Direct CO2, purchased MWh and clinker output of the plant, from the YAML's numbers."""
    process = 0.0
    for row in raw["clinker"]:
        if "cao_clinker" in row:
            factor = (row["cao_clinker"] - row["cao_noncarbonate"]) / 100 * 44 / 56 + (
                row["mgo_clinker"] - row["mgo_noncarbonate"]
            ) / 100 * 44 / 40
        else:
            factor = PORTLAND
        process += row["clinker_output"] * factor
    deduction = sum(r["amount"] * DEDUCTION[r["material"]] for r in raw["alternative_materials"])
    fuel = sum(
        r["consumption"] * r["ncv"] * CARBON_PER_HEAT * OXIDATION * 44 / 12 for r in raw["fuel"]
    )
    return {
        "direct": process - deduction + fuel,
        "fuel": fuel,
        "mwh": sum(r["amount"] for r in raw["electricity"]),
        "clinker": sum(r["clinker_output"] for r in raw["clinker"]),
    }


def test_attribution_keeps_every_tonne_and_splits_the_fence_meter_by_output() -> None:
    inventory = read_inventory(INVENTORY)
    result = account(inventory)
    attribution = attribute(inventory, result)
    assert attribution.unattributed == ()
    assert attribution.direct("clinker_line") == pytest.approx(result.total(), rel=1e-12)
    raw = yaml.safe_load(INVENTORY.read_text(encoding="utf-8"))
    january = {r["unit"]: r["clinker_output"] for r in raw["clinker"] if r["month"] == 1}
    shares = {
        a.instance: a.share
        for a in attribution.lines
        if a.source == "purchased_electricity" and a.month == 1
    }
    total = january["1#线"] + january["2#线"]
    assert shares == pytest.approx({k: v / total for k, v in january.items()}, rel=1e-12)
    line_1 = [a for a in attribution.lines_of("clinker_line", "1#线") if a.counted]
    assert all(a.share == 1.0 for a in line_1)  # the kiln's own lines, whole


def test_the_clinker_footprint_is_the_inventory_worked_by_hand() -> None:
    raw = yaml.safe_load(INVENTORY.read_text(encoding="utf-8"))
    hand = _hand(raw)
    system = read_product_system(CLINKER)
    result = compute_footprint(system)
    direct = hand["direct"] * 1000 / hand["clinker"]  # kgCO2 per t clinker
    electricity = hand["mwh"] * GRID_2023 * 1000 / hand["clinker"]
    assert result.by_flow["co2_fossil"] == pytest.approx(direct, rel=1e-9)
    assert result.by_flow["electricity:grid_electricity"] == pytest.approx(electricity, rel=1e-9)
    assert result.total == pytest.approx(direct + electricity, rel=1e-9)
    kiln = system.process("kiln")
    coal = next(e for e in kiln.exchanges if e.product == "bituminous_coal")
    assert coal.amount == pytest.approx(sum(r["consumption"] for r in raw["fuel"]), rel=1e-12)
    assert system.gate_to_gate is not None and system.gate_to_gate.digest is not None


def test_one_month_of_coal_changes_the_inventory_and_the_footprint(tmp_path: Path) -> None:
    """1 000 t more coal on line 1 in March: the inventory grows by FC × NCV × CC × OF × 44/12,
    the footprint by that over the year's clinker, and the footprint's coal line cites the same
    meter and lab report as the inventory's line."""
    folder = tmp_path / "data"
    (folder / "footprint").mkdir(parents=True)
    shutil.copy(CLINKER, folder / "footprint" / CLINKER.name)
    raw = yaml.safe_load(INVENTORY.read_text(encoding="utf-8"))
    before_system = read_product_system(CLINKER)
    before = compute_footprint(before_system).total
    before_total = account(read_inventory(INVENTORY)).total()
    march = next(r for r in raw["fuel"] if r["unit"] == "1#线" and r["month"] == 3)
    march["consumption"] += 1000
    (folder / INVENTORY.name).write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    changed = read_inventory(folder / INVENTORY.name)
    after_total = account(changed).total()
    delta = 1000 * march["ncv"] * CARBON_PER_HEAT * OXIDATION * 44 / 12
    assert after_total - before_total == pytest.approx(delta, rel=1e-9)
    system = read_product_system(folder / "footprint" / CLINKER.name)
    after = compute_footprint(system).total
    clinker = _hand(raw)["clinker"]
    assert after - before == pytest.approx(delta * 1000 / clinker, rel=1e-9)
    assert system.gate_to_gate is not None and before_system.gate_to_gate is not None
    assert system.gate_to_gate.digest == changed.digest() != before_system.gate_to_gate.digest
    fuel = next(
        e
        for e in system.process("kiln").exchanges
        if e.kind.value == "emission" and "fuel_combustion" in e.source
    )
    for evidence in (march["consumption_ref"], march["ncv_ref"]):
        assert evidence in fuel.source
    lines = account(changed).lines
    (fuel_line,) = lines.filter(
        (lines["unit"] == "1#线") & (lines["month"] == 3) & (lines["source"] == "fuel_combustion")
    )["line"].to_list()
    assert fuel_line in _cited_lines(fuel.source)  # the inventory's own line, by its number


def _cited_lines(source: str) -> set[int]:
    """The line numbers an exchange cites: "lines 37–48, 61–72; …"."""
    text = source.split("lines ", 1)[1].split(";", 1)[0]
    found: set[int] = set()
    for part in text.split(", "):
        low, _, high = part.partition("–")
        found.update(range(int(low), int(high or low) + 1))
    return found


def test_a_missing_inventory_is_named(tmp_path: Path) -> None:
    text = CLINKER.read_text(encoding="utf-8").replace(
        "../cement-plant-2025.yaml", "no-such-inventory.yaml"
    )
    path = tmp_path / "clinker.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_product_system(path)
    (problem,) = caught.value.problems
    assert problem.field == "gate_to_gate.inventory"
    assert problem.value == "no-such-inventory.yaml"


def test_an_unknown_process_level_is_named(tmp_path: Path) -> None:
    text = (
        CLINKER.read_text(encoding="utf-8")
        .replace("inventory: ../cement-plant-2025.yaml", f"inventory: {INVENTORY}")
        .replace("process: clinker_line", "process: grinding")
    )
    path = tmp_path / "clinker.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="no process 'grinding'"):
        read_product_system(path)


def test_the_kiln_emission_carries_the_process_uncertainty() -> None:
    """Line 1's clinker output is weighed at ±1 % MPE (u = 1 %/√3 of each month's output): the
    process exchange carries at least that, in tonnes of CO2."""
    system = read_product_system(CLINKER)
    process = next(
        e
        for e in system.process("kiln").exchanges
        if e.kind.value == "emission" and "clinker_process" in e.source
    )
    assert process.uncertainty is not None and process.uncertainty.scale is not None
    raw = yaml.safe_load(INVENTORY.read_text(encoding="utf-8"))
    output_u = math.sqrt(
        sum((r["clinker_output"] * 0.01 / math.sqrt(3) * PORTLAND) ** 2 for r in raw["clinker"])
    )
    assert process.uncertainty.scale > 0.5 * output_u


def test_a_flow_of_the_generated_id_must_be_the_same_gas(tmp_path: Path) -> None:
    """A flow ``co2_fossil`` without a gas would count the kiln's CO2 as nothing while citing
    the inventory: refused."""
    raw = yaml.safe_load(CLINKER.read_text(encoding="utf-8"))
    raw["gate_to_gate"]["inventory"] = str(INVENTORY)
    raw["flows"] = [{"id": "co2_fossil", "name": "x", "compartment": "air", "unit": "kg"}]
    path = tmp_path / "clinker.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_product_system(path)
    assert caught.value.problems[0].field == "flows"


def test_an_inventory_of_another_year_is_refused(tmp_path: Path) -> None:
    raw = yaml.safe_load(CLINKER.read_text(encoding="utf-8"))
    raw["gate_to_gate"]["inventory"] = str(INVENTORY)
    raw["period"] = {"start": "2026-01-01", "end": "2026-12-31"}
    path = tmp_path / "clinker.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError, match="inventory is of 2025"):
        read_product_system(path)
