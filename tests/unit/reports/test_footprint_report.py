"""The CFP study report (GB/T 24067-2024 / ISO 14067:2018 clause 7) of the PV example: every
element the standard asks of a study report is there with the right numbers, what the study
leaves empty is marked "not stated", the page is well formed and carries its picture.

Reference numbers are computed here from the result's trace (independently of the report's own
summing) or by hand from demo/data/footprint/pv-module-simple.yaml, as each test says.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from dualcarbon.footprint.footprint import FootprintResult, compute_footprint
from dualcarbon.footprint.label import Verification, VerificationStatus, carbon_label
from dualcarbon.footprint.model import ProductSystem, Stage, validate_product_system
from dualcarbon.footprint.montecarlo import MonteCarloResult, monte_carlo
from dualcarbon.footprint.study import StudyInfo
from dualcarbon.io.product_yaml import read_product_system
from dualcarbon.reports.footprint_charts import display_name, sankey_bands
from dualcarbon.reports.footprint_report import (
    CO2_PER_C,
    kg,
    render_footprint_report,
    write_footprint_report,
)
from dualcarbon.reports.i18n import FOOTPRINT_TEXT

PV = (
    Path(__file__).resolve().parents[3]
    / "src"
    / "dualcarbon"
    / "demo"
    / "data"
    / "footprint"
    / "pv-module-simple.yaml"
)
GRID = 0.5366  # kgCO2/kWh, cn-grid-ef-2022 national average, as the YAML's grid factor
SECTIONS = (
    "checklist",
    "summary",
    "label",
    "scope",
    "cutoff",
    "data",
    "allocation",
    "period",
    "results",
    "gwp",
    "electricity",
    "uncertainty",
    "interpretation",
    "review",
    "contributions",
    "trace",
)
VOID = {"meta", "br", "img", "hr", "col", "input", "link", "path", "use", "rect", "circle"}


class Page(HTMLParser):
    """The page read back: well-formedness (every end tag closes the open element), the text of
    each ``<section id>``, its tables as rows of cell texts, and the attributes seen."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.section: str | None = None
        self.text: dict[str, list[str]] = defaultdict(list)
        self.tables: dict[str, list[list[list[str]]]] = defaultdict(list)
        self.ids: set[str] = set()
        self.attrs: list[tuple[str, dict[str, str | None]]] = []
        self.not_stated: dict[str, int] = defaultdict(int)
        self.cell: list[str] | None = None
        self.feed(text)
        self.close()
        if self.stack:
            self.errors.append(f"never closed: {self.stack}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.attrs.append((tag, found))
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag == "section":
            self.section = found.get("id")
        if tag == "span" and found.get("class") == "not-stated" and self.section:
            self.not_stated[self.section] += 1
        if tag == "table" and self.section:
            self.tables[self.section].append([])
        if tag == "tr" and self.section and self.tables[self.section]:
            self.tables[self.section][-1].append([])
        if tag in ("td", "th"):
            self.cell = []
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()
        if tag in ("td", "th") and self.cell is not None and self.section:
            self.tables[self.section][-1][-1].append(" ".join(" ".join(self.cell).split()))
            self.cell = None
        if tag == "section":
            self.section = None

    def handle_data(self, data: str) -> None:
        if self.section:
            self.text[self.section].append(data)
        if self.cell is not None:
            self.cell.append(data)

    def section_text(self, section: str) -> str:
        return " ".join(" ".join(self.text[section]).split())

    def row(self, section: str, first: str, table: int | None = None) -> list[str]:
        """The first row (of any table of ``section``, or of table number ``table``) whose first
        cell is ``first``."""
        tables = self.tables[section] if table is None else [self.tables[section][table]]
        for rows in tables:
            for row in rows:
                if row and row[0] == first:
                    return row
        raise AssertionError(f"no row {first!r} in #{section}")


# -- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def system() -> ProductSystem:
    return read_product_system(PV)


@pytest.fixture(scope="module")
def result(system: ProductSystem) -> FootprintResult:
    return compute_footprint(system)


@pytest.fixture(scope="module")
def mc(result: FootprintResult) -> MonteCarloResult:
    m = result.matrices
    return monte_carlo(m.technosphere, m.biosphere, m.characterisation, m.demand, 400, seed=11)


@pytest.fixture(scope="module")
def page_zh(result: FootprintResult, system: ProductSystem, mc: MonteCarloResult) -> str:
    label = carbon_label(
        result,
        system,
        label_id="CFP-PV-2025-0001",
        valid_from=dt.date(2025, 3, 1),
        valid_until=dt.date(2028, 2, 29),
        issued=dt.date(2025, 3, 1),
        verification=Verification(status=VerificationStatus.SELF_DECLARED),
    )
    return render_footprint_report(result, monte_carlo=mc, label=label)


@pytest.fixture(scope="module")
def page_en(result: FootprintResult) -> str:
    return render_footprint_report(result, lang="en")


@pytest.fixture(scope="module")
def zh(page_zh: str) -> Page:
    return Page(page_zh)


@pytest.fixture(scope="module")
def en(page_en: str) -> Page:
    return Page(page_en)


def _stage_sums(result: FootprintResult) -> dict[Stage, float]:
    sums: dict[Stage, float] = defaultdict(float)
    for line in result.trace:
        sums[line.stage] += line.contribution
    return sums


# -- the page as a whole ---------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["zh", "en"])
def test_page_is_well_formed_and_has_every_section(
    which: str, request: pytest.FixtureRequest
) -> None:
    page: Page = request.getfixturevalue(which)
    assert page.errors == []
    html_tag = next(attrs for tag, attrs in page.attrs if tag == "html")
    assert html_tag["lang"] == ("zh-CN" if which == "zh" else "en")
    assert set(SECTIONS) <= page.ids
    # every checklist row links to a section that exists
    links = [a["href"] for tag, a in page.attrs if tag == "a" and a.get("class") == "ref"]
    assert len(links) == len(page.tables["checklist"][0]) - 1
    assert {str(h).lstrip("#") for h in links} <= page.ids


def test_page_is_self_contained(page_zh: str) -> None:
    """Nothing is fetched: no script or style source, no image or font from a URL."""
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page_zh)
    assert "@import" not in page_zh
    assert "@page { size: A4" in page_zh  # printable on A4


def test_language_is_chinese_by_default_and_english_on_request(
    page_zh: str, page_en: str, result: FootprintResult
) -> None:
    assert "产品碳足迹研究报告" in page_zh
    assert "Carbon footprint study report" in page_en
    assert "产品碳足迹研究报告" not in page_en
    assert render_footprint_report(result) == render_footprint_report(result, lang="zh")
    with pytest.raises(ValueError, match="zh, en"):
        render_footprint_report(result, lang="fr")


def test_both_languages_have_the_same_words() -> None:
    assert set(FOOTPRINT_TEXT["zh"]) == set(FOOTPRINT_TEXT["en"])


# -- clause 7 elements, with numbers ---------------------------------------------------------------


def test_unit_and_reference_flow(zh: Page, en: Page) -> None:
    """ISO 14067 6.3.3: the declared unit (a partial, cradle-to-gate CFP) and reference flow."""
    assert "声明单位" in zh.section_text("scope")
    assert "1 m² 光伏组件（出厂）" in zh.section_text("scope")
    assert "1 m² pv_module" in zh.section_text("scope")
    assert "1 m² of PV module at the factory gate" in en.section_text("scope")
    assert "Declared unit" in en.section_text("scope") or "declared unit" in en.section_text(
        "scope"
    )


def test_boundary_lists_included_and_excluded_stages_with_reasons(zh: Page) -> None:
    """6.3.4: stages in and out of the boundary; a cradle-to-gate study leaves out three."""
    assert zh.row("scope", "原材料获取")[1] == "纳入"
    assert zh.row("scope", "生产")[1] == "纳入"
    for stage in ("分销", "使用", "生命末期"):
        row = zh.row("scope", stage)
        assert row[1] == "未纳入"
        assert "从摇篮到大门" in row[2]


def test_cut_off_exclusions_with_reasons_and_shares(zh: Page, system: ProductSystem) -> None:
    """6.3.4 cut-off: each excluded input, its reason, where it is used, its estimated share; the
    shares add up to 0.8 + 0.6 + 0.4 = 1.8 % (the YAML's screening estimates)."""
    for exclusion in system.cut_off.exclusions:
        row = zh.row("cutoff", exclusion.product)
        assert row[1] == exclusion.reason
        assert row[3] == f"{exclusion.estimated_share_percent:g}%"
    assert zh.row("cutoff", "合计")[3] == "1.8%"
    assert zh.row("cutoff", "合计")[4] == "—"  # the emission criterion cannot be measured
    assert "module_assembly #7: 1 count" in zh.row("cutoff", "junction_box")[2]
    assert "温室气体排放" in zh.section_text("cutoff")  # criterion: emission


def test_data_quality_primary_share_and_dqr(zh: Page, result: FootprintResult) -> None:
    """6.3.5: primary-data share, and the emission-weighted PACT v3 DQR of the activity data,
    recomputed here from the pedigree scores (v3 rates 1–5, the pedigree scale itself)."""
    primary = sum(abs(t.contribution) for t in result.trace if t.primary)
    share = 100 * primary / sum(abs(t.contribution) for t in result.trace)
    assert f"{share:.1f}%" in zh.section_text("data")
    system = result.matrices.system
    weights = dict.fromkeys(range(5), 0.0)
    total = 0.0
    for line in result.trace:
        scores = system.process(line.process).exchanges[line.exchange_index - 1].data_quality
        if scores is None or line.contribution == 0:
            continue
        for i, score in enumerate(scores.as_tuple()):
            weights[i] += abs(line.contribution) * score
        total += abs(line.contribution)
    expected = [f"{weights[i] / total:.2f}" for i in range(5)]  # reliability … technological
    row = zh.row("data", "活动数据")
    assert row[1:6] == expected
    assert row[6] == "100.0%"  # every contributing exchange of the PV file has scores
    assert "illustrative value, invented for this example" in zh.section_text("data")


def test_allocation_factors_and_recycling(zh: Page) -> None:
    """6.4.6: the frame's mass allocation (1 kg frame + 0.12 kg scrap: 0.892857 / 0.107143) and
    the cut-off recycling approach; recycled content 0.42 / (0.70 + 0.42) = 37.5 %."""
    text = zh.section_text("allocation")
    assert "0.892857" in text and "0.107143" in text and "mass" in text
    assert "截断法" in text
    assert "本研究无此项" in text  # no system expansion (avoided products) in the PV file
    assert zh.row("allocation", "aluminium_frame", table=-1)[1:] == ["aluminium", "37.5%"]


def test_period_and_geography(zh: Page) -> None:
    text = zh.section_text("period")
    assert "2024-01-01 – 2024-12-31" in text
    assert "CN, CN-AH, CN-JS" in text


def test_results_per_stage_and_components(zh: Page, result: FootprintResult) -> None:
    """Clause 7 results per stage, with fossil, biogenic emissions, biogenic removals, dLUC and
    aircraft apart (6.4.9); stage sums recomputed here from the trace lines."""
    sums = _stage_sums(result)
    assert sum(sums.values()) == pytest.approx(result.total, rel=1e-12)
    for stage, label in (
        (Stage.RAW_MATERIAL_ACQUISITION, "原材料获取"),
        (Stage.PRODUCTION, "生产"),
    ):
        row = zh.row("results", label)
        assert row[1] == kg(sums[stage])
        assert row[3] == kg(sums[stage])  # all fossil in the PV file
        assert row[4:8] == ["0.000"] * 4
    footer = zh.row("results", "产品碳足迹")
    assert footer[1] == kg(result.total) == "69.632"
    assert zh.row("results", "分销")[1] == "未纳入系统边界"


def test_product_carbon_is_marked_not_stated_when_missing(zh: Page) -> None:
    assert zh.row("results", "生物源碳含量")[1] == "未说明"
    assert zh.row("results", "产品质量")[1] == "未说明"


def test_gwp_set_and_the_values_of_the_gases_that_occur(zh: Page, en: Page) -> None:
    """The GWP set and its IPCC report; CO2 1 and NF3 17 400 (AR6 WG1 Table 7.SM.7, as the
    factor catalogue's gwp-ipcc-ar6.yaml has them) — the two gases of the PV file."""
    assert "gwp-ipcc-ar6" in zh.section_text("gwp")
    assert "IPCC AR6 (2021)" in zh.section_text("gwp")
    assert zh.row("gwp", "CO2")[1:3] == ["1", "gwp-ipcc-ar6/gwp/CO2@1"]
    assert zh.row("gwp", "NF3")[1:3] == ["17,400", "gwp-ipcc-ar6/gwp/NF3@1"]
    assert len(zh.tables["gwp"][0]) == 1 + 2  # header + the two gases, no others
    assert "Climate Change 2021" in en.section_text("gwp")


def test_electricity_choices_with_their_evidence(zh: Page, result: FootprintResult) -> None:
    """6.4.9.4: every electricity exchange with its choice and evidence. The wafer's: 25 kWh per
    m² wafer × 0.92/0.97 m² wafer per m² module = 23.7113 kWh, × 0.5366 kgCO2/kWh = 12.724
    kgCO2 (YAML amounts, hand arithmetic); all six add up to the sum noted under the table."""
    rows = zh.tables["electricity"][0][1:]
    assert len(rows) == len(result.electricity) == 6
    wafer = zh.row("electricity", "wafer #3 electricity_cn_grid")
    assert wafer[2] == "23.7113"
    assert wafer[-1] == kg(25 * 0.92 / 0.97 * GRID) == "12.724"
    assert "基于位置" in wafer[1]
    assert "cn-grid-ef-2022/co2_emission_factor/grid/CN@1" in wafer[5]
    assert "2022年电力二氧化碳排放因子" in wafer[6]
    text = zh.section_text("electricity")
    assert "仅含 CO2 的发电侧因子" in text  # decision 0007: the report must say so
    electricity = 25 * 0.92 / 0.97 + 11 * 0.92 + 0.25 * 8.16 + 1.2 * 1.3 * 0.892857 + 4.5
    electricity += 0.4 * 1.3 * 0.42 * 0.892857  # remelting, for the frame's 0.42 kg secondary Al
    assert f"外购电力合计 {kg(electricity * GRID)} kgCO2e" in text


def test_uncertainty_interval_median_method_and_seed(zh: Page, mc: MonteCarloResult) -> None:
    low, high = np.quantile(mc.scores, [0.025, 0.975])
    text = zh.section_text("uncertainty")
    assert f"{kg(float(low))} – {kg(float(high))} kgCO2e" in text
    assert f"中位数 {kg(float(np.median(mc.scores)))} kgCO2e" in text
    assert "随机数种子 11" in text and "抽样次数 400" in text
    assert "蒙特卡洛" in text
    assert zh.not_stated["uncertainty"] == 1  # only the study's own sensitivity notes


def test_uncertainty_not_stated_without_monte_carlo(en: Page) -> None:
    assert "No Monte Carlo uncertainty analysis" in en.section_text("uncertainty")
    assert en.not_stated["uncertainty"] == 2
    assert en.row("checklist", "Uncertainty assessment (Monte Carlo)")[-1] == "not stated"


def test_sensitivity_coefficients_are_shares_of_the_factors(
    zh: Page, result: FootprintResult
) -> None:
    """The footprint is linear in each factor: the coefficient of the polysilicon factor is its
    lines' share, 0.7/0.97 kg × 0.92 × 35 kgCO2e/kg / total (YAML amounts)."""
    poly = 0.70 * 0.92 / 0.97 * 35
    row = zh.row("uncertainty", "background/polysilicon")
    assert row[1] == kg(poly)
    assert row[2] == f"{poly / result.total:.3f}"


def test_interpretation_names_the_largest_contributors(zh: Page, result: FootprintResult) -> None:
    """The wafer: 0.92/0.97 m² wafer per m² module × (0.70 kg × 35 + 25 kWh × 0.5366)
    = 35.961 kgCO2e (YAML amounts, hand arithmetic), the largest process."""
    wafer = 0.92 / 0.97 * (0.70 * 35 + 25 * GRID)
    assert result.by_process["wafer"] == pytest.approx(wafer, rel=1e-12)
    text = zh.section_text("interpretation")
    assert (
        f"贡献最大的过程为“单晶硅片”：{kg(wafer)} kgCO2e，占 {100 * wafer / result.total:.1f}%"
        in text
    )
    raw = _stage_sums(result)[Stage.RAW_MATERIAL_ACQUISITION]
    assert f"“原材料获取”：{kg(raw)} kgCO2e" in text
    assert "本研究为产品部分碳足迹" in text


def test_not_stated_markers_for_what_the_study_leaves_empty(zh: Page) -> None:
    """The PV file has no ``study:``: PCR, critical review, commissioner, practitioner, date and
    version are all marked, as are assumptions, value choices, limitations and conclusions."""
    assert zh.not_stated["review"] == 6
    assert zh.not_stated["interpretation"] == 4
    assert zh.row("checklist", "鉴定性评审")[-1] == "未说明"
    assert zh.row("checklist", "所用的产品碳足迹类别规则（CFP-PCR）")[-1] == "未说明"
    assert zh.row("checklist", "电力的处理")[-1] == "✓ 已说明"


def test_stated_study_facts_replace_the_markers(system: ProductSystem) -> None:
    study = StudyInfo(
        commissioner="示例光伏有限公司",
        practitioner="示例碳咨询",
        report_date=dt.date(2025, 2, 14),
        version="1.0",
        pcr="示例 PCR：光伏组件 v1",
        critical_review="第三方评审：示例认证中心，依据 ISO/TS 14071",
        assumptions=("组件寿命不在本研究范围内",),
        limitations=("背景数据为示例值",),
        conclusions=("硅片是最大的排放来源",),
        value_choices=("采用截断法处理回收",),
        sensitivity=("多晶硅因子 ±20 % 时总量变化 ±6.7 %",),
    )
    result = compute_footprint(system.model_copy(update={"study": study}))
    page = Page(render_footprint_report(result))
    assert page.errors == []
    assert page.not_stated["review"] == 0
    assert page.not_stated["interpretation"] == 0
    review = page.section_text("review")
    for value in (
        "示例光伏有限公司",
        "示例碳咨询",
        "2025-02-14",
        "1.0",
        "示例 PCR",
        "ISO/TS 14071",
    ):
        assert value in review
    for value in ("组件寿命", "背景数据为示例值", "硅片是最大的排放来源", "采用截断法"):
        assert value in page.section_text("interpretation")
    assert "多晶硅因子 ±20 %" in page.section_text("uncertainty")
    assert page.row("checklist", "鉴定性评审")[-1] == "✓ 已说明"


def test_contribution_tables_add_up(zh: Page, result: FootprintResult) -> None:
    rows = zh.tables["contributions"][0][1:-1]
    assert len(rows) == len(result.matrices.system.processes)
    assert {row[0]: row[3] for row in rows} == {p: kg(v) for p, v in result.by_process.items()}
    assert zh.tables["contributions"][0][-1][3] == kg(result.total)
    flows = {row[0]: row[2] for row in zh.tables["contributions"][2][1:-1]}
    assert flows == {f: kg(v) for f, v in result.by_flow.items()}
    assert flows["nf3_air"] == kg(0.00005 * 0.92 * 17400)  # 50 mg NF3 per m² cell × AR6 GWP


def test_trace_lists_every_exchange(zh: Page, result: FootprintResult) -> None:
    rows = zh.tables["trace"][0][1:-1]
    assert len(rows) == len(result.trace)
    for row, line in zip(rows, result.trace, strict=True):
        assert row[1].startswith(line.process)
        assert line.target in row[2]
        assert row[-1] == kg(line.contribution)
        assert row[6].startswith(line.factor_ref)
    assert zh.tables["trace"][0][-1][-1] == kg(result.total)


def test_label_block(zh: Page, en: Page) -> None:
    text = zh.section_text("label")
    assert "CFP-PV-2025-0001" in text and "自我声明" in text
    assert "2025-03-01 – 2028-02-29" in text and "GB/T 24067-2024" in text
    assert "69.632" in text
    assert "Not issued" in en.section_text("label")
    assert en.not_stated["label"] == 3  # id, verification, validity


# -- the picture -----------------------------------------------------------------------------------


def test_sankey_is_inline_svg_with_the_process_names(page_zh: str, zh: Page) -> None:
    summary = page_zh[
        page_zh.index('<section id="summary">') : page_zh.index('<section id="label">')
    ]
    assert summary.count("<svg") == 1
    svg = summary[summary.index("<svg") : summary.index("</svg>")]
    assert 'role="img"' in svg and "xmlns" not in svg and "font-family" not in svg
    for name in ("单晶硅片", "铝边框", "组件封装", "原材料获取", "生产"):
        assert name in svg
    assert "69.63 kgCO2e" in svg


def test_sankey_bands_carry_the_whole_footprint(result: FootprintResult) -> None:
    bands, credits = sankey_bands(result)
    assert credits == 0.0  # no removals or credits in the PV file
    assert sum(b.value for b in bands) == pytest.approx(result.total, rel=1e-12)
    by_stage: dict[Stage, float] = defaultdict(float)
    for band in bands:
        by_stage[band.stage] += band.value
    assert by_stage == pytest.approx(_stage_sums(result), rel=1e-12)


def test_display_name_picks_the_language() -> None:
    assert display_name("单晶硅片 / mono-Si wafer", "zh") == "单晶硅片"
    assert display_name("1 m² of PV module / 1 m² 光伏组件", "zh") == "1 m² 光伏组件"
    assert display_name("1 m² of PV module / 1 m² 光伏组件", "en") == "1 m² of PV module"
    assert display_name("plain name", "zh") == "plain name"


# -- a variant with biogenic carbon, dLUC, aircraft and a contract ---------------------------------


def _pv_variant() -> ProductSystem:
    """The PV file, plus in module assembly per m² module: 0.3 kg biogenic CO2 taken up, 0.05 kg
    biogenic CO2 emitted, 0.02 kg CO2 from dLUC, 0.5 t·km air freight at 1.2 kgCO2e/(t·km)
    (invented) and 2 kWh of a supplier-specific PPA at 0.1 kgCO2e/kWh (invented); 0.4 kg
    biogenic carbon in the product."""
    raw: dict[str, Any] = yaml.safe_load(PV.read_text(encoding="utf-8"))
    raw["flows"] += [
        {"id": "co2_uptake", "name": "CO2, in air", "compartment": "natural_resource",
         "unit": "kg", "gas": "CO2", "origin": "biogenic"},
        {"id": "co2_bio", "name": "CO2, non-fossil", "compartment": "air", "unit": "kg",
         "gas": "CO2", "origin": "biogenic"},
        {"id": "co2_luc", "name": "CO2, land transformation", "compartment": "air", "unit": "kg",
         "gas": "CO2", "origin": "land_use_change"},
    ]  # fmt: skip
    raw["background"].append(
        {"product": "air_freight", "unit": "t*km", "emission_factor": 1.2,
         "emission_factor_unit": "kgCO2e/(t*km)", "source": "invented", "aircraft": True}
    )  # fmt: skip
    assembly = next(p for p in raw["processes"] if p["id"] == "module_assembly")
    assembly["exchanges"] += [
        {"kind": "resource", "flow": "co2_uptake", "amount": 0.3, "unit": "kg"},
        {"kind": "emission", "flow": "co2_bio", "amount": 0.05, "unit": "kg"},
        {"kind": "emission", "flow": "co2_luc", "amount": 0.02, "unit": "kg"},
        {"kind": "technosphere", "product": "air_freight", "amount": 0.5, "unit": "t*km"},
        {"kind": "technosphere", "product": "ppa_power", "amount": 2, "unit": "kWh",
         "electricity": {"basis": "supplier_specific", "instrument": "PPA-2024-017",
                         "location_factor": "cn-grid-ef-2022/co2_emission_factor/grid/CN",
                         "evidence": "绿电交易合同 2024-017 及结算单", "emission_factor": 0.1,
                         "emission_factor_unit": "kgCO2e/kWh"}},
    ]  # fmt: skip
    raw["product"] = {"mass": 11.5, "biogenic_carbon": 0.4}
    return validate_product_system(raw, source="variant")


def test_components_are_shown_apart_in_their_stage() -> None:
    result = compute_footprint(_pv_variant())
    page = Page(render_footprint_report(result))
    assert page.errors == []
    row = page.row("results", "生产")
    # production row: biogenic emissions 0.05, removals −0.3, dLUC 0.02, aircraft 0.5 × 1.2 = 0.6
    assert row[4:8] == ["0.050", "-0.300", "0.020", "0.600"]
    parts = result.components
    total = parts.fossil + parts.biogenic_emissions + parts.biogenic_removals
    assert total + parts.land_use_change == pytest.approx(result.total, rel=1e-12)
    footer = page.row("results", "产品碳足迹")
    assert footer[1] == kg(result.total)
    assert footer[3] == kg(parts.fossil)
    # carbon in the product: documented, not subtracted (0.4 kg C × 44.0095/12.011 kg CO2/kg C)
    assert page.row("results", "生物源碳含量")[1:] == ["0.4", "kg C", kg(0.4 * CO2_PER_C)]
    assert kg(0.4 * CO2_PER_C) == "1.466"
    assert page.row("results", "化石碳含量")[1] == "未说明"
    # the contract with its instrument and evidence
    ppa = page.row("electricity", "module_assembly #13 ppa_power")
    assert ppa[5] == "PPA-2024-017" and ppa[6] == "绿电交易合同 2024-017 及结算单"
    assert ppa[-1] == kg(2 * 0.1)
    # the removal is a credit at the foot of the Sankey's total
    bands, credits = sankey_bands(result)
    assert credits == pytest.approx(-0.3, rel=1e-12)
    assert sum(b.value for b in bands) + credits == pytest.approx(result.total, rel=1e-12)


def test_monte_carlo_of_another_system_is_refused(
    result: FootprintResult, mc: MonteCarloResult
) -> None:
    other = compute_footprint(_pv_variant())
    with pytest.raises(ValueError, match="another system"):
        render_footprint_report(other, monte_carlo=mc)


def test_write_footprint_report(tmp_path: Path, result: FootprintResult) -> None:
    target = write_footprint_report(result, tmp_path / "cfp.html", lang="en")
    assert target.read_text(encoding="utf-8") == render_footprint_report(result, lang="en")
    assert [p.name for p in tmp_path.iterdir()] == ["cfp.html"]


def test_grid_power_bought_as_a_product_is_not_called_no_electricity() -> None:
    """An openLCA package brings grid power as a process or a background supply in kWh, with no
    sourcing choice: the report says so instead of "the study uses no purchased electricity"
    (issue 17, item 4)."""
    raw = yaml.safe_load(PV.read_text(encoding="utf-8"))
    for process in raw["processes"]:
        for exchange in process["exchanges"]:
            exchange.pop("electricity", None)
    raw.setdefault("background", []).append(
        {
            "product": "electricity_cn_grid",
            "unit": "kWh",
            "emission_factor": 0.5366,
            "emission_factor_unit": "kgCO2e/kWh",
            "source": "grid power as an openLCA package brings it (a process of its own)",
        }
    )
    page = render_footprint_report(compute_footprint(validate_product_system(raw)), lang="en")
    assert "uses no purchased electricity" not in page
    assert "ordinary product" in page
