"""The HTML report: content a carbon manager and a verifier rely on, self-contained and escaped."""

from __future__ import annotations

import dataclasses
import re
from importlib import resources
from pathlib import Path

import polars as pl
import pytest
from markupsafe import escape

from dualcarbon.accounting.engine import account
from dualcarbon.accounting.inventory import Inventory, InventoryHeader
from dualcarbon.accounting.result import AccountingResult
from dualcarbon.reports import render_html, write_html
from dualcarbon.reports.html import fmt, fmt_share, fmt_sig
from dualcarbon.reports.i18n import PRODUCTION, SOURCES, TEXT, TIERS

ORGANISATION = "<script>alert('x')</script> 示例发电 & Co"


def _inventory(organisation: str = "示例发电有限公司", unit: str = "1号机组") -> Inventory:
    fuel = pl.DataFrame(
        {
            "facility": ["main"] * 4,
            "unit": [unit, unit, unit, "2号机组"],
            "month": [1, 2, 3, 1],
            "fuel": ["coal", "coal", "coal", "fuel_oil"],
            "consumption": [12_000.0, 11_500.0, 13_250.5, 42.0],
            "ncv": [20.9, 21.1, 20.5, None],
            "ncv_ref": ["RZ-01", "RZ-02", "RZ-03", ""],
            # month 2 has no carbon analysis: the methodology's default applies
            "carbon_content": [55.0, None, 54.2, None],
            "carbon_content_ref": ["JC-01", "", "JC-03", ""],
            "consumption_ref": ["BS-01", "BS-01", "BS-01", "TANK-2"],
        }
    )
    electricity = pl.DataFrame(
        {
            "facility": ["main", "main"],
            "unit": ["all", "all"],
            "month": [1, 2],
            "amount": [850.0, 910.5],
            "amount_ref": ["GK-1", "GK-1"],
        }
    )
    header = InventoryHeader(
        organisation=organisation, facility="示例电厂", year=2024, methodology="cn-mee-power-2022"
    )
    return Inventory(header, {"fuel": fuel, "electricity": electricity})


@pytest.fixture(scope="module")
def result() -> AccountingResult:
    return account(_inventory())


@pytest.fixture(scope="module")
def page_zh(result: AccountingResult) -> str:
    return render_html(result)


@pytest.fixture(scope="module")
def page_en(result: AccountingResult) -> str:
    return render_html(result, lang="en")


def _default_line(result: AccountingResult) -> dict[str, object]:
    defaults = result.lines.filter(
        (pl.col("source") == "fuel_combustion")
        & (pl.col("item") == "coal")
        & (pl.col("carbon_tier") == "default")
    )
    assert defaults.height == 1, "the fixture has one coal month on a default"
    return defaults.row(0, named=True)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_total_appears_formatted(result: AccountingResult, lang: str) -> None:
    page = render_html(result, lang=lang)
    total = result.total()
    assert total > 10_000
    assert f"{total:,.2f}" in page


def test_default_chinese_is_the_default_language(result: AccountingResult, page_zh: str) -> None:
    assert '<html lang="zh-CN">' in page_zh
    assert TEXT["zh"]["summary"] in page_zh
    assert SOURCES["zh"]["fuel_combustion"] in page_zh


def test_english_page_speaks_english(page_en: str) -> None:
    assert '<html lang="en">' in page_en
    assert TEXT["en"]["summary"] in page_en
    assert SOURCES["en"]["purchased_electricity"] in page_en
    assert TEXT["zh"]["summary"] not in page_en


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_month_on_a_default_is_highlighted_with_its_explanation(
    result: AccountingResult, lang: str
) -> None:
    page = render_html(result, lang=lang)
    line = _default_line(result)
    explanation = str(escape(str(line[f"explanation_{lang}"])))
    assert explanation in page
    # In the monthly parameters table the row carrying the explanation is highlighted.
    params = page[page.index('id="parameters"') : page.index('id="annual"')]
    rows = [row for row in params.split("<tr") if explanation in row]
    assert rows, "the explanation is in the monthly parameters table"
    assert all(row.startswith(' class="is-default"') for row in rows)
    assert TEXT[lang]["default_badge"] in rows[0]
    # Measured months are not highlighted.
    measured = result.lines.filter(pl.col("carbon_tier") == "lab").row(0, named=True)
    measured_rows = [r for r in params.split("<tr") if str(measured[f"explanation_{lang}"]) in r]
    assert measured_rows and not measured_rows[0].startswith(' class="is-default"')


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_each_factor_version_used_is_listed(result: AccountingResult, lang: str) -> None:
    page = render_html(result, lang=lang)
    assert result.meta.factors, "the fixture uses default factors"
    factors = page[page.index('id="factors"') : page.index('id="trace"')]
    for ref in result.meta.factors:
        assert ref in factors
        factor = result.factors[ref]
        assert (factor.name_zh if lang == "zh" else factor.name_en) in factors
        assert factor.table in factors


def test_trace_lists_every_line_in_a_collapsible_section(
    result: AccountingResult, page_zh: str
) -> None:
    trace = page_zh[page_zh.index('id="trace"') :]
    assert "<details>" in trace and "<summary>" in trace
    for line in result.lines["line"].to_list():
        assert f'id="line-{line}"' in trace
    for clause in set(result.lines["clause"].to_list()):
        assert str(escape(clause)) in trace


def test_svg_charts_are_embedded_with_text_as_text(page_zh: str) -> None:
    svgs = re.findall(r"<svg\b.*?</svg>", page_zh, flags=re.S)
    assert len(svgs) == 2, "monthly chart and tier chart"
    monthly = svgs[0]
    assert "1月" in monthly, "month labels stay text (svg.fonttype = 'none')"
    assert "<?xml" not in page_zh and "<!DOCTYPE svg" not in page_zh
    assert "font-family" not in monthly, "the page's CJK font stack draws the chart text"
    assert "viewBox" in monthly
    ids = re.findall(r'\bid="([^"]+)"', page_zh)
    assert len(ids) == len(set(ids)), "ids stay unique across charts"


def test_page_loads_nothing_from_the_network(page_zh: str, page_en: str) -> None:
    for page in (page_zh, page_en):
        assert not re.search(
            r"""(?:src|href|action|xlink:href)\s*=\s*["']?\s*(?:https?:)?//""", page
        )
        assert not re.search(r"url\(\s*[\"']?\s*(?:https?:)?//", page)
        assert "@import" not in page
        assert "<link" not in page
        assert "http://" not in page and "https://" not in page


def test_user_text_is_escaped() -> None:
    result = account(_inventory(organisation=ORGANISATION, unit="<b>U1</b>"))
    page = render_html(result)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "<b>U1</b>" not in page
    assert "&lt;b&gt;U1&lt;/b&gt;" in page
    assert page.count("<script") == 1, "only the report's own print helper"


def test_production_indicators_render_whatever_numeric_columns_exist(
    result: AccountingResult,
) -> None:
    production = pl.DataFrame(
        {
            "facility": ["main", "main"],
            "unit": ["1号机组", "2号机组"],
            "generation": [1_234_567.8, 998_000.0],
            "supply": [1_170_000.25, 950_000.0],
            "heat_ratio": [0.1234, None],
            "supply_intensity": [0.81234, 0.79],
            "custom_index": [3.5, 4.25],
            "_row": [1, 2],
            "empty": pl.Series([None, None], dtype=pl.Float64),
        }
    )
    page = render_html(dataclasses.replace(result, production=production))
    section = page[page.index('id="production"') : page.index('id="factors"')]
    assert PRODUCTION["zh"]["generation"] in section
    assert PRODUCTION["zh"]["supply_intensity"] in section
    assert "custom_index" in section
    assert "1,234,567.80" in section
    assert "12.34%" in section
    assert "0.8123" in section
    assert "_row" not in section and "empty" not in section
    english = render_html(dataclasses.replace(result, production=production), lang="en")
    assert PRODUCTION["en"]["heat_ratio"] in english


def test_no_production_section_without_production(result: AccountingResult) -> None:
    page = render_html(dataclasses.replace(result, production=None))
    assert 'id="production"' not in page


def test_write_html_writes_one_file(result: AccountingResult, tmp_path: Path) -> None:
    target = write_html(result, tmp_path / "report.html", lang="en")
    assert target == tmp_path / "report.html"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]
    text = target.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert f"{result.total():,.2f}" in text


def test_unknown_language_is_refused(result: AccountingResult) -> None:
    with pytest.raises(ValueError, match="zh, en"):
        render_html(result, lang="fr")


def test_both_languages_carry_the_same_labels() -> None:
    for table in (TEXT, TIERS, SOURCES, PRODUCTION):
        assert set(table["zh"]) == set(table["en"])


def test_template_ships_inside_the_package() -> None:
    template = resources.files("dualcarbon.reports").joinpath("templates/report.html.j2")
    assert template.is_file()


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (1_234_567.891, 2, "1,234,567.89"),
        (0.5, 3, "0.500"),
        (-0.001, 2, "0.00"),
        (-1234.5, 1, "-1,234.5"),
        (None, 2, "—"),
        (float("nan"), 2, "—"),
    ],
)
def test_fmt(value: float | None, digits: int, expected: str) -> None:
    assert fmt(value, digits) == expected


def test_fmt_sig_and_share() -> None:
    assert fmt_sig(0.03085) == "0.03085"
    assert fmt_sig(41.816) == "41.816"
    assert fmt_sig(1_234_567.0) == "1,234,567"
    assert fmt_sig(0.0) == "0"
    assert fmt_share(0.2887) == "28.9%"
    assert fmt_share(None) == "—"
