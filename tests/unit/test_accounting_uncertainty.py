"""Uncertainty of accounting results, against hand propagation."""

import math

import polars as pl
import pytest

from dualcarbon.accounting.engine import account
from dualcarbon.accounting.inventory import Inventory, InventoryHeader
from dualcarbon.accounting.uncertainty import account_uncertainty
from dualcarbon.reports.html import render_html
from evidence import all_with_evidence

R = 44 / 12


def _result(
    fuel: pl.DataFrame,
    methodology: str = "cn-mee-power-2022",
    year: int = 2024,
    **tables: pl.DataFrame,
) -> object:
    header = InventoryHeader(organisation="t", year=year, methodology=methodology)
    return account(Inventory(header, all_with_evidence({"fuel": fuel, **tables})))


def test_one_measured_line_by_hand() -> None:
    # E = FC × C × OF × 44/12; u²(E)/E² = (MPE/√3)² + (u_C/C)²  (JCGM 100 5.1.6, products)
    fuel = pl.DataFrame(
        {
            "month": [1],
            "fuel": ["coal"],
            "consumption": [1000.0],
            "consumption_mpe": [0.5],
            "ncv": [20.0],
            "carbon_content": [55.0],
            "carbon_content_u": [0.4],
        }
    )
    result = _result(fuel)
    found = account_uncertainty(result)  # type: ignore[arg-type]
    e = 1000 * 0.55 * 0.99 * R
    expected = e * math.sqrt((0.005 / math.sqrt(3)) ** 2 + (0.4 / 55.0) ** 2)
    assert found.value == pytest.approx(e)
    assert found.u == pytest.approx(expected, rel=1e-12)
    assert found.k == pytest.approx(1.959964, abs=1e-6)
    shares = {b.label: b.variance_share for b in found.budget}
    assert sum(shares.values()) == pytest.approx(1.0)


def test_a_shared_default_correlates_the_months() -> None:
    # GB/T 32150—2025 with the IPCC fuel defaults, nothing measured: both months rest on the
    # IPCC 2006 default NCV of bituminous coal (Table 1.2: 25.8 TJ/Gg, 95 % bounds 19.9–30.5).
    # Its uncertainty enters once
    # and the months are fully correlated through it: u = (E1 + E2)·u_rel, not root-sum-square.
    fuel = pl.DataFrame(
        {"month": [1, 2], "fuel": ["bituminous_coal"] * 2, "consumption": [600.0, 400.0]}
    )
    result = _result(fuel, "gbt-32150-2025-ipcc", 2026)
    found = account_uncertainty(result)  # type: ignore[arg-type]
    relative = (30.5 - 19.9) / 2 / 1.959963984540054 / 25.8  # normal, JCGM 100 4.3.4
    assert found.u == pytest.approx(found.value * relative, rel=1e-9)
    (line,) = found.budget
    assert line.input == "ipcc-2006-v2-ch1/net_calorific_value/bituminous_coal@1"
    assert line.variance_share == pytest.approx(1.0)


def test_monte_carlo_agrees_with_the_law_of_propagation() -> None:
    fuel = pl.DataFrame(
        {
            "month": [1, 2, 3],
            "fuel": ["coal"] * 3,
            "consumption": [1000.0, 1200.0, 900.0],
            "consumption_mpe": [0.5] * 3,
            "ncv": [20.0, 21.0, 22.0],
            "ncv_u": [0.1, 0.1, 0.1],
            "carbon_content": [55.0, None, 54.0],
            "carbon_content_u": [0.3] * 3,
        }
    )
    result = _result(fuel)
    gum = account_uncertainty(result)  # type: ignore[arg-type]
    mcm = account_uncertainty(result, "mcm", trials=200_000, seed=3)  # type: ignore[arg-type]
    assert mcm.u == pytest.approx(gum.u, rel=0.02)
    assert mcm.value == pytest.approx(gum.value, rel=1e-3)


def test_report_shows_the_uncertainty() -> None:
    fuel = pl.DataFrame(
        {
            "month": [1],
            "fuel": ["coal"],
            "consumption": [1000.0],
            "consumption_mpe": [0.5],
            "ncv": [20.0],
            "carbon_content": [55.0],
        }
    )
    result = _result(fuel)
    page = render_html(result, uncertainty=account_uncertainty(result))  # type: ignore[arg-type]
    assert 'id="uncertainty"' in page and "±" in page
    assert 'id="uncertainty"' not in render_html(result)  # type: ignore[arg-type]


def test_each_line_reports_its_own_u() -> None:
    fuel = pl.DataFrame(
        {
            "month": [1, 2],
            "fuel": ["coal"] * 2,
            "consumption": [1000.0, 500.0],
            "consumption_mpe": [0.5, 1.0],
            "ncv": [20.0, 20.0],
            "carbon_content": [55.0, 55.0],
        }
    )
    found = account_uncertainty(_result(fuel))  # type: ignore[arg-type]
    by_line = dict(found.line_u)
    e1, e2 = 1000 * 0.55 * 0.99 * R, 500 * 0.55 * 0.99 * R
    assert by_line[1] == pytest.approx(e1 * 0.005 / math.sqrt(3))
    assert by_line[2] == pytest.approx(e2 * 0.010 / math.sqrt(3))
    assert found.to_json()["lines"][0]["line"] == 1


def test_an_amount_read_once_is_one_input_for_every_line_it_feeds() -> None:
    """The aluminium example's electrolysis series: each month's aluminium output feeds the
    anode line and the two PFC lines. One reading has one error, so it is one input, whose
    sensitivity is Σ E_l / AD over those lines (each line a product in AD)."""
    from pathlib import Path

    from dualcarbon.io import read_inventory

    root = Path(__file__).parents[2]
    result = account(read_inventory(root / "examples" / "aluminium-2025.yaml"))
    readings = [i for i in account_uncertainty(result).inputs if i.key.startswith("reading ")]
    shared = [i for i in readings if len(i.lines) > 1]
    assert shared, "no amount feeds several lines"
    lines = result.lines.filter(pl.col("counted"))
    for entry in shared:
        mine = lines.filter(pl.col("line").is_in(list(entry.lines)))
        assert mine["activity"].n_unique() == 1 and mine["input_row"].n_unique() == 1
        by_hand = float((mine["emission_co2e"] * mine["sign"]).sum()) / entry.value
        assert entry.sensitivity == pytest.approx(by_hand, rel=1e-9)
