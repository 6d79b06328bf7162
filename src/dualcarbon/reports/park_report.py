"""A park's account and its zero-carbon evaluation: one self-contained HTML page, Chinese by
default, with the members' emissions and energy, what counting the internal transfers once
removes, and each indicator against its threshold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from dualcarbon import __version__
from dualcarbon.parks.account import ParkAccount
from dualcarbon.parks.evaluation import Evaluation
from dualcarbon.reports.charts import GRID_COLOUR, drawing, tidy, to_svg
from dualcarbon.reports.html import fmt, fmt_sig, templates, write_page
from dualcarbon.reports.i18n import check_lang

OUTCOME_COLOURS = {"met": "#2a9d8f", "not_met": "#c0392b", "not_evaluated": "#9aa5b1"}

WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "html_lang": "zh-CN",
        "title": "{name} {year} 年碳排放核算与零碳园区评价",
        "province": "所在地区",
        "level": "开发区级别",
        "engine": "计算程序",
        "s_members": "一、成员企业",
        "member": "成员",
        "organisation": "单位 / 设施",
        "direct": "直接排放 tCO2",
        "e_in": "购入电力 MWh",
        "e_out": "输出电力 MWh",
        "h_in": "购入热力 GJ",
        "h_out": "输出热力 GJ",
        "energy": "综合能耗 tce",
        "reported": "本企业核算总量 tCO2",
        "utility": "（公用设施）",
        "s_balance": "二、园区边界：内部输送只计一次",
        "naive": "各成员直接排放与购入能源之和（重复计算）",
        "internal": "园区内部输送的电力、热力（扣除）",
        "exported": "输出园区外的电力、热力（扣除）",
        "location": "园区碳排放（基于位置）",
        "green": "园区外购绿电（绿证、直供，扣除）",
        "market": "园区碳排放（绿电按零计）",
        "balance_chart": "从成员之和到园区排放（tCO2）",
        "flows": "跨越园区边界的能源",
        "flow_in": "电力购入 {e_in} MWh，输出 {e_out} MWh；热力购入 {h_in} GJ，输出 {h_out} GJ；"
        "园区内部输送电力 {ie} MWh、热力 {ih} GJ",
        "factors": "边界电力、热力排放因子：{grid} tCO2/MWh（{grid_ref}）；"
        "{heat} tCO2/GJ（{heat_ref}）",
        "energy_total": "园区年综合能源消费量 {tce} tce（GB/T 2589-2020，"
        "含自发自用可再生电力 {onsite} MWh）",
        "s_evaluation": "三、零碳园区评价",
        "basis": "评价依据：{document}（可信度：{confidence}；官方文本未直接核对）",
        "confidence_corroborated": "多个独立来源相互印证",
        "confidence_verified": "已核对官方文本",
        "confidence_unverified": "未核实",
        "colon": "：",
        "indicator": "指标",
        "kind": "类别",
        "core": "核心",
        "guiding": "引导",
        "value": "园区值",
        "threshold": "要求",
        "outcome": "结论",
        "why": "说明",
        "met": "达到",
        "not_met": "未达到",
        "not_evaluated": "未评价",
        "at_most": "≤ {limit}",
        "at_least": "≥ {limit}",
        "grade": "{limit} 级或更优",
        "evaluation_chart": "各指标与要求（占要求值的比例）",
        "notes": "说明",
    },
    "en": {
        "html_lang": "en",
        "title": "{name} {year}: emissions and zero-carbon park evaluation",
        "province": "Province",
        "level": "Development zone",
        "engine": "Computed by",
        "s_members": "1. Members",
        "member": "Member",
        "organisation": "Organisation / facility",
        "direct": "Direct tCO2",
        "e_in": "Electricity bought MWh",
        "e_out": "Electricity sold MWh",
        "h_in": "Heat bought GJ",
        "h_out": "Heat sold GJ",
        "energy": "Energy tce",
        "reported": "Member's own total tCO2",
        "utility": " (utility)",
        "s_balance": "2. The park boundary: internal transfers counted once",
        "naive": "Members' direct emissions plus energy bought (double counted)",
        "internal": "electricity and heat moved inside the park (deducted)",
        "exported": "electricity and heat sold outside the park (deducted)",
        "location": "Park emissions (location-based)",
        "green": "green electricity bought from outside (certificates, direct; deducted)",
        "market": "Park emissions (green electricity at zero)",
        "balance_chart": "From the members' sum to the park's emissions (tCO2)",
        "flows": "Energy crossing the park boundary",
        "flow_in": "electricity bought {e_in} MWh, sold {e_out} MWh; heat bought {h_in} GJ, sold "
        "{h_out} GJ; moved inside the park: electricity {ie} MWh, heat {ih} GJ",
        "factors": "Factors at the boundary: {grid} tCO2/MWh ({grid_ref}); {heat} tCO2/GJ "
        "({heat_ref})",
        "energy_total": "Annual comprehensive energy consumption {tce} tce (GB/T 2589-2020, with "
        "{onsite} MWh of renewable electricity used on site)",
        "s_evaluation": "3. Zero-carbon park evaluation",
        "basis": "Basis: {document} (confidence: {confidence}; the official text was not read)",
        "confidence_corroborated": "corroborated by independent sources",
        "confidence_verified": "verified against the official text",
        "confidence_unverified": "unverified",
        "colon": ": ",
        "indicator": "Indicator",
        "kind": "Kind",
        "core": "core",
        "guiding": "guiding",
        "value": "Park",
        "threshold": "Required",
        "outcome": "Outcome",
        "why": "How",
        "met": "met",
        "not_met": "not met",
        "not_evaluated": "not evaluated",
        "at_most": "≤ {limit}",
        "at_least": "≥ {limit}",
        "grade": "grade {limit} or better",
        "evaluation_chart": "Each indicator against its threshold (share of the threshold)",
        "notes": "Notes",
    },
}


def render_park(account: ParkAccount, evaluation: Evaluation | None, *, lang: str = "zh") -> str:
    lang = check_lang(lang)
    w = WORDS[lang]
    header = account.park.park
    members = [
        (
            m.name + (w["utility"] if m.utility else ""),
            f"{m.organisation} / {m.facility}",
            fmt(m.direct_tco2e, 0),
            fmt(m.electricity_in_mwh, 0),
            fmt(m.electricity_out_mwh, 0),
            fmt(m.heat_in_gj, 0),
            fmt(m.heat_out_gj, 0),
            fmt(m.energy_tce, 0),
            fmt(m.reported_tco2e, 0),
        )
        for m in account.members
    ]
    exported = (
        account.electricity_out_mwh * account.grid_factor
        + account.heat_out_gj * account.heat_factor
    )
    steps = [
        (w["naive"], account.naive_tco2e),
        (w["internal"], -account.internal_tco2e),
        (w["exported"], -exported),
        (w["location"], account.location_tco2e),
        (w["green"], -account.green_bought_mwh * account.grid_factor),
        (w["market"], account.market_tco2e),
    ]
    context: dict[str, Any] = {
        "w": w,
        "title": w["title"].format(name=header.name, year=header.year),
        "particulars": [
            (w["province"], header.province or "—"),
            (w["level"], header.level or "—"),
            (w["engine"], f"dualcarbon {__version__}"),
        ],
        "members": members,
        "steps": [(label, fmt(value, 0)) for label, value in steps],
        "balance_chart": Markup(_balance_chart(steps, w["balance_chart"])),
        "flows": w["flow_in"].format(
            e_in=fmt(account.electricity_in_mwh, 0),
            e_out=fmt(account.electricity_out_mwh, 0),
            h_in=fmt(account.heat_in_gj, 0),
            h_out=fmt(account.heat_out_gj, 0),
            ie=fmt(account.internal_electricity_mwh, 0),
            ih=fmt(account.internal_heat_gj, 0),
        ),
        "factors": w["factors"].format(
            grid=fmt_sig(account.grid_factor, 4),
            grid_ref=account.grid_factor_ref or "—",
            heat=fmt_sig(account.heat_factor, 4),
            heat_ref=account.heat_factor_ref or "—",
        ),
        "energy_total": w["energy_total"].format(
            tce=fmt(account.energy_tce, 0), onsite=fmt(account.on_site_mwh, 0)
        ),
        "notes": list(account.notes_zh if lang == "zh" else account.notes_en),
        "evaluation": None,
    }
    if evaluation is not None:
        system = evaluation.system
        rows = []
        for r in evaluation.results:
            c = r.criterion
            limit = "—" if r.limit is None else f"{r.limit:g}"
            required = w[c.comparison].format(limit=limit) if r.limit is not None else "—"
            rows.append(
                (
                    c.name_zh if lang == "zh" else c.name_en,
                    w[c.kind],
                    "—" if r.value is None else f"{r.value:,.3g} {c.unit}".strip(),
                    f"{required} {c.unit}".strip() if r.limit is not None else "—",
                    r.outcome,
                    w[r.outcome],
                    r.why_zh if lang == "zh" else r.why_en,
                )
            )
        context["evaluation"] = {
            "basis": w["basis"].format(
                document=system.document_zh if lang == "zh" else system.document_en,
                confidence=w.get(f"confidence_{system.confidence}", system.confidence),
            ),
            "url": system.url,
            "rows": rows,
            "chart": Markup(_evaluation_chart(evaluation, lang, w["evaluation_chart"])),
        }
    return templates().get_template("park_report.html.j2").render(**context)


def write_park_report(
    account: ParkAccount, evaluation: Evaluation | None, path: Path, *, lang: str = "zh"
) -> Path:
    return write_page(render_park(account, evaluation, lang=lang), path)


def _balance_chart(steps: list[tuple[str, float]], label: str) -> str:
    """A waterfall: the members' sum, what is taken off, and the park's figures."""
    with drawing():
        figure = Figure(figsize=(10.0, 3.6))
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        level = 0.0
        totals = {0, 3, 5}
        for index, (_, value) in enumerate(steps):
            if index in totals:
                bottom, height, colour = 0.0, value, "#4c78a8"
                level = value
            else:
                bottom, height, colour = level + value, -value, "#f28e2b"
                level += value
            axes.bar(index, height, bottom=bottom, color=colour, width=0.6)
            axes.text(
                index,
                max(bottom + height, bottom),
                f"{value:,.0f}",
                ha="center",
                va="bottom",
                fontsize=8,
            )
        axes.set_xticks(range(len(steps)), [str(i + 1) for i in range(len(steps))])
        axes.axhline(0, color="#999999", linewidth=0.6)
        axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
        axes.yaxis.grid(True, color=GRID_COLOUR, linewidth=0.6)
        axes.set_axisbelow(True)
        tidy(axes)
        return to_svg(figure, "park-balance", label)


def _evaluation_chart(evaluation: Evaluation, lang: str, label: str) -> str:
    """Each evaluated indicator as its value over its threshold (1 = the threshold)."""
    rows = [r for r in evaluation.results if r.value is not None and r.limit]
    with drawing():
        figure = Figure(figsize=(10.0, 0.5 * max(len(rows), 1) + 0.8))
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        for index, r in enumerate(reversed(rows)):
            assert r.value is not None and r.limit
            ratio = r.value / r.limit
            axes.barh(index, ratio, color=OUTCOME_COLOURS[r.outcome], height=0.6)
            axes.text(ratio, index, f" {ratio:.2f}", va="center", fontsize=8)
        axes.axvline(1.0, color="#333333", linewidth=1.0, linestyle="--")
        axes.set_yticks(
            range(len(rows)),
            [
                (r.criterion.name_zh if lang == "zh" else r.criterion.name_en)
                for r in reversed(rows)
            ],
        )
        tidy(axes)
        return to_svg(figure, "park-evaluation", label)
