"""The monitoring report of a project's monitoring period (减排量核算报告 / 监测报告).

One self-contained HTML page, Chinese by default: the project and its methodology, how it meets
the applicability clauses, the crediting and monitoring periods, the monitoring plan with each
meter's accuracy and calibrations, the monthly readings with their evidence, the readings taken
conservatively and why, the formulas and the reductions year by year, their uncertainty, and the
digest of the data the figures come from. The sections follow what the methodologies ask a
monitoring report to show (CCER-01-001/002-V01 chapters 6–8); the MEE's own report template was
not read, so its numbering is not copied (docs/projects.md).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import polars as pl

from dualcarbon import __version__
from dualcarbon.accounting.uncertainty import AccountingUncertainty
from dualcarbon.projects.model import GRIDS
from dualcarbon.projects.result import ProjectResult
from dualcarbon.reports.html import fmt, fmt_share, fmt_sig, templates, write_page
from dualcarbon.reports.i18n import check_lang

WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "html_lang": "zh-CN",
        "title": "温室气体自愿减排项目监测报告",
        "title_reported": "监测报告",
        "no_applicability": "本方法学未规定适用条件。",
        "readings": "其他监测参数",
        "metered": "读数",
        "s_project": "一、项目基本情况",
        "project_id": "项目编号",
        "project": "项目名称",
        "owner": "项目业主",
        "methodology": "方法学",
        "grid": "区域电网",
        "grid_connected": "并网日期",
        "crediting": "计入期",
        "monitoring": "本监测期",
        "s_applicability": "二、方法学适用性",
        "clause": "条款",
        "condition": "适用条件",
        "declared": "项目申报",
        "met": "结论",
        "yes": "符合",
        "no": "不符合",
        "s_plan": "三、监测计划与计量器具",
        "parameter": "监测参数",
        "meter": "计量器具",
        "accuracy": "准确度等级",
        "interval": "检定/校准周期",
        "months": "{n} 个月",
        "calibrations": "检定/校准记录",
        "requirement": "方法学要求",
        "frequency": "监测频次",
        "s_data": "四、监测数据",
        "year_month": "年月",
        "point": "计量点",
        "exported": "上网电量 MWh",
        "imported": "下网电量 MWh",
        "net": "净上网电量 MWh",
        "cm": "组合边际 tCO2/MWh",
        "be": "基准线排放 tCO2",
        "evidence": "凭证",
        "fuel": "燃料",
        "consumption": "消耗量",
        "pe": "项目排放 tCO2",
        "s_corrections": "五、未按期检定计量器具读数的保守处理",
        "no_corrections": "本监测期所有读数的计量器具均在检定/校准有效期内，无需保守处理。",
        "reading": "读数",
        "factor": "系数",
        "used": "采用值",
        "why": "原因",
        "s_reductions": "六、减排量计算",
        "formulas": "计算公式",
        "project_emissions": "项目排放",
        "leakage": "泄漏",
        "year": "年份",
        "total": "本监测期{name}",
        "s_uncertainty": "七、不确定度",
        "uncertainty_text": "{name} {value} tCO2e，扩展不确定度 U = {U} tCO2e（k = {k}，包含概率 "
        "{coverage}，{method}），相对扩展不确定度 {relative}。",
        "gum": "不确定度传播律（JCGM 100）",
        "mcm": "蒙特卡洛法（JCGM 101）",
        "budget": "不确定度主要来源",
        "input": "输入量",
        "value": "值",
        "u": "标准不确定度",
        "share": "方差占比",
        "without": "{n} 个输入量未给出不确定度，按准确值计（如公布的因子与权重）。",
        "s_evidence": "八、数据与证据",
        "digest": "项目文件摘要（SHA-256，即证据链中的 data_digest）",
        "source_file": "数据文件",
        "factors": "所用因子",
        "footer": "由 {engine} 生成。每个数字可追溯到计量器具读数与凭证；"
        "公式与条款见方法学 {document}。",
    },
    "en": {
        "html_lang": "en",
        "title": "GHG voluntary emission reduction project: monitoring report",
        "title_reported": "monitoring report",
        "no_applicability": "The methodology states no applicability conditions.",
        "readings": "Other monitored parameters",
        "metered": "Reading",
        "s_project": "1. The project",
        "project_id": "Project reference",
        "project": "Project",
        "owner": "Project owner",
        "methodology": "Methodology",
        "grid": "Regional grid",
        "grid_connected": "Grid connection",
        "crediting": "Crediting period",
        "monitoring": "This monitoring period",
        "s_applicability": "2. Applicability of the methodology",
        "clause": "Clause",
        "condition": "Condition",
        "declared": "Declared",
        "met": "Outcome",
        "yes": "met",
        "no": "not met",
        "s_plan": "3. Monitoring plan and meters",
        "parameter": "Parameter",
        "meter": "Meter",
        "accuracy": "Accuracy",
        "interval": "Calibration interval",
        "months": "{n} months",
        "calibrations": "Calibrations",
        "requirement": "Methodology requires",
        "frequency": "Frequency",
        "s_data": "4. Monitoring data",
        "year_month": "Month",
        "point": "Metering point",
        "exported": "Supplied, MWh",
        "imported": "Taken, MWh",
        "net": "Net supply, MWh",
        "cm": "Combined margin, tCO2/MWh",
        "be": "Baseline, tCO2",
        "evidence": "Evidence",
        "fuel": "Fuel",
        "consumption": "Consumption",
        "pe": "Project emissions, tCO2",
        "s_corrections": "5. Readings of meters not calibrated in time",
        "no_corrections": "Every reading of this monitoring period came from a meter within its "
        "calibration interval; no conservative treatment was needed.",
        "reading": "Reading",
        "factor": "Factor",
        "used": "Used",
        "why": "Why",
        "s_reductions": "6. Reductions",
        "formulas": "Formulas",
        "project_emissions": "Project emissions",
        "leakage": "Leakage",
        "year": "Year",
        "total": "{name} of this monitoring period",
        "s_uncertainty": "7. Uncertainty",
        "uncertainty_text": "{name} {value} tCO2e, expanded uncertainty U = {U} tCO2e "
        "(k = {k}, coverage {coverage}, {method}); relative expanded uncertainty {relative}.",
        "gum": "law of propagation (JCGM 100)",
        "mcm": "Monte Carlo (JCGM 101)",
        "budget": "Main contributions",
        "input": "Input",
        "value": "Value",
        "u": "Standard uncertainty",
        "share": "Share of variance",
        "without": "{n} input(s) state no uncertainty and count as exact (published factors "
        "and weights).",
        "s_evidence": "8. Data and evidence",
        "digest": "Project file digest (SHA-256, the evidence log's data_digest)",
        "source_file": "Data file",
        "factors": "Factors used",
        "footer": "Written by {engine}. Every figure traces to a meter reading and its voucher; "
        "formulas and clauses are those of {document}.",
    },
}


def render_monitoring_report(
    result: ProjectResult,
    *,
    lang: str = "zh",
    uncertainty: AccountingUncertainty | None = None,
    digest: str | None = None,
) -> str:
    """The report page; ``digest`` is the SHA-256 of the project file as the registry stores and
    lodges it (``data_digest``), else the accounting's own digest of the data."""
    lang = check_lang(lang)
    w = WORDS[lang]
    header, methodology = result.header, result.methodology
    rules = methodology.project
    assert rules is not None
    zh = lang == "zh"
    title_of = methodology.title_zh if zh else methodology.title_en
    grid = "" if header.grid is None else (GRIDS[header.grid] if zh else header.grid)
    plan = []
    for entry in result.plan:
        parameter = rules.parameter(entry.parameter)
        instrument = next((m for m in result.register_meters if m.id == entry.meter), None)
        records = [c for c in result.calibrations if c.instrument_id == entry.meter]
        plan.append(
            {
                "parameter": ""
                if parameter is None
                else f"{parameter.name_zh if zh else parameter.name_en} {parameter.symbol}",
                "meter": f"{entry.meter} {instrument.name if instrument else ''}".strip()
                + (f" · {entry.point}" if entry.point else ""),
                "accuracy": "" if instrument is None else str(instrument.accuracy),
                "interval": ""
                if instrument is None
                else w["months"].format(n=instrument.interval_months),
                "calibrations": "；".join(
                    f"{c.date} {c.result.label(lang)} {c.certificate}".strip() for c in records
                ),
                "requirement": "" if parameter is None else parameter.clause,
                "frequency": ""
                if parameter is None
                else (parameter.frequency_zh if zh else parameter.frequency_en),
            }
        )
    corrections = [
        {
            "when": f"{c.year}-{c.month:02d}",
            "parameter": c.symbol,
            "meter": c.meter,
            "reading": fmt(c.reading, 3),
            "factor": f"{c.factor:g}",
            "used": fmt(c.corrected, 3),
            "why": f"{c.reason_zh if zh else c.reason_en}；{c.clause}",
        }
        for c in result.corrections
    ]
    by_year = result.by_year()
    terms = result.terms(lang)
    total_name = rules.total_name_zh if zh else rules.total_name_en
    year_columns = ([w["net"]] if "net_supply_mwh" in by_year.columns else []) + [
        f"{symbol} tCO2（{name}）" if zh else f"{symbol} tCO2 ({name})" for _, symbol, name in terms
    ]
    years = [
        {
            "year": row["year"],
            "cells": (
                [fmt(row["net_supply_mwh"], 3)] if "net_supply_mwh" in by_year.columns else []
            )
            + [fmt(row[key], 2) for key, _, _ in terms],
            "total": fmt(row["total"], 2),
        }
        for row in by_year.iter_rows(named=True)
    ]
    credited = rules.crediting_years_max is not None
    title = (
        w["title"]
        if credited
        else f"{rules.name_zh if zh else rules.name_en} {w['title_reported']}"
    )
    shown_elsewhere = {"export", "import", "fuel"}
    readings = [
        {
            "when": f"{r.year}-{r.month:02d}",
            "parameter": f"{r.symbol}",
            "point": "" if r.point == "all" else r.point,
            "meter": r.meter,
            "reading": fmt(r.reading, 3),
            "used": fmt(r.used, 3),
            "evidence": r.evidence,
        }
        for r in result.readings
        if r.parameter not in shown_elsewhere
    ]
    particulars = [
        (w["project_id"], header.id),
        (w["project"], header.name),
        (w["owner"], header.owner),
        (w["methodology"], f"{methodology.document} {title_of}（{methodology.ref}）"),
        (w["grid"], grid),
        (w["grid_connected"], str(header.grid_connected or "")),
        (w["crediting"], str(header.crediting_period or "")),
        (w["monitoring"], str(header.monitoring_period)),
    ]
    context: dict[str, Any] = {
        "w": w,
        "title": f"{header.name} {title}",
        "readings": readings,
        "particulars": [(label, value) for label, value in particulars if value],
        "applicability": [
            {
                "clause": o.clause,
                "rule": o.rule_zh if zh else o.rule_en,
                "declared": o.shown_zh if zh else o.shown_en,
                "met": w["yes"] if o.met else w["no"],
            }
            for o in result.applicability
        ],
        "plan": plan,
        "supply": _supply_rows(result),
        "fuel": _fuel_rows(result),
        "corrections": corrections,
        "formulas": [
            (source.name_zh if zh else source.name_en, source.formula, source.clause)
            for source in methodology.sources
        ],
        "project_emissions": rules.project_emissions_zh if zh else rules.project_emissions_en,
        "leakage": rules.leakage_zh if zh else rules.leakage_en,
        "years": years,
        "year_columns": year_columns,
        "total_name": total_name,
        "total": fmt(result.total, 2),
        "uncertainty": None
        if uncertainty is None
        else _uncertainty(uncertainty, w, lang, total_name),
        "digest": digest or result.accounting.meta.inventory_digest,
        "source_file": result.accounting.meta.inventory_source,
        "factors": list(result.accounting.meta.factors),
        "footer": w["footer"].format(
            engine=f"dualcarbon {__version__}", document=methodology.document
        ),
    }
    return templates().get_template("monitoring_report.html.j2").render(**context)


def _wide(result: ProjectResult, source: str) -> pl.DataFrame:
    """One row per line of ``source`` with each slot's value and reference beside it."""
    inputs = result.accounting.inputs.filter(pl.col("source") == source)
    if not inputs.height:
        return pl.DataFrame()
    values = inputs.pivot(on="slot", index="line", values="value", aggregate_function="first")
    refs = inputs.pivot(on="slot", index="line", values="reference", aggregate_function="first")
    lines = result.accounting.lines.filter(pl.col("source") == source).select(
        "line", "unit", "month", "item_zh", "item", "emission"
    )
    return lines.join(values, on="line").join(refs, on="line", suffix="_ref").sort("line")


def _supply_rows(result: ProjectResult) -> list[dict[str, str]]:
    wide = _wide(result, "baseline")
    if not wide.height or "exported" not in wide.columns:
        return []
    return [
        {
            "when": f"{row['unit'][:4]}-{row['month']:02d}",
            "point": row["unit"][5:],
            "exported": fmt(row["exported"], 3),
            "imported": fmt(row["imported"], 3),
            "net": fmt(row["net_supply"], 3),
            "cm": fmt_sig(row["grid_factor"], 6),
            "be": fmt(row["emission"], 3),
            "evidence": "；".join(
                dict.fromkeys(ref for ref in (row["exported_ref"], row["imported_ref"]) if ref)
            ),
        }
        for row in wide.iter_rows(named=True)
    ]


def _fuel_rows(result: ProjectResult) -> list[dict[str, str]]:
    lines = result.accounting.lines.filter(pl.col("source") == "project")
    return [
        {
            "when": f"{row['unit'][:4]}-{row['month']:02d}",
            "fuel": row["item_zh"],
            "consumption": f"{fmt(row['activity'], 3)} {row['activity_unit']}",
            "pe": fmt(row["emission"], 3),
            "evidence": row["activity_ref"] or "",
        }
        for row in lines.sort("line").iter_rows(named=True)
    ]


def _uncertainty(
    found: AccountingUncertainty, w: dict[str, str], lang: str, name: str
) -> dict[str, Any]:
    return {
        "text": w["uncertainty_text"].format(
            name=name,
            value=fmt(found.value, 2),
            U=fmt(found.U, 2),
            k=f"{found.k:.2f}",
            coverage=fmt_share(found.coverage, 0),
            method=w[found.method],
            relative=fmt_share(found.relative_U, 3),
        ),
        "budget": [
            (
                (b.label if lang == "zh" else b.label_en) or b.input,
                fmt_sig(b.value),
                fmt_sig(b.u, 3),
                fmt_share(b.variance_share),
            )
            for b in found.budget
        ],
        "without": w["without"].format(n=found.inputs_without_u) if found.inputs_without_u else "",
    }


def write_monitoring_report(
    result: ProjectResult,
    path: str | os.PathLike[str],
    *,
    lang: str = "zh",
    uncertainty: AccountingUncertainty | None = None,
    digest: str | None = None,
) -> Path:
    """Render the report and write it in one step (no half-written file)."""
    page = render_monitoring_report(result, lang=lang, uncertainty=uncertainty, digest=digest)
    return write_page(page, path)
