"""The CBAM report of an installation (CBAM 隐含排放报告): one self-contained HTML page, Chinese by
default, with each good's specific embedded emissions, what they rest on — the inventory's lines
and evidence, the precursors and whose values they carry, the defaults and their mark-ups — a
chart of each good's SEE by part, and the carbon price paid in China as information."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from dualcarbon import __version__
from dualcarbon.attribution.attribute import line_ranges
from dualcarbon.cbam.see import CbamReport, EmbeddedEmissions
from dualcarbon.reports.charts import GRID_COLOUR, drawing, tidy, to_svg
from dualcarbon.reports.html import fmt_sig, templates
from dualcarbon.reports.i18n import check_lang

PART_COLOURS = {"own_direct": "#8c564b", "precursor": "#b8a48a", "indirect": "#4c78a8"}

WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "html_lang": "zh-CN",
        "title": "欧盟碳边境调节机制（CBAM）隐含排放报告",
        "installation": "设施",
        "operator": "经营者",
        "country": "国家",
        "unlocode": "UN/LOCODE",
        "year": "报告期",
        "act": "方法",
        "act_value": "(EU) 2025/2547 实施条例附件三；缺省值 {defaults}",
        "engine": "计算程序",
        "s_summary": "一、各产品的单位隐含排放",
        "good": "产品",
        "cn": "CN 编码",
        "unit": "功能单位",
        "direct": "直接",
        "indirect": "间接",
        "total": "合计",
        "defaults": "缺省值占比",
        "basis": "依据",
        "actual": "实测（企业核算数据）",
        "default": "缺省值",
        "not_counted": "不计入（附件二货物，仅直接排放）",
        "marked_up": "缺省值 ＋{mark_up}% 加价 = {value}",
        "chart": "单位隐含排放构成（tCO2e/功能单位）",
        "own_direct": "本工序直接排放",
        "precursor": "前体（直接）",
        "indirect_part": "间接排放（电力）",
        "s_goods": "二、计算依据",
        "al": "活动水平（产量）",
        "attr_direct": "归属直接排放",
        "heat": "其中外购热力（计入直接排放，式55）",
        "left_out": "未归入本工序的清单行（请核对是否应计入）",
        "electricity": "消耗电力",
        "factor": "电力排放因子",
        "clinker_ratio": "熟料系数",
        "per_t": "每吨产品",
        "precursors": "前体",
        "amount": "用量 t",
        "see_d": "直接 SEE",
        "see_i": "间接 SEE",
        "from": "来源",
        "installation_made": "本设施生产",
        "supplier": "供应商实测值",
        "evidence": "凭证",
        "lines": "核算清单行号",
        "factor_refs": "引用因子",
        "output_evidence": "产量凭证",
        "electricity_evidence": "电量凭证",
        "none": "—",
        "s_price": "三、在中国已支付的碳价（仅供参考）",
        "price_note": (
            "按 (EU) 2023/956 第9条（经 (EU) 2025/2083 修订），碳价须有独立认证的实际支付证明、"
            "扣除免费配额后方可抵扣；本报告仅列示，不作扣减。"
        ),
        "scheme": "碳定价机制",
        "price": "价格",
        "free": "免费配额覆盖直接排放的比例",
        "due": "每功能单位应付碳价",
        "source": "来源",
        "footer": "由 {engine} 生成；数值未经核查。",
    },
    "en": {
        "html_lang": "en",
        "title": "EU CBAM embedded emissions report",
        "installation": "Installation",
        "operator": "Operator",
        "country": "Country",
        "unlocode": "UN/LOCODE",
        "year": "Reporting period",
        "act": "Method",
        "act_value": "Implementing Regulation (EU) 2025/2547, Annex III; defaults {defaults}",
        "engine": "Engine",
        "s_summary": "1. Specific embedded emissions of each good",
        "good": "Good",
        "cn": "CN code",
        "unit": "Functional unit",
        "direct": "Direct",
        "indirect": "Indirect",
        "total": "Total",
        "defaults": "Share of defaults",
        "basis": "Basis",
        "actual": "actual (the enterprise's accounted data)",
        "default": "default values",
        "not_counted": "not counted (Annex II good: direct only)",
        "marked_up": "default + {mark_up}% mark-up = {value}",
        "chart": "Specific embedded emissions by part (tCO2e per functional unit)",
        "own_direct": "process direct",
        "precursor": "precursors (direct)",
        "indirect_part": "indirect (electricity)",
        "s_goods": "2. What each figure rests on",
        "al": "Activity level (output)",
        "attr_direct": "Attributed direct emissions",
        "heat": "of which heat bought in (direct, eq. 55)",
        "left_out": "Inventory lines left out of the process (check whether they belong)",
        "electricity": "Electricity consumed",
        "factor": "Electricity emission factor",
        "clinker_ratio": "Clinker ratio",
        "per_t": "per tonne of product",
        "precursors": "Precursors",
        "amount": "Amount, t",
        "see_d": "SEE direct",
        "see_i": "SEE indirect",
        "from": "From",
        "installation_made": "made in this installation",
        "supplier": "supplier's actual values",
        "evidence": "Evidence",
        "lines": "Inventory lines",
        "factor_refs": "Factors used",
        "output_evidence": "Output evidence",
        "electricity_evidence": "Electricity evidence",
        "none": "—",
        "s_price": "3. Carbon price paid in China (information only)",
        "price_note": (
            "Under Reg. (EU) 2023/956 Art. 9 as replaced by Reg. (EU) 2025/2083 a carbon price is "
            "deducted only with independently certified proof of payment, net of free "
            "allocation; it is shown here, not deducted."
        ),
        "scheme": "Carbon pricing instrument",
        "price": "Price",
        "free": "Share of direct emissions freely allocated",
        "due": "Price due per functional unit",
        "source": "Source",
        "footer": "Made by {engine}; figures not verified.",
    },
}


def render_cbam_report(report: CbamReport, *, lang: str = "zh") -> str:
    check_lang(lang)
    w = WORDS[lang]
    site = report.declaration.installation
    context: dict[str, Any] = {
        "w": w,
        "title": f"{w['title']} · {site.name if lang == 'zh' else site.name_en or site.name}",
        "particulars": [
            (w["installation"], f"{site.name} / {site.name_en}" if site.name_en else site.name),
            (w["operator"], site.operator or w["none"]),
            (w["country"], site.country),
            (w["unlocode"], site.unlocode or w["none"]),
            (w["year"], f"{report.declaration.year}-01-01 – {report.declaration.year}-12-31"),
            (w["act"], w["act_value"].format(defaults=report.defaults_act)),
            (w["engine"], f"dualcarbon {__version__}"),
        ],
        "rows": [_row(g, w, lang) for g in report.goods],
        "chart": Markup(chart) if (chart := see_chart(report, lang)) else None,
        "goods": [_detail(g, w, lang) for g in report.goods],
        "price": _price(report, w),
        "footer": w["footer"].format(engine=f"dualcarbon {__version__}"),
    }
    return templates().get_template("cbam_report.html.j2").render(**context)


def write_cbam_report(report: CbamReport, path: Path, *, lang: str = "zh") -> Path:
    path.write_text(render_cbam_report(report, lang=lang), encoding="utf-8")
    return path


def _name(good: EmbeddedEmissions, lang: str) -> str:
    return good.good.name_zh if lang == "zh" else good.good.name_en


def _row(good: EmbeddedEmissions, w: dict[str, str], lang: str) -> dict[str, str]:
    basis = w["actual"] if good.basis == "actual" else w["default"]
    if good.basis == "default" and good.mark_up:
        basis += "；" if lang == "zh" else "; "
        basis += w["marked_up"].format(
            mark_up=f"{100 * good.mark_up:g}", value=fmt_sig(good.see_total_marked_up, 4)
        )
    indirect = fmt_sig(good.see_indirect, 4)
    if good.good.direct_only:
        indirect += f"（{w['not_counted']}）" if lang == "zh" else f" ({w['not_counted']})"
    return {
        "id": good.id,
        "name": f"{good.product_name} · {_name(good, lang)}",
        "cn": good.good.cn,
        "unit": good.good.functional_unit,
        "direct": fmt_sig(good.see_direct, 4),
        "indirect": indirect,
        "total": fmt_sig(good.see_total, 4),
        "defaults": f"{100 * good.default_share:.1f}%",
        "basis": basis,
    }


def _detail(good: EmbeddedEmissions, w: dict[str, str], lang: str) -> dict[str, Any]:
    facts = [
        (w["al"], f"{fmt_sig(good.activity_level)} t" if good.activity_level else w["none"]),
        (w["attr_direct"], f"{fmt_sig(good.attributed_direct)} tCO2e"),
        (w["electricity"], f"{fmt_sig(good.electricity_mwh)} MWh"),
        (
            w["factor"],
            f"{fmt_sig(good.electricity_factor)} tCO2e/MWh — {good.electricity_factor_source}",
        ),
    ]
    if good.heat_direct:
        facts.append((w["heat"], f"{fmt_sig(good.heat_direct)} tCO2e"))
    if good.clinker_ratio is not None:
        facts.append((w["clinker_ratio"], f"{100 * good.clinker_ratio:.2f}%"))
        facts.append(
            (
                w["per_t"],
                f"{w['direct']} {fmt_sig(good.see_direct_product, 4)}, "
                f"{w['indirect']} {fmt_sig(good.see_indirect_product, 4)} tCO2e/t",
            )
        )
    names = {
        "installation": w["installation_made"],
        "supplier": w["supplier"],
        "default": w["default"],
    }
    return {
        "id": good.id,
        "name": f"{good.id} · {_name(good, lang)} ({good.good.cn})",
        "facts": facts,
        "precursors": [
            {
                "good": f"{p.good.cn} {p.good.name_zh if lang == 'zh' else p.good.name_en}",
                "amount": fmt_sig(p.amount),
                "see_d": fmt_sig(p.see_direct, 4),
                "see_i": fmt_sig(p.see_indirect, 4),
                "from": names[p.basis],
                "evidence": p.evidence,
            }
            for p in good.precursors
        ],
        "warnings": list(good.warnings),
        "evidence": [
            (w["output_evidence"], "; ".join(good.output_evidence) or w["none"]),
            (w["evidence"], "; ".join(good.evidence) or w["none"]),
            (w["factor_refs"], ", ".join(good.factors) or w["none"]),
            (w["electricity_evidence"], "; ".join(good.electricity_evidence) or w["none"]),
            (w["lines"], line_ranges(good.lines) or w["none"]),
        ],
    }


def _price(report: CbamReport, w: dict[str, str]) -> dict[str, Any] | None:
    price = report.carbon_price
    if price is None:
        return None
    return {
        "facts": [
            (w["scheme"], price.scheme),
            (w["price"], f"{fmt_sig(price.price)} {price.currency}/tCO2"),
            (w["free"], f"{100 * price.free_allocation_share:g}%"),
            (w["source"], price.source),
        ],
        "due": [
            (g.id, f"{fmt_sig(price.due_per_unit(g.see_direct), 4)} {price.currency}")
            for g in report.goods
        ],
    }


def see_chart(report: CbamReport, lang: str) -> str | None:
    """Horizontal stacked bars per good: the process's own direct, the precursors' direct and, for
    goods that count it, the indirect; tCO2e per functional unit."""
    goods = list(report.goods)
    if not goods:
        return None
    w = WORDS[lang]
    with drawing():
        figure = Figure(figsize=(9.0, 0.7 + 0.5 * len(goods)))
        FigureCanvasAgg(figure)
        axes = figure.subplots()
        for y, good in enumerate(goods):
            precursor = sum(p.amount * p.see_direct for p in good.precursors)
            per_unit = good.activity_level * good.per_functional_unit if good.activity_level else 0
            precursor_part = precursor / per_unit if per_unit else 0.0
            own = good.see_direct - precursor_part
            parts = [("own_direct", own), ("precursor", precursor_part)]
            if not good.good.direct_only:
                parts.append(("indirect", good.see_indirect))
            left = 0.0
            for key, value in parts:
                label = w["indirect_part"] if key == "indirect" else w[key]
                axes.barh(
                    y,
                    value,
                    left=left,
                    color=PART_COLOURS[key],
                    label=label if y == 0 or key == "precursor" else None,
                )
                left += value
            axes.annotate(
                f"{good.see_total:.3f}",
                (left, y),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
            )
        handles, labels = axes.get_legend_handles_labels()
        unique = dict(zip(labels, handles, strict=True))
        axes.legend(unique.values(), unique.keys(), frameon=False, fontsize=8, loc="lower right")
        axes.set_yticks(range(len(goods)))
        axes.set_yticklabels([f"{g.id} ({g.good.cn})" for g in goods])
        axes.invert_yaxis()
        axes.set_xlabel("tCO2e / " + ("功能单位" if lang == "zh" else "functional unit"))
        axes.grid(axis="x", color=GRID_COLOUR, linewidth=0.6)
        axes.set_axisbelow(True)
        tidy(axes)
        return to_svg(figure, "cbam-see", w["chart"])
