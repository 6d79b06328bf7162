"""The trace as provenance (issue 13, item 2): one row per input of every line, with its unit,
tier, evidence and uncertainty, read from the demo plant (docs/inventory-format.md) and the
GB/T 32150 references."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from dualcarbon.accounting.engine import account
from dualcarbon.accounting.inputs import input_datum, line_inputs
from dualcarbon.accounting.inventory import Inventory, InventoryHeader
from dualcarbon.accounting.result import result_to_json
from dualcarbon.demo import demo_inventory_path
from dualcarbon.io import read_inventory
from dualcarbon.methodologies.registry import get_calculator
from reference.test_gbt_32150 import TABLES as GBT_32150_TABLES


@pytest.fixture(scope="module")
def demo() -> tuple[pl.DataFrame, pl.DataFrame]:
    result = account(read_inventory(demo_inventory_path()))
    return result.lines, line_inputs(result.lines)


def _line(lines: pl.DataFrame, **where: object) -> int:
    frame = lines
    for column, value in where.items():
        frame = frame.filter(pl.col(column) == value)
    (line,) = frame["line"].to_list()
    return int(line)


def test_a_measured_month_names_its_meter_and_reports(
    demo: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    lines, inputs = demo
    line = _line(lines, unit="#1", month=1, item="coal")
    mine = {row["slot"]: row for row in inputs.filter(pl.col("line") == line).to_dicts()}
    assert list(mine) == ["consumption", "carbon_content", "net_calorific_value", "oxidation_rate"]
    # demo-plant.yaml row 1: 112400 t by 入炉煤皮带秤 BS-101, carbon 55.21 % by report C2024-101
    assert (mine["consumption"]["value"], mine["consumption"]["unit"]) == (112_400.0, "t")
    assert mine["consumption"]["tier"] == "measured"
    assert mine["consumption"]["reference"] == "入炉煤皮带秤 BS-101"
    assert mine["carbon_content"]["value"] == pytest.approx(0.5521, rel=1e-12)
    assert (mine["carbon_content"]["unit"], mine["carbon_content"]["tier"]) == ("tC/t", "lab")
    assert mine["carbon_content"]["reference"] == "元素碳报告 C2024-101"
    assert mine["carbon_content"]["u"] == pytest.approx(0.0035, rel=1e-12)
    assert mine["carbon_content"]["derived"] is False
    assert mine["oxidation_rate"]["tier"] == "default"
    assert mine["oxidation_rate"]["reference"].startswith("cn-mee-power-2022/oxidation_rate/coal@")


def test_a_month_without_analysis_derives_its_carbon_from_the_default(
    demo: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    lines, inputs = demo
    line = _line(lines, unit="#1", month=4, item="coal")  # no element-carbon report in April
    mine = {row["slot"]: row for row in inputs.filter(pl.col("line") == line).to_dicts()}
    assert mine["carbon_content"]["derived"] is True
    assert mine["carbon_content"]["tier"] == "default"
    assert mine["carbon_per_heat"]["unit"] == "tC/GJ"
    assert mine["carbon_per_heat"]["value"] == pytest.approx(0.03085, rel=1e-12)
    assert mine["carbon_per_heat"]["reference"].startswith(
        "cn-mee-power-2022/carbon_content_per_heat/coal_unmeasured@"
    )
    assert mine["carbon_content"]["value"] == pytest.approx(
        mine["net_calorific_value"]["value"] * mine["carbon_per_heat"]["value"], rel=1e-12
    )


def test_a_gas_other_than_co2_carries_its_gwp() -> None:
    header = InventoryHeader(organisation="t", year=2026, methodology="gbt-32150-2025-ipcc")
    result = account(Inventory(header, GBT_32150_TABLES))
    inputs = line_inputs(result.lines)
    gwp = inputs.filter(pl.col("slot") == "gwp")
    assert gwp.height == 1  # the N2O row of nitric acid production
    assert gwp["value"].item() == 273.0  # IPCC AR6 WG1 Table 7.15, as GB/T 32150—2025 takes it
    assert gwp["reference"].item().startswith("gwp-ipcc-ar6/gwp/N2O@")


def test_every_line_is_its_equation_of_its_inputs(
    demo: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    lines, inputs = demo
    wide = inputs.filter(pl.col("slot") != "gwp").pivot(on="slot", index="line", values="value")
    for (calculator_id,), group in lines.join(wide, on="line").group_by("formula"):
        calculator = get_calculator(str(calculator_id))
        equation = calculator.compiled()
        values = {name: group[name].to_numpy() for name in equation.inputs}
        assert equation.evaluate(values) == pytest.approx(group["emission"].to_numpy(), rel=1e-12)


def test_the_export_keys_line_inputs_by_slot(demo: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    """docs/result-json.md: ``dualcarbon.result/2``, inputs keyed by calculator slot."""
    result = account(read_inventory(demo_inventory_path()))
    exported = result_to_json(result, lang="en")
    assert exported["schema"] == "dualcarbon.result/2"
    lines = [
        line
        for facility in exported["tree"]
        for source in facility["sources"]
        for unit in source["units"]
        for line in unit["lines"]
    ]
    april = next(
        x for x in lines if x["line"] == _line(result.lines, unit="#1", month=4, item="coal")
    )
    assert april["calculator"] == "fuel_combustion_co2"
    assert list(april["inputs"]) == [
        "consumption",
        "carbon_content",
        "net_calorific_value",
        "carbon_per_heat",
        "oxidation_rate",
    ]
    assert april["inputs"]["consumption"]["symbol"] == "FC_i"
    assert april["inputs"]["carbon_content"]["derived"] == (
        "carbon_content = net_calorific_value * carbon_per_heat"
    )
    assert april["inputs"]["net_calorific_value"]["u"] == 0.12  # demo-plant.yaml row 4, ncv_u
    assert sum(len(x["inputs"]) for x in lines) == line_inputs(result.lines).height


def test_a_process_factor_typed_in_kg_is_held_in_the_calculators_unit() -> None:
    """E = AD × EF with EF in t per unit of activity: 2 000 t × 440 kg/t = 880 t. The line and
    the inputs table hold 0.44 t/t, so the equation holds on them as stated; the sentence keeps
    the value as typed."""
    process = pl.DataFrame(
        {
            "month": [1],
            "process": ["石灰石分解"],
            "activity": [2000.0],
            "activity_ref": ["地磅"],
            "emission_factor": [440.0],
            "emission_factor_unit": ["kg/t"],
            "emission_factor_u": [4.0],
            "emission_factor_ref": ["化学计量"],
            "emission_factor_tier": ["calculated"],
        }
    )
    header = InventoryHeader(organisation="t", year=2026, methodology="gbt-32150-2025")
    result = account(Inventory(header, {"process": process}))
    assert result.total() == pytest.approx(880.0, rel=1e-12)
    factor = result.inputs.filter(pl.col("slot") == "emission_factor").row(0, named=True)
    assert (factor["value"], factor["unit"], factor["u"]) == pytest.approx((0.44, "t/t", 0.004))
    assert "440" in result.lines["explanation_zh"].item()


def test_every_input_of_every_example_is_a_datum() -> None:
    """The inputs table is the spine's datum column by column (decision 0014): each row read
    out is a valid Datum (unit parses, u not negative, a tier, its evidence)."""
    examples = Path(__file__).parents[2] / "examples"
    paths = [demo_inventory_path(), *sorted(examples.glob("*-2025.yaml"))]
    for path in paths:
        result = account(read_inventory(path))
        data = [input_datum(entry) for entry in result.inputs.to_dicts()]
        assert len(data) == result.inputs.height > 0
        assert all(d.provenance.reference for d in data if d.provenance.tier != "calculated")


def test_no_nan_in_the_json_of_a_unit_without_heat_supply() -> None:
    """Issue 14, item 3: a unit that supplied no heat has no heat rate (0/0). The export writes
    null, names the fields and says why, and the document is valid JSON (no NaN)."""
    inventory = read_inventory(demo_inventory_path())
    production = inventory.tables["production"].with_columns(
        pl.lit(0.0).alias("heat_supply"), pl.lit(0.0).alias("heat_ratio")
    )
    no_heat = Inventory(inventory.header, {**inventory.tables, "production": production})
    document = account(no_heat).to_json_dict()
    json.dumps(document, allow_nan=False, default=str)
    row = document["production"][0]
    assert row["heat_intensity"] is None
    assert "heat_intensity" in row["undefined"]["fields"] and row["undefined"]["reason_zh"]
