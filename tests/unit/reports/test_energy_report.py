"""The energy report shows the balance, each grade with its corrected limits and clauses, and
its charts, in Chinese by default and in English."""

from __future__ import annotations

from pathlib import Path

from dualcarbon.accounting.engine import account
from dualcarbon.energy.assessment import assess
from dualcarbon.energy.conditions import GradingConditions, UnitConditions
from dualcarbon.io.yaml_inventory import read_yaml_inventory
from dualcarbon.reports.energy_report import render_energy_report

EXAMPLES = Path(__file__).parents[3] / "examples"


def cement_assessment():  # type: ignore[no-untyped-def]
    inventory = read_yaml_inventory(EXAMPLES / "cement-2025.yaml")
    site = UnitConditions(numbers={"altitude_m": 2000, "pressure_pa": 79_500})
    return assess(inventory, account(inventory, plausibility=False), GradingConditions(site=site))


def test_chinese_report_shows_grades_corrections_and_charts() -> None:
    assessment = cement_assessment()
    page = render_energy_report(assessment)
    assert 'lang="zh-CN"' in page
    assert f"{assessment.balance.total_tce:,.2f}" in page
    assert "GB 16780-2021 5.3 式(1)" in page  # the altitude step names its clause
    assert "超过限定值" in page  # line 2's coal consumption exceeds grade 3
    assert page.count("<svg") == 2  # monthly energy and the grade chart
    assert "TRANSCRIBED" in page and "水泥单位产品综合能耗" in page  # not computed, listed


def test_english_report() -> None:
    page = render_energy_report(cement_assessment(), lang="en")
    assert 'lang="en"' in page and "Quota grades" not in page
    assert "calorific equivalent" in page and "above the limiting value" in page
