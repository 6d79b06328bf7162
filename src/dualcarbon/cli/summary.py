"""Terminal summary of an accounting result (rich tables)."""

from __future__ import annotations

import math

import polars as pl
from rich.console import JustifyMethod
from rich.table import Table

from dualcarbon.accounting.improvements import Improvement, ImprovementRanking
from dualcarbon.accounting.result import AccountingResult
from dualcarbon.accounting.uncertainty import AccountingUncertainty
from dualcarbon.cli.console import console
from dualcarbon.i18n import Lang, pick
from dualcarbon.reports.i18n import PRODUCTION_ORDER, production_label, source_label


def print_summary(result: AccountingResult, lang: Lang) -> None:
    meta = result.meta
    console.print(
        f"[bold]{meta.organisation}[/] {meta.facility} · {meta.year} · {meta.methodology_title} "
        f"([cyan]{meta.methodology}[/])"
    )
    console.print(
        pick(lang, "排放总量", "Total emissions") + f": [bold green]{result.total():,.2f}[/] tCO2e"
    )
    if result.findings:
        console.print(pick(lang, "[bold]数据检查发现：[/]", "[bold]Findings:[/]"))
        for finding in result.findings:
            line = finding.message(lang)
            if finding.accepted is not None:
                given = finding.accepted
                line += pick(
                    lang,
                    f"（已由 {given.by} 确认：{given.reason}）",
                    f" (accepted by {given.by}: {given.reason})",
                )
            console.print(f"  • {line}", markup=False, highlight=False, soft_wrap=True)
    by_source = Table(title=pick(lang, "按排放源", "By source"))
    by_source.add_column(pick(lang, "排放源", "source"), overflow="fold")
    by_source.add_column("tCO2e", justify="right", overflow="fold")
    by_source.add_column(pick(lang, "计入总量", "in total"), overflow="fold")
    counted = dict(result.lines.group_by("source").agg(pl.col("counted").first()).iter_rows())
    for source, tco2e, _ in result.by("source").iter_rows():
        by_source.add_row(
            source_label(source, lang),
            f"{tco2e:,.2f}",
            pick(lang, "是", "yes")
            if counted.get(source)
            else pick(lang, "单独报告", "reported apart"),
        )
    console.print(by_source)

    by_unit = Table(title=pick(lang, "按设施/机组", "By facility and unit"))
    for header in (pick(lang, "设施", "facility"), pick(lang, "机组", "unit"), "tCO2e"):
        justify: JustifyMethod = "right" if header == "tCO2e" else "left"
        by_unit.add_column(header, justify=justify, overflow="fold")
    for facility, unit, tco2e, _ in result.by("facility", "unit", counted_only=True).iter_rows():
        by_unit.add_row(facility, unit, f"{tco2e:,.2f}")
    console.print(by_unit)

    fuel = result.lines.filter(pl.col("source") == "fuel_combustion")
    if fuel.height:
        months = Table(
            title=pick(lang, "燃料逐月：含碳量数据来源", "Fuel by month: carbon-content tier")
        )
        for header in (
            pick(lang, "机组", "unit"),
            pick(lang, "燃料", "fuel"),
            pick(lang, "月", "month"),
            pick(lang, "消耗量", "consumption"),
            "NCV GJ/unit",
            "C tC/unit",
            pick(lang, "来源", "tier"),
            "tCO2",
        ):
            months.add_column(header, overflow="fold")
        for row in fuel.sort("unit", "item", "month").iter_rows(named=True):
            tier_style = "yellow" if row["carbon_tier"] == "default" else "green"
            months.add_row(
                row["unit"],
                row["item_zh"] if lang == "zh" else row["item"],
                str(row["month"]),
                f"{row['activity']:,.2f} {row['activity_unit']}",
                f"{row['ncv']:.3f}",
                f"{row['carbon_content']:.5f}",
                f"[{tier_style}]{row['carbon_tier']}[/]",
                f"{row['emission']:,.2f}",
            )
        console.print(months)
        defaults = fuel.filter(pl.col("carbon_tier") == "default")
        if defaults.height:
            console.print(pick(lang, "[bold]采用缺省值的月份：[/]", "[bold]Months on defaults:[/]"))
            column = "explanation_zh" if lang == "zh" else "explanation_en"
            for unit, text in defaults.select("unit", column).iter_rows():
                console.print(f"  • {unit}: {text}", markup=False, highlight=False)
    flagged = result.lines.filter(pl.col("instrument_flag_zh").is_not_null())
    if flagged.height:
        console.print(
            pick(
                lang,
                "[bold]计量器具检定状态不合格的读数：[/]",
                "[bold]Readings of instruments out of calibration:[/]",
            )
        )
        column = "instrument_flag_zh" if lang == "zh" else "instrument_flag_en"
        for unit, item, text in flagged.select("unit", "item", column).iter_rows():
            console.print(f"  • {unit} {item}: {text}", markup=False, highlight=False)
    if result.production is not None and result.production.height:
        production = Table(
            title=pick(lang, "生产数据与排放强度（年度）", "Production and intensities (year)")
        )
        production.add_column(pick(lang, "指标", "indicator"), overflow="fold")
        rows = result.production.to_dicts()
        for row in rows:
            production.add_column(
                f"{row['facility']} {row['unit']}", justify="right", overflow="fold"
            )
        for column in PRODUCTION_ORDER:
            if column in result.production.columns:
                production.add_row(
                    production_label(column, lang), *(_number(row[column]) for row in rows)
                )
        console.print(production)


def _number(value: object) -> str:
    """A figure as the table shows it; an undefined one (0/0: no heat supplied) as a dash."""
    if not isinstance(value, float | int) or not math.isfinite(value):
        return "—"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.4f}"


def print_uncertainty(found: AccountingUncertainty, lang: Lang) -> None:
    """Total ± U and the inputs that carry most of the variance."""
    method = (
        pick(lang, "GUM 传播律", "GUM") if found.method == "gum" else pick(lang, "蒙特卡洛", "MCM")
    )
    if found.u == 0:  # "± 0" would claim an exact total; nothing was stated to propagate
        console.print(
            pick(
                lang,
                f"排放总量 {found.value:,.0f} tCO2e：没有任何输入量给出不确定度"
                "（计量器具最大允许误差、检测报告的不确定度或缺省值的不确定度），"
                "无法评定，并非 ± 0。",
                f"Total {found.value:,.0f} tCO2e: no input states an uncertainty (a meter's MPE, a "
                "report's u, a default's range), so none can be evaluated; this is not ± 0.",
            )
        )
        return
    console.print(
        pick(lang, "排放总量", "Total")
        + f" {found.value:,.0f} ± {found.U:,.0f} tCO2e (k = {found.k:.2f}, "
        f"p = {found.coverage:.0%}, {method}); "
        + pick(lang, "相对扩展不确定度", "relative U")
        + f" {found.relative_U:.2%}"
    )
    table = Table(title=pick(lang, "不确定度主要来源", "Largest contributions to the variance"))
    for header in (pick(lang, "输入量", "input"), "x", "u(x)", pick(lang, "方差占比", "share")):
        aligned: JustifyMethod = "left" if header in ("输入量", "input") else "right"
        table.add_column(header, justify=aligned, overflow="fold")
    for line in found.budget:
        table.add_row(
            (line.label if lang == "zh" else line.label_en) or line.input,
            f"{line.value:.6g}",
            f"{line.u:.3g}",
            f"{line.variance_share:.1%}",
        )
    console.print(table)
    console.print(
        pick(
            lang,
            "[dim]方差占比：该输入量对合成方差的贡献 (c_i·u(x_i))² / u_c²(y)，c_i 为灵敏系数"
            "（JJF 1059.1-2012 第 4 章）；占比大的输入量最值得改进计量。[/]",
            "[dim]share: the input's part of the combined variance, (c_i·u(x_i))² / u_c²(y), c_i "
            "its sensitivity coefficient (JCGM 100:2008, 5.1.3); the largest shares are where "
            "better measurement pays most.[/]",
        )
    )
    if found.inputs_without_u:
        console.print(
            pick(
                lang,
                f"{found.inputs_without_u} 个输入量未给出不确定度，按准确值计入。",
                f"{found.inputs_without_u} input(s) have no stated uncertainty (taken as exact).",
            )
        )


def print_improvements(ranking: ImprovementRanking, lang: Lang, top: int = 10) -> None:
    """Which measurement to improve first: by the fall of U, then defaults by their emissions
    effect, overdue instruments, and values without a stated uncertainty."""
    console.print(
        pick(lang, "[bold]计量改进优先级[/]", "[bold]Which measurement to improve first[/]")
        + f"  U = {ranking.U:,.0f} tCO2e (GUM, k = {ranking.k:.2f})"
    )

    def action(i: Improvement) -> str:
        return i.action_zh if lang == "zh" else i.action_en

    table = Table()
    for header in (
        "#",
        pick(lang, "改进措施", "improvement"),
        pick(lang, "现方差占比", "share today"),
        pick(lang, "改进后 U", "U after"),
        pick(lang, "U 降低", "U falls by"),
    ):
        table.add_column(header, justify="left" if header != "#" else "right", overflow="fold")
    for rank, found in enumerate(ranking.by_uncertainty[:top], start=1):
        table.add_row(
            str(rank),
            action(found),
            f"{found.variance_share:.1%}",
            f"{found.U_after:,.0f}",
            f"{found.U_reduction:,.0f} ({found.U_reduction / ranking.U:.1%})",
        )
    console.print(table)
    for title, rows in (
        (
            pick(
                lang,
                "缺省值改为本企业实测值",
                "Defaults replaced by the enterprise's measured values",
            ),
            [
                f"{action(i)}: {i.emission_difference:+,.0f} tCO2e · "
                + (i.basis_zh if lang == "zh" else i.basis_en)
                for i in ranking.by_emissions
            ],
        ),
        (
            pick(lang, "超期或失效的计量器具", "Instruments overdue or failed"),
            [
                f"{action(i)}: "
                + pick(lang, "恢复为实测 ", "back to measured ")
                + f"{i.tier_restored:,.0f} tCO2e"
                for i in ranking.calibrations
            ],
        ),
        (
            pick(
                lang, "未给出准确度或不确定度（无法排序）", "No stated accuracy or u (not ranked)"
            ),
            [
                f"{action(i)} · " + (i.basis_zh if lang == "zh" else i.basis_en)
                for i in ranking.unstated
            ],
        ),
    ):
        if rows:
            console.print(f"[bold]{title}[/]")
            for row in rows:
                console.print(f"  • {row}", markup=False, highlight=False, soft_wrap=True)
