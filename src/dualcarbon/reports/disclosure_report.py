"""The climate disclosure (气候相关披露：温室气体排放): one self-contained HTML page, Chinese by
default, with the metrics of IFRS S2 29(a) and of 财会〔2025〕34号 from the accounted results,
a chart of scope 1 and 2 by facility, and the method of each facility."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from dualcarbon import __version__
from dualcarbon.disclosure.climate import STANDARDS, ClimateDisclosure
from dualcarbon.reports.charts import GRID_COLOUR, drawing, tidy, to_svg
from dualcarbon.reports.html import fmt_sig, templates
from dualcarbon.reports.i18n import check_lang

SCOPE_COLOURS = ("#8c564b", "#4c78a8")

WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "html_lang": "zh-CN",
        "title": "气候相关披露：温室气体排放",
        "organisation": "报告主体",
        "period": "报告期",
        "standards": "依据的披露准则",
        "engine": "计算程序",
        "s_metrics": "一、温室气体排放量",
        "metric": "指标",
        "value": "数值",
        "paragraph": "条款",
        "scope1": "范围一（直接排放）",
        "scope1_u": "范围一扩展不确定度（k=2）",
        "scope2": "范围二（基于位置，外购电力与热力）",
        "scope2_market": "范围二（基于市场）",
        "scope3": "范围三",
        "electricity": "外购电力",
        "instruments": "合同工具：已核销的绿证与绿电",
        "not_computed_market": "未计算：我国未发布剩余电力组合排放因子（IFRS S2 B31 允许不披露）",
        "not_accounted": "未核算：企业核算指南仅覆盖范围一、二",
        "none": "—",
        "no_claims": "未查询证书账本",
        "s_intensity": "二、排放强度",
        "per_revenue": "每百万元营业收入（范围一＋二）",
        "product": "产品",
        "output": "产量",
        "per_unit_1": "范围一/单位产品",
        "per_unit_12": "范围一＋二/单位产品",
        "chart": "各设施范围一、范围二排放（tCO2e）",
        "s_facilities": "三、合并范围与核算方法",
        "consolidation": "合并方法：运营控制（申报），包括以下设施。",
        "facility": "设施",
        "guideline": "核算方法（指南）",
        "gwp": "全球变暖潜势",
        "co2_only": "仅二氧化碳，无需 GWP",
        "factors": "引用的排放因子（含版本）",
        "basis": "范围一的数据基础",
        "digest": "清单数据摘要 (SHA-256)",
        "measured": "实测",
        "lab": "化验",
        "default": "缺省值",
        "calculated": "计算",
        "footer": "由 {engine} 依同一套核算结果生成；数值未经鉴证。",
    },
    "en": {
        "html_lang": "en",
        "title": "Climate-related disclosure: greenhouse gas emissions",
        "organisation": "Reporting entity",
        "period": "Reporting period",
        "standards": "Disclosure standards",
        "engine": "Engine",
        "s_metrics": "1. Greenhouse gas emissions",
        "metric": "Metric",
        "value": "Value",
        "paragraph": "Paragraph",
        "scope1": "Scope 1 (direct)",
        "scope1_u": "Scope 1 expanded uncertainty (k = 2)",
        "scope2": "Scope 2, location-based (purchased electricity and heat)",
        "scope2_market": "Scope 2, market-based",
        "scope3": "Scope 3",
        "electricity": "Purchased electricity",
        "instruments": "Contractual instruments: green certificates and green power claimed",
        "not_computed_market": "not computed: China publishes no residual mix (IFRS S2 B31 "
        "makes it optional)",
        "not_accounted": "not accounted: the enterprise guidelines cover scopes 1 and 2",
        "none": "—",
        "no_claims": "certificate ledger not consulted",
        "s_intensity": "2. Emission intensity",
        "per_revenue": "Per million of revenue (scope 1 + 2)",
        "product": "Product",
        "output": "Output",
        "per_unit_1": "Scope 1 per unit",
        "per_unit_12": "Scope 1 + 2 per unit",
        "chart": "Scope 1 and 2 by facility (tCO2e)",
        "s_facilities": "3. Consolidation and methods",
        "consolidation": "Consolidation: operational control (declared), the facilities below.",
        "facility": "Facility",
        "guideline": "Method (guideline)",
        "gwp": "Global warming potentials",
        "co2_only": "CO2 only, no GWP needed",
        "factors": "Emission factors used (with versions)",
        "basis": "What scope 1 rests on",
        "digest": "Inventory digest (SHA-256)",
        "measured": "measured",
        "lab": "laboratory",
        "default": "default",
        "calculated": "calculated",
        "footer": "Made by {engine} from the same accounted results; not assured.",
    },
}


def render_disclosure_report(disclosure: ClimateDisclosure, *, lang: str = "zh") -> str:
    check_lang(lang)
    w = WORDS[lang]
    instruments = disclosure.instruments
    metrics = [
        (w["scope1"], f"{fmt_sig(disclosure.scope1)} tCO2e", "IFRS S2 29(a)(i)(1)"),
        (w["scope1_u"], f"± {fmt_sig(2 * disclosure.scope1_u, 3)} tCO2e", "IFRS S2 29(a)(iii)"),
        (w["scope2"], f"{fmt_sig(disclosure.scope2_location)} tCO2e", "IFRS S2 29(a)(i)(2), (v)"),
        (w["scope2_market"], w["not_computed_market"], "IFRS S2 B31"),
        (w["scope3"], w["not_accounted"], "IFRS S2 29(a)(i)(3), (vi); C4"),
        (w["electricity"], f"{fmt_sig(disclosure.electricity_mwh)} MWh", "IFRS S2 29(a)(v)"),
        (
            w["instruments"],
            w["no_claims"]
            if instruments is None
            else f"{fmt_sig(instruments.certificates_mwh)} MWh "
            f"({', '.join(instruments.technologies) or w['none']})",
            "IFRS S2 29(a)(v)",
        ),
    ]
    intensity = disclosure.intensity_per_revenue
    context: dict[str, Any] = {
        "w": w,
        "title": f"{w['title']} · {disclosure.organisation} {disclosure.year}",
        "particulars": [
            (w["organisation"], disclosure.organisation),
            (w["period"], f"{disclosure.year}-01-01 – {disclosure.year}-12-31"),
            (w["standards"], "; ".join(STANDARDS)),
            (w["engine"], f"dualcarbon {__version__}"),
        ],
        "metrics": metrics,
        "per_revenue": None
        if intensity is None
        else f"{fmt_sig(intensity, 4)} tCO2e / 10⁶ {disclosure.currency or ''}",
        "products": [
            {
                "name": f"{p.product_name} ({p.facility})",
                "output": f"{fmt_sig(p.output)} {p.unit}",
                "one": f"{fmt_sig(p.scope1_per_unit, 4)} tCO2e/{p.unit}",
                "both": f"{fmt_sig(p.total_per_unit, 4)} tCO2e/{p.unit}",
            }
            for p in disclosure.products
        ],
        "chart": Markup(chart) if (chart := scope_chart(disclosure, lang)) else None,
        "facilities": [
            {
                "name": f.facility,
                "facts": [
                    (w["scope1"], f"{fmt_sig(f.scope1)} tCO2e"),
                    (w["scope2"], f"{fmt_sig(f.scope2_location)} tCO2e"),
                    (w["guideline"], f"{f.methodology_title} ({f.document}; {f.methodology})"),
                    (w["gwp"], f.gwp or w["co2_only"]),
                    (w["factors"], ", ".join(f.factors)),
                    (
                        w["basis"],
                        "; ".join(
                            f"{w.get(k, k)} {100 * v:.1f}%" for k, v in f.tier_shares.items()
                        ),
                    ),
                    (w["digest"], f.inventory_digest),
                ],
            }
            for f in disclosure.facilities
        ],
        "footer": w["footer"].format(engine=f"dualcarbon {__version__}"),
    }
    return templates().get_template("disclosure_report.html.j2").render(**context)


def write_disclosure_report(disclosure: ClimateDisclosure, path: Path, *, lang: str = "zh") -> Path:
    path.write_text(render_disclosure_report(disclosure, lang=lang), encoding="utf-8")
    return path


def scope_chart(disclosure: ClimateDisclosure, lang: str) -> str | None:
    """Stacked horizontal bars: each facility's scope 1 and scope 2 (location-based)."""
    facilities = list(disclosure.facilities)
    if not facilities:
        return None
    w = WORDS[lang]
    with drawing():
        figure = Figure(figsize=(9.0, 0.8 + 0.5 * len(facilities)))
        FigureCanvasAgg(figure)
        axes = figure.subplots()
        for y, f in enumerate(facilities):
            axes.barh(y, f.scope1, color=SCOPE_COLOURS[0], label=w["scope1"] if y == 0 else None)
            axes.barh(
                y,
                f.scope2_location,
                left=f.scope1,
                color=SCOPE_COLOURS[1],
                label=w["scope2"] if y == 0 else None,
            )
        axes.set_yticks(range(len(facilities)))
        axes.set_yticklabels([f.facility for f in facilities])
        axes.invert_yaxis()
        axes.set_xlabel("tCO2e")
        axes.legend(frameon=False, fontsize=8, loc="lower right")
        axes.grid(axis="x", color=GRID_COLOUR, linewidth=0.6)
        axes.set_axisbelow(True)
        tidy(axes)
        return to_svg(figure, "disclosure-scopes", w["chart"])
