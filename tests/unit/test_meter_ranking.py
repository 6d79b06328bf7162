"""Which measurement to improve (accounting/improvements.py), on constructed inventories whose
answer is known, each figure worked by hand from the lines' emissions.

A furnace burns natural gas metered by one flowmeter (FT-1) and analysed monthly by a laboratory;
the site buys electricity through one revenue meter (GK-1). GB/T 32150-2015's methodology; the
default carbon per unit heat of natural gas is GB/T 32151 table C.1's (read from the catalogue)."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from dualcarbon.accounting.engine import account
from dualcarbon.accounting.improvements import rank_improvements
from dualcarbon.accounting.result import AccountingResult
from dualcarbon.factors import default_catalogue
from dualcarbon.io.yaml_inventory import inventory_from_mapping

K = 1.959963984540054  # the GUM coverage factor for p = 95 %, infinite degrees of freedom


def _inventory(gas_mpe: float, grid_mpe: float | None, default_months: tuple[int, ...] = ()) -> Any:
    gas = []
    for month in range(1, 13):
        line: dict[str, Any] = {
            "unit": "加热炉",
            "month": month,
            "fuel": "natural_gas",
            "consumption": 400.0 + month,
            "consumption_unit": "万Nm3",
            "consumption_ref": "天然气流量计 FT-1",
            "consumption_mpe": gas_mpe,
            "ncv": 370.0 + month / 10,
            "ncv_unit": "GJ/万Nm3",
            "ncv_u": 1.0,
            "ncv_ref": f"GC-{month}",
        }
        if month not in default_months:
            line |= {
                "carbon_content": 5.60 + month / 100,
                "carbon_content_unit": "tC/万Nm3",
                "carbon_content_u": 0.01,
                "carbon_content_ref": f"GC-{month}",
            }
        gas.append(line)
    grid: list[dict[str, Any]] = [
        {"month": m, "direction": "purchased", "amount": 6000.0, "amount_ref": "关口表 GK-1"}
        for m in range(1, 13)
    ]
    if grid_mpe is not None:
        for line in grid:
            line["amount_mpe"] = grid_mpe
    raw = {
        "inventory": {
            "organisation": "测试",
            "facility": "轧钢",
            "year": 2025,
            "methodology": "gbt-32150-2015",
        },
        "fuel": gas,
        "electricity": grid,
    }
    return inventory_from_mapping(raw, source="constructed.yaml")


def _lines(result: AccountingResult, **where: str) -> pl.DataFrame:
    lines = result.lines.filter(pl.col("counted"))
    for column, value in where.items():
        lines = lines.filter(pl.col(column) == value)
    return lines


def _by_hand_variance(result: AccountingResult) -> dict[str, float]:
    """u² by hand: each gas line's FC, C and the electricity lines' amounts are independent
    inputs; E = FC·C·OF·44/12 and E = AD·EF are products, so c·u = E·u_rel for each."""
    gas = _lines(result, source="fuel_combustion")
    grid = _lines(result, source="purchased_electricity")
    meter_gas = float(((gas["emission_co2e"] * gas["activity_u"] / gas["activity"]) ** 2).sum())
    lab = float(((gas["emission_co2e"] * gas["carbon_u"] / gas["carbon_content"]) ** 2).sum())
    meter_grid = float(((grid["emission_co2e"] * grid["activity_u"] / grid["activity"]) ** 2).sum())
    return {"FT-1": meter_gas, "lab": lab, "GK-1": meter_grid}


def test_a_coarse_gas_flowmeter_is_the_one_to_improve() -> None:
    """FT-1 of ±2.5 % carries most of the variance; one class better is ±2.0 %, so its variance
    falls by (2.0/2.5)²: U' = k·√(u² − v_FT1·(1 − 0.64))."""
    result = account(_inventory(gas_mpe=2.5, grid_mpe=0.5))
    ranking = rank_improvements(result)
    parts = _by_hand_variance(result)
    u2 = sum(parts.values())
    assert ranking.u == pytest.approx(math.sqrt(u2), rel=1e-9)
    top = ranking.top
    assert top is not None and top.kind == "meter_class" and top.target == "天然气流量计 FT-1"
    assert top.U_after == pytest.approx(K * math.sqrt(u2 - parts["FT-1"] * (1 - 0.64)), rel=1e-9)
    assert top.variance_share == pytest.approx(parts["FT-1"] / u2, rel=1e-9)
    assert "2.5% → 2%" in top.action_zh


def test_when_the_revenue_meter_is_coarse_it_comes_first() -> None:
    """The same site with a class-2 electricity meter and a ±0.5 % gas flowmeter: GK-1 first; one
    class better in the generic series is 1.5, variance × (1.5/2)²; the laboratory's series
    analysed twice halves its variance."""
    result = account(_inventory(gas_mpe=0.5, grid_mpe=2.0))
    ranking = rank_improvements(result)
    parts = _by_hand_variance(result)
    u2 = sum(parts.values())
    top = ranking.top
    assert top is not None and top.target == "关口表 GK-1"
    assert top.U_after == pytest.approx(K * math.sqrt(u2 - parts["GK-1"] * (1 - 0.5625)), rel=1e-9)
    analyses = next(i for i in ranking.by_uncertainty if i.kind == "duplicate_analysis")
    assert analyses.U_after == pytest.approx(K * math.sqrt(u2 - parts["lab"] / 2), rel=1e-9)


def test_a_default_replaced_by_the_sites_own_measurements() -> None:
    """Months 3 and 7 take the default carbon per unit heat (GB/T 32151 table C.1). The site's ten
    analyses show Σ C·FC / Σ NCV·FC; the two months at that rate × their NCV change by
    E·(measured/default − 1)."""
    result = account(_inventory(gas_mpe=1.0, grid_mpe=0.5, default_months=(3, 7)))
    ranking = rank_improvements(result)
    gas = _lines(result, source="fuel_combustion")
    measured = gas.filter(pl.col("carbon_tier") == "lab")
    per_heat = float((measured["carbon_content"] * measured["activity"]).sum()) / float(
        (measured["ncv"] * measured["activity"]).sum()
    )
    default = (
        default_catalogue().get("gbt-32151-common-fuels/carbon_content_per_heat/natural_gas").value
    )
    defaulted = gas.filter(pl.col("carbon_tier") == "default")
    assert defaulted["month"].to_list() == [3, 7]
    expected = float(defaulted["emission_co2e"].sum()) * (per_heat / default - 1)
    (found,) = ranking.by_emissions
    assert found.kind == "measure_default"
    assert found.emission_difference == pytest.approx(expected, rel=1e-9)
    assert set(found.lines) == set(defaulted["line"].to_list())


def test_a_meter_of_unstated_accuracy_is_listed_not_ranked() -> None:
    inventory = _inventory(gas_mpe=1.0, grid_mpe=None)
    ranking = rank_improvements(account(inventory))
    (unstated,) = ranking.unstated
    assert unstated.target == "关口表 GK-1" and len(unstated.lines) == 12
    assert all(i.target != "关口表 GK-1" for i in ranking.by_uncertainty)


def test_the_demo_plant_ranks_through_the_command(tmp_path: Path) -> None:
    """`dualcarbon account --rank-meters` on the demo plant with its register: the JSON carries
    the ranking, the report its section, and the overdue belt weigher BS-101 is listed with the
    emissions of its two flagged months."""
    from typer.testing import CliRunner

    from dualcarbon.cli.main import app
    from dualcarbon.demo import demo_inventory_path

    path = demo_inventory_path()
    html = tmp_path / "报告.html"
    out = CliRunner().invoke(
        app,
        [
            "account",
            str(path),
            "--register",
            str(path.with_name("demo-register.yaml")),
            "--rank-meters",
            "--json",
            "--html",
            str(html),
        ],
    )
    assert out.exit_code == 0, out.output
    ranking = json.loads(out.stdout)["improvements"]
    falls = [i["U_reduction"] for i in ranking["by_uncertainty"]]
    assert falls == sorted(falls, reverse=True) and falls[0] > 0
    (calibration,) = ranking["calibrations"]
    assert calibration["target"] == "BS-101" and len(calibration["lines"]) == 2
    (default,) = ranking["by_emissions"]
    assert default["kind"] == "measure_default" and default["emission_difference"] < 0
    page = html.read_text("utf-8")
    assert 'id="improvements"' in page and "计量改进优先级" in page


def test_a_default_whose_analyses_state_no_u_is_not_ranked_by_uncertainty() -> None:
    """Without a u the analyses cannot say what measuring would cost in uncertainty: the default
    is listed by its emissions effect only."""
    inventory = _inventory(gas_mpe=1.0, grid_mpe=0.5, default_months=(3, 7))
    fuel = inventory.tables["fuel"].with_columns(carbon_content_u=pl.lit(None, pl.Float64))
    inventory = dataclasses.replace(inventory, tables={**inventory.tables, "fuel": fuel})
    ranking = rank_improvements(account(inventory))
    (found,) = ranking.by_emissions
    assert found.U_after == found.U_before and found.emission_difference != 0
    assert all(i.kind != "measure_default" for i in ranking.by_uncertainty)
    assert "不按不确定度排序" in found.basis_zh
