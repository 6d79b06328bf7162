"""Direct measurement vs accounting: E_n by hand (ISO 13528:2015 §9.7 / ISO/IEC 17043 E_n with
expanded uncertainties), the accounting months from the demo plant, and the reports (zh/en,
well-formed HTML, inline SVG, signature block)."""

from __future__ import annotations

import math
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest

from dualcarbon.accounting.engine import account
from dualcarbon.accounting.result import AccountingResult
from dualcarbon.accounting.uncertainty import account_uncertainty
from dualcarbon.cems import comparison as cmp
from dualcarbon.cems.qa import demo_qa_record
from dualcarbon.cems.uncertainty import (
    HourInputs,
    Reading,
    correlation_curve,
    demo_series,
    hourly_uncertainty,
)
from dualcarbon.io import read_inventory
from dualcarbon.io.register_files import read_register
from dualcarbon.reports.cems_report import render_comparison_html, render_qa_html

DEMO = Path(__file__).resolve().parents[2] / "src" / "dualcarbon" / "demo" / "data"


@pytest.fixture(scope="module")
def demo_result() -> AccountingResult:
    inventory = read_inventory(DEMO / "demo-plant.yaml")
    return account(inventory, register=read_register(DEMO / "demo-register.yaml"))


# -- E_n by hand ---------------------------------------------------------------------------------


def test_en_by_hand() -> None:
    # E_CEMS = 105 ± 2 (u), E_acc = 100 ± 1.5 (u); k = 2: U = 4 and 3, √(16 + 9) = 5
    row = cmp.compare_row(cmp.MonthlyCo2("#1", 1, 105.0, 2.0), cmp.MonthlyCo2("#1", 1, 100.0, 1.5))
    assert row.U_cems == 4.0 and row.U_accounting == 3.0
    assert row.difference == 5.0
    assert row.relative_difference == pytest.approx(0.05)
    assert row.en == pytest.approx(1.0)
    assert row.consistent  # |E_n| = 1 is still consistent (≤ 1)
    over = cmp.compare_row(cmp.MonthlyCo2("#1", 1, 105.1, 2.0), cmp.MonthlyCo2("#1", 1, 100, 1.5))
    assert over.en == pytest.approx(5.1 / 5.0)
    assert not over.consistent
    # below: E_n = −12/√(6² + 8²) = −1.2
    low = cmp.compare_row(cmp.MonthlyCo2("#2", 3, 88.0, 3.0), cmp.MonthlyCo2("#2", 3, 100, 4.0))
    assert low.en == pytest.approx(-1.2)
    assert low.relative_difference == pytest.approx(-0.12)
    assert not low.consistent
    assert cmp.normalised_error(1.0, 0.0, 1.0, 0.0) == 0.0
    assert math.isinf(cmp.normalised_error(2.0, 0.0, 1.0, 0.0))


def test_pairing_and_annual_rows_by_hand() -> None:
    cems = [cmp.MonthlyCo2("#1", 1, 102.0, 2.0), cmp.MonthlyCo2("#1", 2, 98.0, 2.0)]
    accounting = [
        cmp.MonthlyCo2("#1", 1, 100.0, 1.0),
        cmp.MonthlyCo2("#1", 2, 100.0, 1.0),
        cmp.MonthlyCo2("#1", 3, 100.0, 1.0),
    ]
    result = cmp.compare(cems, accounting, cems_month_correlation=1.0)
    assert [(r.unit, r.month) for r in result.rows] == [("#1", 1), ("#1", 2)]
    assert result.unpaired == (("#1", 3, "cems"),)
    year = result.annual[0]
    # CEMS r = 1: u = 2 + 2 = 4, U = 8; accounting independent months: u = √2, U = 2√2
    assert year.cems == 200.0 and year.accounting == 200.0
    assert year.U_cems == pytest.approx(8.0)
    assert year.U_accounting == pytest.approx(2 * math.sqrt(2))
    assert year.en == 0.0
    independent = cmp.compare(cems, accounting, cems_month_correlation=0.0).annual[0]
    assert independent.U_cems == pytest.approx(2 * math.sqrt(8))
    given = cmp.compare(cems, accounting, accounting_annual_u={"#1": 3.0}).annual[0]
    assert given.U_accounting == pytest.approx(6.0)


def test_read_monthly_table() -> None:
    frame = pl.DataFrame({"unit": ["#1"], "month": [4], "co2_t": [1.5], "u_co2_t": [0.1]})
    assert cmp.read_monthly(frame) == [cmp.MonthlyCo2("#1", 4, 1.5, 0.1)]
    assert cmp.monthly_frame(cmp.read_monthly(frame)).equals(frame)
    with pytest.raises(cmp.ComparisonError, match="u_co2_t"):
        cmp.read_monthly(frame.drop("u_co2_t"))


# -- the accounting side -------------------------------------------------------------------------


def test_accounting_months_match_the_core(demo_result: AccountingResult) -> None:
    months = cmp.accounting_monthly(demo_result)
    fuel = demo_result.lines.filter(pl.col("counted") & (pl.col("source") == "fuel_combustion"))
    # every fuel tonne accounted once: the months add up to the fuel-combustion total
    assert sum(m.co2_t for m in months) == pytest.approx(float(fuel["emission_co2e"].sum()))
    # the demo plant's unit #2 was down in March: 12 + 11 unit-months
    assert len(months) == 23
    assert ("#2", 3) not in {(m.unit, m.month) for m in months}
    # a month with a single line: its u is the core's own per-line u
    whole = account_uncertainty(demo_result, "gum")
    line_u = dict(whole.line_u)
    single = fuel.group_by("unit", "month").len().filter(pl.col("len") == 1)
    checked = 0
    for unit, month, _ in single.iter_rows():
        line = fuel.filter((pl.col("unit") == unit) & (pl.col("month") == month))["line"][0]
        found = next(m for m in months if (m.unit, m.month) == (unit, month))
        assert found.u_co2_t == pytest.approx(line_u[line], rel=1e-9)
        checked += 1
    assert checked >= 15
    # relative u of the fuel route: lab carbon ±0.35 % abs. of ~55 % → about 0.6–0.7 %
    assert all(0.004 < m.u_co2_t / m.co2_t < 0.01 for m in months)


def test_demo_comparison_flags_default_carbon_months(demo_result: AccountingResult) -> None:
    result, cems = cmp.demo_comparison(demo_result)
    defaults = cmp.default_carbon_months(demo_result)
    assert defaults == {("#1", 4), ("#1", 9), ("#2", 7)}
    for row in result.rows:
        # the synthetic CEMS is 15 % low where the conservative default was used
        assert row.consistent == ((row.unit, row.month) not in defaults), row
    # reproducible with its seed, different with another
    assert cmp.demo_comparison(demo_result)[1] == cems
    assert cmp.demo_comparison(demo_result, seed=1)[1] != cems
    assert all(row.consistent for row in result.annual)


# -- the reports ---------------------------------------------------------------------------------

HOUR = HourInputs(
    co2=Reading(12.5, 0.125, 0.0625),
    flow=Reading(2.0e6, 5.0e4, 2.0e4),
    temperature=Reading(50.0, 1.0, 0.5),
    pressure=Reading(101.0, 0.3, 0.1),
    moisture=Reading(10.0, 0.5, 0.3),
)

VOID = {"meta", "br", "img", "hr", "path", "use", "rect", "circle", "stop"}


class Page(HTMLParser):
    """Well-formedness: every end tag closes the open element; counts tags and section ids."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: dict[str, int] = {}
        self.ids: set[str] = set()
        self.feed(text)
        self.close()
        if self.stack:
            self.errors.append(f"never closed: {self.stack}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_comparison_report_renders(demo_result: AccountingResult, lang: str) -> None:
    result, _ = cmp.demo_comparison(demo_result)
    page = render_comparison_html(
        result,
        facility=demo_result.meta.facility,
        year=demo_result.meta.year,
        lang=lang,
        methodology=demo_result.meta.methodology,
        verifier="张三",
        organisation="示范核查机构",
        date="2025-03-31",
        curve=correlation_curve(demo_series(hours=240)),
        hourly=hourly_uncertainty(HOUR, trials=50_000, seed=1),
    )
    parsed = Page(page)
    assert parsed.errors == []
    assert parsed.tags.get("svg") == 2  # the comparison chart and the correlation curve
    expected = {"summary", "chart", "monthly", "hourly-uncertainty", "method", "signature"}
    assert expected | {"conclusion"} <= parsed.ids
    # annual header + 2 units, monthly header + 23, hourly budget header + 5 inputs
    assert parsed.tags["tr"] == 1 + 2 + 1 + 23 + 1 + 5
    assert "张三" in page and "2025-03-31" in page and "示范核查机构" in page
    assert ("核查结论" if lang == "zh" else "Conclusion") in page
    assert ("显著差异" if lang == "zh" else "significant") in page  # the default-carbon months
    assert 'lang="zh-CN"' in page if lang == "zh" else 'lang="en"' in page
    assert "@media print" in page and "http" not in page.replace("http-equiv", "")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_qa_report_renders(lang: str) -> None:
    page = render_qa_html(demo_qa_record(), lang=lang, tester="李四")
    parsed = Page(page)
    assert parsed.errors == []
    assert {"summary", "details", "signature"} <= parsed.ids
    # summary header + 8 tests, and RATA run table header + 9 runs
    assert parsed.tags["tr"] == 9 + 10
    assert "2.306" in page and "0.90 %" in page  # t(0.975, 8) and RA of the worked example
    assert ("全部检查项合格" if lang == "zh" else "All tests passed") in page
    assert "A-7" in page and "HJ 75-2017" in page and "李四" in page


def test_qa_report_shows_a_failure() -> None:
    from dualcarbon.cems import qa

    record = qa.QaRecord("S", "A", "P", (qa.assess_drift(0.0, 1.0, 20.0, kind="zero"),))
    page = render_qa_html(record, lang="en")
    assert "At least one test failed" in page
    assert 'class="verdict fail"' in page and 'class="verdict pass"' not in page


def test_cems_monthly_from_the_pipeline_hourly_table() -> None:
    import datetime as dt

    hourly = pl.DataFrame(
        {
            "source": ["A", "A", "B", "A", "A"],
            "hour": [
                dt.datetime(2024, 1, 1, 0),
                dt.datetime(2024, 1, 1, 1),
                dt.datetime(2024, 1, 1, 0),
                dt.datetime(2024, 2, 1, 0),
                dt.datetime(2024, 2, 1, 1),
            ],
            "co2_t": [100.0, 200.0, 50.0, 300.0, None],
            "status": ["measured", "substituted", "measured", "measured", "unfilled"],
        }
    )
    rows = cmp.cems_monthly_from_hourly(
        hourly,
        {"A": "#1", "B": "#1"},
        relative_systematic=0.02,
        relative_random=0.01,
        correlation=1.0,
        substituted_relative_random=0.1,
    )
    # January: Σm = 350, systematic 0.02·350 = 7; random 0.01²·(100² + 50²) + 0.1²·200²
    jan = math.sqrt(7.0**2 + 0.0001 * (100**2 + 50**2) + 0.01 * 200**2)
    # February: the unfilled hour is left out: 300 t, u² = 6² + 3²
    assert rows == [
        cmp.MonthlyCo2("#1", 1, 350.0, pytest.approx(jan, rel=1e-12)),  # type: ignore[arg-type]
        cmp.MonthlyCo2("#1", 2, 300.0, pytest.approx(math.hypot(6.0, 3.0), rel=1e-12)),  # type: ignore[arg-type]
    ]
    with pytest.raises(cmp.ComparisonError, match="B"):
        cmp.cems_monthly_from_hourly(
            hourly, {"A": "#1"}, relative_systematic=0.02, relative_random=0.01
        )
