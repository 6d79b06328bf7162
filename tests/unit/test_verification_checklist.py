"""The verifier's checklist as data, and the automatic checks beside its items (issue 14,
item 2): each check must find what it is for on a result built to show it."""

from __future__ import annotations

import dataclasses

import polars as pl

from dualcarbon.accounting.engine import account
from dualcarbon.demo import demo_inventory_path, demo_register_path
from dualcarbon.io import read_inventory
from dualcarbon.io.register_files import read_register
from dualcarbon.methodologies.definition import all_methodologies
from dualcarbon.verification.checklist import automatic_check, checklist

DEMO = account(read_inventory(demo_inventory_path()))


def test_every_sector_gets_the_common_items_and_only_its_own() -> None:
    common = {i.id for i in checklist().items if not i.sectors}
    assert {"boundary", "method", "emissions", "laboratory", "site_instruments"} <= common
    for sector in {m.sector for m in all_methodologies().values()}:
        ids = {i.id for i in checklist().for_sector(sector)}
        assert common <= ids
        assert all(sector in i.sectors for i in checklist().items if i.id in ids - common)
    assert "power_carbon_analysis" in {i.id for i in checklist().for_sector("power")}
    assert "power_carbon_analysis" not in {i.id for i in checklist().for_sector("cement")}


def test_recomputation_finds_a_line_that_does_not_follow_its_inputs() -> None:
    assert automatic_check("recomputation", DEMO).hint == "conform"
    tampered = DEMO.lines.with_columns(
        pl.when(pl.col("line") == 5)
        .then(pl.col("emission") * 1.01)
        .otherwise(pl.col("emission"))
        .alias("emission")
    )
    found = automatic_check("recomputation", dataclasses.replace(DEMO, lines=tampered))
    assert found.hint == "nonconform" and "第 5 条" in found.text_zh


def test_instruments_name_the_readings_of_an_overdue_meter() -> None:
    unlinked = automatic_check("instruments", DEMO)
    assert unlinked.hint == "review"
    linked = account(
        read_inventory(demo_inventory_path()), register=read_register(demo_register_path())
    )
    found = automatic_check("instruments", linked)
    # BS-101 was overdue in March and April 2024 (the demo register's note)
    assert found.hint == "nonconform" and "BS-101" in found.text_zh


def test_laboratory_reports_that_name_no_accreditation_are_listed() -> None:
    found = automatic_check("laboratory", DEMO)
    assert found.hint == "review" and "元素碳报告 C2024-101" in found.text_zh
    accredited = DEMO.lines.with_columns(
        pl.col("carbon_ref").str.replace("元素碳报告", "CMA 元素碳报告"),
        pl.col("ncv_ref").str.replace("热值报告", "CNAS 热值报告"),
    )
    relabelled = dataclasses.replace(DEMO, lines=accredited)
    assert automatic_check("laboratory", relabelled).hint == "conform"


def test_carbon_tiers_count_the_months_on_the_default() -> None:
    found = automatic_check("carbon_tiers", DEMO)
    defaults = DEMO.lines.filter(
        (pl.col("source") == "fuel_combustion") & (pl.col("carbon_tier") == "default")
    ).height
    assert found.hint == "review" and f"{defaults}/" in found.text_zh


def test_a_cems_month_against_a_unit_that_was_down_does_not_break_the_check() -> None:
    """A review found the comparison raised on a month accounted as zero (a unit down), and the
    whole result page with it: such months are left out of the comparison."""
    from dualcarbon.cems.comparison import MonthlyCo2, accounting_monthly

    months = accounting_monthly(DEMO)
    cems = [MonthlyCo2(m.unit, m.month, m.co2_t, 0.02 * m.co2_t) for m in months]
    cems.append(MonthlyCo2("#2", 3, 10.0, 1.0))  # #2 did not run in March
    found = automatic_check("cems", DEMO, cems)
    assert found.hint == "conform" and f"{len(months)} 个机组·月" in found.text_zh


def test_a_result_computed_without_the_checks_is_not_called_clean() -> None:
    unchecked = account(read_inventory(demo_inventory_path()), plausibility=False)
    assert automatic_check("plausibility", unchecked).hint == "review"
    assert automatic_check("completeness", unchecked).hint == "review"
    assert automatic_check("plausibility", DEMO).hint == "conform"
