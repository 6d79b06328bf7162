"""The HTML page of a GB 17167 configuration review (Chinese by default, English on request).

One self-contained file: inline styles, nothing fetched from the network. Text is formatted here;
the template (``templates/review.html.j2``, autoescaped) only places strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

import dualcarbon
from dualcarbon.metrology.calibration import InstrumentState
from dualcarbon.metrology.instruments import energy_label
from dualcarbon.metrology.review import Finding, ReviewReport


@dataclass(frozen=True)
class _Cell:
    text: str
    css: str = ""


@dataclass
class _Table:
    headers: list[str]
    empty: str
    rows: list[list[_Cell]] = field(default_factory=list)


def _pick(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("dualcarbon.metrology", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_review_html(report: ReviewReport, lang: str = "zh") -> str:
    """The review as one HTML page in ``lang`` (``zh`` or ``en``)."""
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    return _environment().get_template("review.html.j2").render(**_context(report, lang))


def write_review_html(report: ReviewReport, path: Path, lang: str = "zh") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_review_html(report, lang), encoding="utf-8")
    return path


def _context(report: ReviewReport, lang: str) -> dict[str, Any]:
    source = report.requirements.source
    standard = f"{source.number} {source.document if lang == 'en' else source.document_zh}"
    who = report.organisation or _pick(lang, "（未注明单位）", "(organisation not named)")
    nonconformities = report.nonconformities
    return {
        "html_lang": "en" if lang == "en" else "zh-CN",
        "generator": f"dualcarbon {dualcarbon.__version__}",
        "title": _pick(
            lang,
            "能源计量器具配备与管理审查报告",
            "Review of energy measuring instruments: configuration and management",
        ),
        "subtitle": _pick(
            lang,
            f"{who} · 审查日期 {report.at} · 依据 {standard}",
            f"{who} · review date {report.at} · against {standard}",
        ),
        "cards": [
            {
                "value": str(len(nonconformities)),
                "label": _pick(lang, "不符合项", "non-conformities"),
                "css": "bad" if nonconformities else "good",
            },
            {"value": str(len(report.notes)), "label": _pick(lang, "提示", "notes"), "css": ""},
            {
                "value": str(len(report.statuses)),
                "label": _pick(lang, "计量器具", "instruments"),
                "css": "",
            },
        ],
        "s": {
            "nonconformities": _pick(lang, "一、不符合项", "1. Non-conformities"),
            "none": _pick(lang, "未发现不符合项。", "No non-conformity found."),
            "coverage": _pick(lang, "二、能源计量器具配备率", "2. Coverage of metering points"),
            "accuracy": _pick(lang, "三、准确度等级", "3. Accuracy"),
            "calibration": _pick(lang, "四、检定/校准状态", "4. Calibration state"),
            "notes": _pick(lang, "五、提示", "5. Notes"),
            "sources": _pick(lang, "依据与核实情况", "Sources and how far they are verified"),
        },
        "nonconformities": [_finding(f, lang) for f in nonconformities],
        "notes": [_finding(f, lang) for f in report.notes],
        "coverage": _coverage_table(report, lang),
        "accuracy": _accuracy_table(report, lang),
        "calibration": _calibration_table(report, lang),
        "sources": _sources(report, lang),
    }


def _finding(finding: Finding, lang: str) -> dict[str, str]:
    message, clause = finding.message(lang), finding.cite(lang)
    return {
        "message": message,
        "clause": "" if clause in message else clause,  # not twice
        "confidence": finding.confidence,
    }


def _conclusion(value: bool | None, lang: str, *, required: bool = True) -> _Cell:
    if not required:
        return _Cell(_pick(lang, "—（表中无要求）", "— (no requirement in the table)"), "muted")
    if value is None:
        return _Cell(_pick(lang, "—（无法比较）", "— (not comparable)"), "muted")
    if value:
        return _Cell(_pick(lang, "符合", "conforms"), "ok")
    return _Cell(_pick(lang, "不符合", "does not conform"), "nc")


def _coverage_table(report: ReviewReport, lang: str) -> _Table:
    table = _Table(
        [
            _pick(lang, "能源种类", "energy"),
            _pick(lang, "层级", "level"),
            _pick(lang, "应配", "required"),
            _pick(lang, "已配", "configured"),
            _pick(lang, "配备率", "rate"),
            _pick(lang, "要求", "required rate"),
            _pick(lang, "结论", "conclusion"),
            _pick(lang, "未配备的计量点", "points not configured"),
        ],
        _pick(lang, "未提供应配备的计量点清单。", "No list of required metering points given."),
    )
    for line in report.coverage:
        table.rows.append(
            [
                _Cell(energy_label(line.energy, lang)),
                _Cell(line.level.label(lang)),
                _Cell(str(line.required_points), "num"),
                _Cell(str(line.configured_points), "num"),
                _Cell(f"{line.rate:.1f}%", "num"),
                _Cell("—" if line.required_rate is None else f"{line.required_rate:g}%", "num"),
                _conclusion(line.conforms, lang, required=line.required_rate is not None),
                _Cell(", ".join(line.missing) or "—"),
            ]
        )
    return table


def _accuracy_table(report: ReviewReport, lang: str) -> _Table:
    table = _Table(
        [
            _pick(lang, "计量器具", "instrument"),
            _pick(lang, "类型", "type"),
            _pick(lang, "计量点", "metering point"),
            _pick(lang, "准确度", "accuracy"),
            _pick(lang, "适用要求", "requirement"),
            _pick(lang, "要求", "required"),
            _pick(lang, "结论", "conclusion"),
        ],
        _pick(lang, "台账中没有计量器具。", "The register holds no instrument."),
    )
    instruments = {instrument.id: instrument for instrument in report.instruments}
    for check in report.accuracy:
        instrument = instruments.get(check.instrument_id)
        table.rows.append(
            [
                _Cell(check.instrument_id, "nowrap"),
                _Cell("" if instrument is None else instrument.kind.label(lang)),
                _Cell("" if instrument is None else instrument.describe_point(lang)),
                _Cell(check.actual.describe(lang), "nowrap"),
                _Cell("—" if check.rule is None else check.rule.name(lang)),
                _Cell("—" if check.rule is None else check.rule.required.describe(lang)),
                _conclusion(check.meets, lang, required=check.rule is not None),
            ]
        )
    return table


def _calibration_table(report: ReviewReport, lang: str) -> _Table:
    table = _Table(
        [
            _pick(lang, "计量器具", "instrument"),
            _pick(lang, "状态", "state"),
            _pick(lang, "上次检定", "last calibrated"),
            _pick(lang, "证书编号", "certificate"),
            _pick(lang, "应于此日前检定", "due by"),
            _pick(lang, "说明", "explanation"),
        ],
        _pick(lang, "台账中没有计量器具。", "The register holds no instrument."),
    )
    for status in report.statuses:
        css = f"st-{status.state.value}"
        table.rows.append(
            [
                _Cell(status.instrument_id, "nowrap"),
                _Cell(status.state.label(lang), f"{css} nowrap"),
                _Cell(
                    "—" if status.last_calibrated is None else str(status.last_calibrated), "nowrap"
                ),
                _Cell(status.certificate or "—", "nowrap"),
                _Cell("—" if status.due_date is None else str(status.due_date), "nowrap"),
                _Cell(
                    status.explain(lang),
                    css if status.state is not InstrumentState.VALID else "",
                ),
            ]
        )
    return table


def _sources(report: ReviewReport, lang: str) -> list[dict[str, str]]:
    """What the review rests on, block by block, with how far each is checked."""
    r = report.requirements
    blocks = [
        {
            "title": f"{r.source.number} {r.source.document_zh} / {r.source.document}",
            "confidence": _confidence("VERIFIED", lang),
            "text": _pick(lang, r.source.basis_zh, r.source.basis_en),
        }
    ]
    if r.source.superseded_by is not None:
        newer = r.source.superseded_by
        blocks.append(
            {
                "title": _pick(
                    lang,
                    f"新版 {newer.number}（{newer.in_force} 实施）",
                    f"new edition {newer.number} (in force {newer.in_force})",
                ),
                "confidence": _confidence(newer.verified.split(":", 1)[0], lang),
                "text": _pick(lang, newer.basis_zh, newer.basis_en),
            }
        )
    for title_zh, title_en, clause in (
        ("配备率要求", "coverage rates", r.coverage),
        ("准确度要求", "accuracy requirements", r.accuracy),
        ("检定/校准管理", "calibration management", r.calibration),
    ):
        blocks.append(
            {
                "title": f"{_pick(lang, title_zh, title_en)} · {clause.cite(lang)}",
                "confidence": _confidence(clause.confidence, lang),
                "text": _pick(lang, clause.basis_zh, clause.basis_en),
            }
        )
    return blocks


_CONFIDENCE = {
    "VERIFIED": ("已核实", "verified"),
    "CORROBORATED": (
        "有旁证（公开转录一致，未对照原文）",
        "corroborated (public transcriptions agree)",
    ),
    "UNVERIFIED": ("未核实", "unverified"),
}


def _confidence(level: str, lang: str) -> str:
    zh, en = _CONFIDENCE.get(level, (level, level))
    return _pick(lang, zh, en)
