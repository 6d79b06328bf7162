"""The CEMS reports: the QA report of an analyser and the comparison of direct measurement with
accounting a verifier signs. One self-contained HTML page each (inline CSS and SVG, A4 print
rules), Chinese by default, English with ``lang="en"``.

Numbers are formatted here; the templates (``templates/cems_*.html.j2``, autoescaped) only place
strings.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from markupsafe import Markup

from dualcarbon import __version__
from dualcarbon.cems.comparison import Comparison, ComparisonRow
from dualcarbon.cems.qa import QaRecord, Verdict
from dualcarbon.cems.uncertainty import HourlyUncertainty
from dualcarbon.reports.cems_charts import comparison_chart, correlation_chart
from dualcarbon.reports.html import Cell, fmt, fmt_share, fmt_sig, templates, write_page
from dualcarbon.reports.i18n import cems_text

ENGINE = f"dualcarbon {__version__}"


def _cells(*values: str) -> list[Cell]:
    return [Cell(v) for v in values]


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# -- QA ------------------------------------------------------------------------------------------

_FORMULA_KEY = {
    "rata": "rata_formulas",
    "zero_drift": "drift_formula",
    "span_drift": "drift_formula",
    "calibration_error": "ce_formula",
    "linearity": "le_formula",
    "relative_error": "re_formula",
}


def _verdict_text(v: Verdict, w: Mapping[str, str]) -> str:
    word = w["pass"] if v.passed else w["fail"]
    return word + (w["basis_alternative"] if v.basis == "alternative" else "")


def render_qa_html(
    record: QaRecord,
    *,
    lang: str = "zh",
    tester: str = "",
    reviewer: str = "",
    generated: str | None = None,
) -> str:
    """The QA report of one analyser: every test with its data, statistics, rule and verdict."""
    w = cems_text(lang)
    tests = []
    for v in record.verdicts:
        runs = []
        if v.rata is not None:
            runs = [
                _cells(str(i + 1), f"{rm:.4g}", f"{cem:.4g}", f"{d:+.4g}")
                for i, (rm, cem, d) in enumerate(
                    zip(v.rata.reference, v.rata.cems, v.rata.differences, strict=True)
                )
            ]
        tests.append(
            {
                "name": w[f"test_{v.test}"],
                "label": v.label,
                "passed": v.passed,
                "verdict": _verdict_text(v, w),
                "formula": w[_FORMULA_KEY[v.test]],
                "runs": runs,
                "run_headers": [w["run"], w["rm"], w["cem"], w["d"]],
                "data": list(v.data),
                "rule": v.rule_zh if lang == "zh" else v.rule_en,
                "clause": v.clause,
                "confidence": w[f"confidence_{v.confidence}"],
            }
        )
    summary_rows = [
        [
            Cell(w[f"test_{v.test}"]),
            Cell(v.label),
            Cell(f"{v.statistic:.3g} {v.unit}"),
            Cell(f"{v.limit:.3g} {v.unit}"),
            Cell(_verdict_text(v, w), css="pass" if v.passed else "fail"),
            Cell(v.clause),
            Cell(w[f"confidence_{v.confidence}"], css="memory" if v.confidence == "memory" else ""),
        ]
        for v in record.verdicts
    ]
    title = w["qa_title"].format(source=record.source)
    context = {
        "w": w,
        "title": title,
        "engine": ENGINE,
        "meta": [
            (w["source"], record.source),
            (w["analyser"], record.analyser),
            (w["period"], record.period),
            (w["generated"], generated or _now()),
            (w["engine"], ENGINE),
        ],
        "passed": record.passed,
        "summary_headers": [
            w["test"],
            w["item"],
            w["statistic"],
            w["limit"],
            w["verdict"],
            w["clause"],
            w["confidence"],
        ],
        "summary_rows": summary_rows,
        "memory": any(v.confidence == "memory" for v in record.verdicts),
        "tests": tests,
        "notes": list(record.notes),
        "people": [(w["tester"], tester, ""), (w["reviewer"], reviewer, "")],
        "footer": w["footer"].format(engine=ENGINE),
    }
    return templates().get_template("cems_qa.html.j2").render(**context)


def write_qa_html(record: QaRecord, path: str | os.PathLike[str], **options: Any) -> Path:
    return write_page(render_qa_html(record, **options), path)


# -- comparison ----------------------------------------------------------------------------------


def _row_cells(row: ComparisonRow, w: Mapping[str, str], month: str) -> list[Cell]:
    return [
        Cell(row.unit),
        Cell(month),
        Cell(fmt(row.cems, 0)),
        Cell(fmt(row.U_cems, 0)),
        Cell(fmt(row.accounting, 0)),
        Cell(fmt(row.U_accounting, 0)),
        Cell(fmt(row.difference, 0)),
        Cell(fmt_share(row.relative_difference, 2)),
        Cell(f"{row.en:+.2f}"),
        Cell(w["consistent"] if row.consistent else w["inconsistent"], css=_css(row)),
    ]


def _css(row: ComparisonRow) -> str:
    return "pass" if row.consistent else "fail"


def render_comparison_html(
    comparison: Comparison,
    *,
    facility: str,
    year: int,
    lang: str = "zh",
    methodology: str = "",
    inventory_digest: str = "",
    verifier: str = "",
    organisation: str = "",
    date: str = "",
    remarks: str = "",
    conclusion: Literal["consistent", "inconsistent"] | None = None,
    curve: Sequence[tuple[float, float]] | None = None,
    hourly: HourlyUncertainty | None = None,
    generated: str | None = None,
) -> str:
    """The comparison report a verifier signs: annual and monthly tables, the chart, the method
    and a signature block (verifier, body, date, conclusion).

    The engine states its finding (all months |E_n| ≤ 1 or not) beside the conclusion; the box
    is ticked only when the verifier's ``conclusion`` is given, so the verifier decides."""
    w = cems_text(lang)
    months = w["months"].split("|")
    headers = [
        w["unit"],
        w["month"],
        w["cems"],
        w["u_cems"],
        w["accounting"],
        w["u_accounting"],
        w["difference"],
        w["relative_difference"],
        w["en"],
        w["verdict"],
    ]
    monthly_rows = [_row_cells(r, w, months[r.month - 1]) for r in comparison.rows]
    annual_rows = [
        [cells[0], *cells[2:]] for cells in (_row_cells(r, w, "") for r in comparison.annual)
    ]
    missing = {"cems": w["missing_cems"], "accounting": w["missing_accounting"]}
    finding = (
        w["conclusion_consistent"]
        if all(r.consistent for r in comparison.rows)
        else w["conclusion_inconsistent"]
    )
    context = {
        "w": w,
        "title": w["cmp_title"].format(facility=facility, year=year),
        "engine": ENGINE,
        "meta": [
            (w["facility"], facility),
            (w["year"], str(year)),
            (w["methodology"], methodology or "—"),
            (w["inventory_digest"], inventory_digest or "—"),
            (w["generated"], generated or _now()),
            (w["engine"], ENGINE),
        ],
        "annual_headers": [headers[0], *headers[2:]],
        "annual_rows": annual_rows,
        "consistent_share": fmt_share(comparison.consistent_share, 0),
        "chart": Markup(comparison_chart(comparison, lang)),
        "monthly_headers": headers,
        "monthly_rows": monthly_rows,
        "unpaired": [
            f"{u} · {months[m - 1]} · {missing[side]}" for u, m, side in comparison.unpaired
        ],
        "curve_chart": Markup(correlation_chart(curve, lang)) if curve else "",
        "hourly": _hourly_context(hourly, w) if hourly else None,
        "method": [
            w["method_text"].format(k=f"{comparison.k:g}"),
            w["method_accounting"],
            w["method_annual"].format(r=f"{comparison.cems_month_correlation:g}"),
        ],
        "finding": finding,
        "conclusion": conclusion or "",
        "remarks": remarks,
        "people": [(w["verifier"], verifier, date), (w["organisation"], organisation, date)],
        "footer": w["footer"].format(engine=ENGINE),
    }
    return templates().get_template("cems_comparison.html.j2").render(**context)


_SYMBOLS = {"c": "c (% vol)", "Qs": "Q_s (m³/h)", "t": "t (°C)", "p": "p (kPa)", "Xsw": "X_sw (%)"}


def _hourly_context(hourly: HourlyUncertainty, w: Mapping[str, str]) -> dict[str, Any]:
    lines = [line for line in hourly.gum.budget if line.input in _SYMBOLS]
    rows = [
        [
            Cell(_SYMBOLS[line.input]),
            Cell(fmt_sig(line.value)),
            Cell(fmt_sig(line.u, 3)),
            Cell(fmt_sig(line.sensitivity, 4)),
            Cell(fmt_sig(line.contribution, 3)),
            Cell(fmt_share(line.variance_share)),
        ]
        for line in lines
    ]
    mcm = hourly.mcm
    summary = w["hourly_summary"].format(
        m=fmt(hourly.value, 2),
        u=fmt(hourly.u, 2),
        rel=fmt_share(hourly.relative_u, 2),
        mcm=fmt(mcm.u, 2) if mcm else "—",
        ok=(
            w["validated"] if hourly.validation and hourly.validation.passed else w["not_validated"]
        )
        if hourly.validation
        else "—",
    )
    return {
        "headers": [w["input"], w["value"], "u", w["sensitivity"], "cᵢ·u", w["share"]],
        "rows": rows,
        "summary": summary,
    }


def write_comparison_html(
    comparison: Comparison, path: str | os.PathLike[str], **options: Any
) -> Path:
    return write_page(render_comparison_html(comparison, **options), path)
