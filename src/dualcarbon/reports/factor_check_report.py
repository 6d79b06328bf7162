"""The factor-validation report for the maintainers of the factor database: each default against
the enterprises' measurements, with its bias, En and where it sits among them; one self-contained
HTML page, Chinese by default. Enterprises appear by a keyed code only, and with fewer than three
of them only the counts show."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from markupsafe import Markup
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from dualcarbon import __version__
from dualcarbon.factors.catalogue import FactorCatalogue, default_catalogue
from dualcarbon.i18n import Lang, unit_label
from dualcarbon.measured_factors.comparison import COVERAGE_K, MIN_HOLDERS, DefaultCheck
from dualcarbon.measured_factors.publication import head_of_chain
from dualcarbon.reports.charts import GRID_COLOUR, drawing, tidy, to_svg
from dualcarbon.reports.html import templates, write_page
from dualcarbon.reports.i18n import check_lang

VERDICT_COLOURS = {
    "no_uncertainty": "#9aa5b1",
    "consistent": "#2a9d8f",
    "default_above": "#e07b39",
    "default_below": "#c0392b",
    "insufficient": "#9aa5b1",
}

MAX_LISTED = 200
"""Enterprises listed one by one under a default; beyond, the chart and counts stand for them."""
MAX_POINTS = 40
"""Enterprises drawn one by one in a chart; beyond, a histogram of their means."""

WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "html_lang": "zh-CN",
        "title": "缺省排放因子实测验证报告",
        "engine": "计算程序",
        "defaults": "核验的缺省值",
        "measurements": "实测值",
        "enterprises": "企业",
        "summary": "一、汇总",
        "details": "二、逐项",
        "default": "缺省值",
        "n": "实测次数",
        "k": "企业数",
        "mu": "实测共识值 μ ± u(μ)",
        "tau": "企业间离散 τ",
        "bias": "偏差 d − μ",
        "en": "En",
        "share": "高于缺省值的企业",
        "verdict": "结论",
        "consistent": "与实测一致（|En| ≤ 1）",
        "default_above": "缺省值高于实测（多计排放）",
        "default_below": "缺省值低于实测（少计排放）",
        "insufficient": f"实测企业不足 {MIN_HOLDERS} 家，不作判断",
        "no_uncertainty": "各企业实测值相同且均未给出不确定度，无法判断",
        "withheld": f"实测企业不足 {MIN_HOLDERS} 家：为不泄露单个企业的数据，不列出统计量。",
        "unlisted": "另有 {count} 家企业未逐一列出（见上图）。",
        "histogram": "企业数",
        "source": "出处",
        "note": "说明",
        "default_exact": "出处未给出缺省值的不确定度：按准确值处理，u(b) = u(μ)",
        "default_u": "缺省值的标准不确定度 u(d) = {u}",
        "quantiles": "实测值分布：最小 {min}，5% {p5}，中位数 {p50}，95% {p95}，最大 {max}",
        "method": "共识值方法",
        "random_effects": "随机效应模型（DerSimonian–Laird），各企业均值按 1/(u² + τ²) 加权",
        "mean_of_means": "部分企业未给出不确定度：取企业均值的算术平均，u(μ) = s/√k，τ 取 s",
        "single": "仅一家企业",
        "holder": "企业代码",
        "holder_n": "次数",
        "holder_mean": "均值",
        "holder_u": "u(均值)",
        "years": "年份",
        "chart": "各企业实测均值（误差线 ±2u）与缺省值（虚线）、共识值 μ ± 2u(μ)（深色带）"
        "及企业间范围 μ ± 2τ（浅色带）",
        "method_text": "方法：每家企业的实测值先取均值"
        "（同一企业各月燃料来自同一供应，不是独立样本）；"
        "企业均值按随机效应模型得共识值 μ 及 u(μ)、企业间离散 τ；缺省值偏差 b = d − μ，"
        "u(b)² = u(μ)² + u(d)²，En = b / (2·u(b))（ISO 13528:2015 9.7）。"
        f"少于 {MIN_HOLDERS} 家企业时不作判断、不发布实测因子。",
        "publish_hint": "可发布为实测因子（dualcarbon factors validate … --publish），"
        "替代 {head}；发布的不确定度为 √(τ² + u(μ)²)。",
    },
    "en": {
        "html_lang": "en",
        "title": "Default emission factors checked against measurements",
        "engine": "Computed by",
        "defaults": "Defaults checked",
        "measurements": "Measurements",
        "enterprises": "Enterprises",
        "summary": "1. Summary",
        "details": "2. Each default",
        "default": "Default",
        "n": "Measurements",
        "k": "Enterprises",
        "mu": "Consensus μ ± u(μ)",
        "tau": "Spread τ",
        "bias": "Bias d − μ",
        "en": "En",
        "share": "Enterprises above the default",
        "verdict": "Verdict",
        "consistent": "agrees with the measurements (|En| ≤ 1)",
        "default_above": "default above the measurements (overstates emissions)",
        "default_below": "default below the measurements (understates emissions)",
        "insufficient": f"fewer than {MIN_HOLDERS} enterprises: no verdict",
        "no_uncertainty": "every enterprise the same and none gave an uncertainty: no verdict",
        "withheld": f"Fewer than {MIN_HOLDERS} enterprises: their statistics are not shown, so "
        "that no single enterprise's data is disclosed.",
        "unlisted": "{count} more enterprises are not listed one by one (see the chart).",
        "histogram": "enterprises",
        "source": "Source",
        "note": "Note",
        "default_exact": "The source states no uncertainty for the default: taken as exact, "
        "u(b) = u(μ)",
        "default_u": "Standard uncertainty of the default u(d) = {u}",
        "quantiles": "Measured values: min {min}, 5 % {p5}, median {p50}, 95 % {p95}, max {max}",
        "method": "Consensus by",
        "random_effects": "random effects (DerSimonian–Laird), enterprise means weighted by "
        "1/(u² + τ²)",
        "mean_of_means": "some enterprises gave no uncertainty: plain mean of the enterprise "
        "means, u(μ) = s/√k, τ read as s",
        "single": "one enterprise only",
        "holder": "Enterprise",
        "holder_n": "n",
        "holder_mean": "Mean",
        "holder_u": "u(mean)",
        "years": "Years",
        "chart": "Each enterprise's mean (bars ±2u) against the default (dashed), the consensus "
        "μ ± 2u(μ) (dark band) and the spread μ ± 2τ (light band)",
        "method_text": "Method: each enterprise's measurements are averaged first (its months "
        "burn one supply, not independent draws); the enterprise means give the consensus μ with "
        "u(μ) and the spread τ by random effects; the default's bias b = d − μ, "
        "u(b)² = u(μ)² + u(d)², En = b / (2·u(b)) (ISO 13528:2015 9.7). Fewer than "
        f"{MIN_HOLDERS} enterprises give no verdict and no published factor.",
        "publish_hint": "Publishable as a measured factor (dualcarbon factors validate … "
        "--publish) superseding {head}; the published u is √(τ² + u(μ)²).",
    },
}


def _g(value: float | None, digits: int = 4) -> str:
    if value is None or value != value:
        return "—"
    return f"{value:.{digits}g}"


def render_factor_check(
    checks: Sequence[DefaultCheck],
    *,
    catalogue: FactorCatalogue | None = None,
    lang: str = "zh",
) -> str:
    """The report of ``checks``; a publishable default names the entry a publication would
    supersede, the head of its chain in ``catalogue`` (default: the shipped one)."""
    w = WORDS[check_lang(lang)]
    language: Lang = "zh" if lang == "zh" else "en"
    catalogue = catalogue or default_catalogue()
    summary = []
    details = []
    for index, check in enumerate(checks, start=1):
        d = check.default
        c = check.consensus
        name = d.name_zh if lang == "zh" else d.name_en
        shown = check.disclosed
        hidden = "—"
        summary.append(
            {
                "anchor": f"default-{index}",
                "ref": d.ref,
                "name": name,
                "default": f"{_g(d.value)} {unit_label(d.unit, language)}".strip(),
                "n": str(check.n),
                "k": str(c.holders),
                "mu": f"{_g(c.value)} ± {_g(c.u, 2)}" if shown else hidden,
                "tau": _g(c.tau, 2) if shown else hidden,
                "bias": f"{_g(check.bias, 3)} ({check.relative_bias:+.1%})" if shown else hidden,
                "en": "—" if check.en is None else f"{check.en:+.2f}",
                "share": f"{check.understated_share:.0%}" if shown else hidden,
                "verdict": check.verdict,
                "verdict_text": w[check.verdict],
            }
        )
        item: dict[str, Any] = {
            "anchor": f"default-{index}",
            "title": f"{index}. {name}",
            "ref": d.ref,
            "source": d.citation(lang),
            "note": d.note or "",
            "shown": shown,
            "withheld": w["withheld"],
            "publish": (
                w["publish_hint"].format(head=head_of_chain(catalogue, d).ref)
                if check.publishable
                else ""
            ),
        }
        if shown:
            item |= {
                "quantiles": w["quantiles"].format(
                    min=_g(min(check.values)),
                    p5=_g(check.quantile(0.05)),
                    p50=_g(check.quantile(0.5)),
                    p95=_g(check.quantile(0.95)),
                    max=_g(max(check.values)),
                ),
                "method": w[c.method],
                "default_u": (
                    w["default_exact"]
                    if d.standard_uncertainty is None
                    else w["default_u"].format(u=_g(d.standard_uncertainty, 2))
                ),
                "holders": [
                    (
                        h.label,
                        str(h.n),
                        _g(h.mean),
                        _g(h.u, 2),
                        ", ".join(str(y) for y in h.years) or "—",
                    )
                    for h in check.holders[:MAX_LISTED]
                ],
                "unlisted": (
                    w["unlisted"].format(count=len(check.holders) - MAX_LISTED)
                    if len(check.holders) > MAX_LISTED
                    else ""
                ),
                "chart": Markup(_chart(check, f"default-{index}-chart", w["chart"], w)),
            }
        details.append(item)
    enterprises = {h.label for check in checks for h in check.holders}
    context: dict[str, Any] = {
        "w": w,
        "title": w["title"],
        "particulars": [
            (w["defaults"], str(len(checks))),
            (w["measurements"], str(sum(check.n for check in checks))),
            (w["enterprises"], str(len(enterprises))),
            (w["engine"], f"dualcarbon {__version__}"),
        ],
        "summary": summary,
        "details": details,
    }
    return templates().get_template("factor_check_report.html.j2").render(**context)


def write_factor_check_report(
    checks: Sequence[DefaultCheck],
    path: Path,
    *,
    catalogue: FactorCatalogue | None = None,
    lang: str = "zh",
) -> Path:
    return write_page(render_factor_check(checks, catalogue=catalogue, lang=lang), path)


def _chart(check: DefaultCheck, prefix: str, label: str, words: dict[str, str]) -> str:
    """Enterprise means with ±2u bars (a histogram of them past :data:`MAX_POINTS`), the default,
    and the consensus and spread bands."""
    holders = sorted(check.holders, key=lambda h: h.mean)
    c = check.consensus
    many = len(holders) > MAX_POINTS
    with drawing():
        height = 3.2 if many else 0.28 * len(holders) + 1.2
        figure = Figure(figsize=(9.0, height))
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        if c.tau == c.tau and c.holders > 1:
            axes.axvspan(
                c.value - COVERAGE_K * c.tau, c.value + COVERAGE_K * c.tau, color="#dbe9f6"
            )
        if c.u == c.u:
            axes.axvspan(c.value - COVERAGE_K * c.u, c.value + COVERAGE_K * c.u, color="#8fb8de")
        if many:
            axes.hist([h.mean for h in holders], bins=30, color="#34618f")
            axes.set_ylabel(words["histogram"])
        else:
            for row, holder in enumerate(holders):
                error = None if holder.u is None else COVERAGE_K * holder.u
                axes.errorbar(
                    holder.mean, row, xerr=error, fmt="o", color="#34618f", markersize=4, capsize=2
                )
            axes.set_yticks(range(len(holders)), [h.label for h in holders], fontsize=7)
        axes.axvline(
            check.default.value,
            color=VERDICT_COLOURS[check.verdict],
            linestyle="--",
            linewidth=1.4,
        )
        axes.set_xlabel(check.default.unit)
        axes.xaxis.grid(True, color=GRID_COLOUR, linewidth=0.6)
        axes.set_axisbelow(True)
        tidy(axes)
        return to_svg(figure, prefix, label)
