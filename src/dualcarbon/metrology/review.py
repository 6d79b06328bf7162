"""Configuration review of a register per GB 17167-2006 (用能单位能源计量器具配备和管理通则).

Three checks, each non-conformity naming its clause:

1. **Coverage** (配备率): for every energy type and boundary level among the metering points the
   unit should have, the points configured with an instrument against the points required, and
   the rate against the table's required rate. GB 17167-2006 defines the rate as instruments
   actually installed ÷ instruments theoretically required × 100 %.
2. **Accuracy**: every instrument whose accuracy class or MPE is poorer than the table requires
   for its application.
3. **Calibration**: every instrument overdue, failed or never calibrated at the review date.

The requirements are data (``metrology/data/gb-17167-2006.yaml``), each block with how sure we are
of it; findings that rest on an unverified block say so. The review is pure: the register and the
metering points come in, a :class:`ReviewReport` goes out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from dualcarbon.errors import InputError, InputProblem
from dualcarbon.guards.safe_yaml import safe_load
from dualcarbon.metrology.calibration import (
    DEFAULT_DUE_WINDOW_DAYS,
    InstrumentState,
    InstrumentStatus,
)
from dualcarbon.metrology.instruments import (
    ENERGY_TYPES,
    Accuracy,
    BoundaryLevel,
    Instrument,
    InstrumentKind,
    MeteringPoint,
    energy_label,
)
from dualcarbon.metrology.register import Register
from dualcarbon.units import conversion_factor

REQUIREMENTS_FILE = "gb-17167-2006.yaml"

Confidence = Literal["VERIFIED", "CORROBORATED", "UNVERIFIED"]


# -- the requirements, as data -------------------------------------------------------------------


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Edition(_Frozen):
    number: str
    issued: dt.date
    in_force: dt.date
    verified: str
    basis_zh: str
    basis_en: str


class StandardSource(_Frozen):
    id: str
    number: str
    document: str
    document_zh: str
    issued: dt.date
    in_force: dt.date
    replaces: str | None = None
    mandatory_clauses: tuple[str, ...] = ()
    verified: str
    """How the facts were checked, with the public sources read (for the file's maintainers)."""
    basis_zh: str
    """What the review rests on, as a reviewer reads it in the report."""
    basis_en: str
    superseded_by: Edition | None = None


class Clause(_Frozen):
    clause: str
    clause_en: str
    confidence: Confidence
    verified: str
    basis_zh: str
    basis_en: str

    def cite(self, lang: str) -> str:
        return self.clause_en if lang == "en" else self.clause


class CoverageCategory(_Frozen):
    id: str
    name_zh: str
    name_en: str
    energies: tuple[str, ...]
    rates: dict[BoundaryLevel, float | None]
    note: str | None = None

    @field_validator("rates")
    @classmethod
    def _rates(cls, rates: dict[BoundaryLevel, float | None]) -> dict[BoundaryLevel, float | None]:
        if set(rates) != set(BoundaryLevel):
            raise ValueError("give a rate (or null) for each of site, secondary, equipment")
        if any(rate is not None and not 0 <= rate <= 100 for rate in rates.values()):
            raise ValueError("rates are percentages, 0–100")
        return rates

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_zh


class CoverageTable(Clause):
    categories: tuple[CoverageCategory, ...]

    @model_validator(mode="after")
    def _energies_once(self) -> Self:
        seen: dict[str, str] = {}
        for category in self.categories:
            for energy in category.energies:
                if energy not in ENERGY_TYPES:
                    raise ValueError(f"{category.id}: unknown energy type {energy!r}")
                if energy in seen:
                    raise ValueError(f"energy {energy!r} in both {seen[energy]} and {category.id}")
                seen[energy] = category.id
        return self

    def category_of(self, energy: str) -> CoverageCategory | None:
        return next((c for c in self.categories if energy in c.energies), None)


class AccuracyRule(_Frozen):
    id: str
    name_zh: str
    name_en: str
    kinds: tuple[InstrumentKind, ...]
    levels: tuple[BoundaryLevel, ...] = ()
    energies: tuple[str, ...] = ()
    application_only: bool = False
    required: Accuracy

    @field_validator("required", mode="before")
    @classmethod
    def _parse(cls, value: object) -> object:
        return Accuracy.parse(value) if isinstance(value, str | int | float) else value

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_zh

    def applies_to(self, instrument: Instrument) -> bool:
        return (
            instrument.kind in self.kinds
            and (not self.levels or instrument.level in self.levels)
            and (not self.energies or instrument.energy in self.energies)
        )


class AccuracyTable(Clause):
    rules: tuple[AccuracyRule, ...]

    @model_validator(mode="after")
    def _ids_once(self) -> Self:
        ids = [rule.id for rule in self.rules]
        if len(set(ids)) != len(ids):
            raise ValueError("accuracy rule ids must be unique")
        return self

    def rule(self, rule_id: str) -> AccuracyRule | None:
        return next((rule for rule in self.rules if rule.id == rule_id), None)


class Requirements(_Frozen):
    """GB 17167's coverage rates, accuracy requirements and calibration clause, with sources."""

    source: StandardSource
    coverage: CoverageTable
    accuracy: AccuracyTable
    calibration: Clause


def load_requirements(path: Path | None = None) -> Requirements:
    """The requirements file at ``path``, or the shipped GB 17167-2006 file."""
    if path is None:
        return _shipped()
    return _load(path.read_text(encoding="utf-8"), str(path))


@cache
def _shipped() -> Requirements:
    data = resources.files("dualcarbon.metrology").joinpath("data", REQUIREMENTS_FILE)
    return _load(data.read_text(encoding="utf-8"), REQUIREMENTS_FILE)


def _load(text: str, name: str) -> Requirements:
    try:
        return Requirements.model_validate(safe_load(text))
    except yaml.YAMLError as exc:  # an alias bomb included (guards/safe_yaml.py)
        raise InputError([InputProblem(name, f"not valid YAML: {exc}")]) from None
    except ValidationError as exc:
        raise InputError(
            [
                InputProblem(name, error["msg"], field=".".join(str(p) for p in error["loc"]))
                for error in exc.errors()
            ]
        ) from None


# -- comparing accuracies ------------------------------------------------------------------------


def accuracy_meets(actual: Accuracy, required: Accuracy) -> bool | None:
    """Whether ``actual`` is at least as good as ``required``; ``None`` when not comparable.

    Relative accuracies (class or ±%) compare by their MPE in percent of the reading; at equal
    index an S class (0.2S, 0.5S: specified down to lower currents, JJG 596-2012) is better than
    the plain class. Absolute MPEs compare after converting to the required unit. A relative
    against an absolute accuracy cannot be compared without a reading.
    """
    have, need = actual.relative_mpe, required.relative_mpe
    if have is not None and need is not None:
        if have != need:
            return have < need
        if not required.is_s_class or actual.is_s_class:
            return True
        return False if actual.accuracy_class is not None else None
    if have is None and need is None:
        assert actual.mpe is not None and required.mpe is not None
        try:
            factor = conversion_factor(actual.mpe_unit, required.mpe_unit)
        except ValueError:
            return None
        return actual.mpe * factor <= required.mpe
    return None


# -- the report ----------------------------------------------------------------------------------


class FindingKind(StrEnum):
    COVERAGE = "coverage"
    ACCURACY = "accuracy"
    CALIBRATION = "calibration"
    POINT = "point"
    EDITION = "edition"


class Severity(StrEnum):
    NONCONFORMITY = "nonconformity"
    NOTE = "note"


@dataclass(frozen=True)
class Finding:
    """One line of the review: a non-conformity (naming its clause) or a note."""

    kind: FindingKind
    severity: Severity
    message_zh: str
    message_en: str
    clause: str = ""
    clause_en: str = ""
    confidence: str = ""
    instrument_id: str | None = None
    point_id: str | None = None
    energy: str | None = None
    level: BoundaryLevel | None = None

    def message(self, lang: str) -> str:
        return self.message_en if lang == "en" else self.message_zh

    def cite(self, lang: str) -> str:
        return self.clause_en if lang == "en" else self.clause

    def to_json_dict(self, lang: str) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "severity": self.severity.value,
            "message": self.message(lang),
            "clause": self.cite(lang) or None,
            "confidence": self.confidence or None,
            "instrument": self.instrument_id,
            "point": self.point_id,
            "energy": self.energy,
            "level": None if self.level is None else self.level.value,
        }


@dataclass(frozen=True)
class CoverageLine:
    """Configured against required metering points for one energy type and level."""

    energy: str
    level: BoundaryLevel
    category: CoverageCategory | None
    required_points: int
    configured_points: int
    missing: tuple[str, ...]
    required_rate: float | None

    @property
    def rate(self) -> float:
        """配备率 [%]: configured ÷ required × 100."""
        return 100.0 * self.configured_points / self.required_points

    @property
    def conforms(self) -> bool | None:
        """``None`` when the table sets no rate for this energy and level."""
        if self.required_rate is None:
            return None
        return self.rate >= self.required_rate - 1e-9

    def to_json_dict(self, lang: str) -> dict[str, Any]:
        return {
            "energy": self.energy,
            "energy_label": energy_label(self.energy, lang),
            "level": self.level.value,
            "category": None if self.category is None else self.category.id,
            "required_points": self.required_points,
            "configured_points": self.configured_points,
            "rate_percent": self.rate,
            "required_rate_percent": self.required_rate,
            "conforms": self.conforms,
            "missing_points": list(self.missing),
        }


@dataclass(frozen=True)
class AccuracyCheck:
    """One instrument's accuracy against the requirement that applies to it (if any)."""

    instrument_id: str
    actual: Accuracy
    rule: AccuracyRule | None
    meets: bool | None

    def to_json_dict(self, lang: str) -> dict[str, Any]:
        return {
            "instrument": self.instrument_id,
            "accuracy": str(self.actual),
            "requirement": None if self.rule is None else self.rule.id,
            "requirement_name": None if self.rule is None else self.rule.name(lang),
            "required": None if self.rule is None else str(self.rule.required),
            "meets": self.meets,
        }


@dataclass(frozen=True)
class ReviewReport:
    """The review of a register at a date: coverage, accuracy, calibration, and the findings."""

    at: dt.date
    organisation: str | None
    requirements: Requirements
    coverage: tuple[CoverageLine, ...]
    accuracy: tuple[AccuracyCheck, ...]
    statuses: tuple[InstrumentStatus, ...]
    findings: tuple[Finding, ...]
    instruments: tuple[Instrument, ...] = field(default=())

    @property
    def nonconformities(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.NONCONFORMITY)

    @property
    def notes(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.NOTE)

    def to_json_dict(self, lang: str = "zh") -> dict[str, Any]:
        source = self.requirements.source
        return {
            "at": self.at.isoformat(),
            "organisation": self.organisation,
            "standard": {
                "id": source.id,
                "number": source.number,
                "title": source.document if lang == "en" else source.document_zh,
                "coverage_confidence": self.requirements.coverage.confidence,
                "accuracy_confidence": self.requirements.accuracy.confidence,
                "calibration_confidence": self.requirements.calibration.confidence,
            },
            "summary": {
                "nonconformities": len(self.nonconformities),
                "notes": len(self.notes),
                "instruments": len(self.statuses),
            },
            "coverage": [line.to_json_dict(lang) for line in self.coverage],
            "accuracy": [check.to_json_dict(lang) for check in self.accuracy],
            "calibration": [
                {
                    "instrument": s.instrument_id,
                    "state": s.state.value,
                    "last_calibrated": _iso(s.last_calibrated),
                    "certificate": s.certificate or None,
                    "due_date": _iso(s.due_date),
                    "days_to_due": s.days_to_due,
                    "explanation": s.explain(lang),
                }
                for s in self.statuses
            ],
            "findings": [finding.to_json_dict(lang) for finding in self.findings],
        }


def _iso(date: dt.date | None) -> str | None:
    return None if date is None else date.isoformat()


# -- the review ----------------------------------------------------------------------------------


def review(
    register: Register,
    required_points: Sequence[MeteringPoint] | None = None,
    at: dt.date | None = None,
    *,
    requirements: Requirements | None = None,
    due_window_days: int = DEFAULT_DUE_WINDOW_DAYS,
) -> ReviewReport:
    """Review ``register`` against GB 17167 at the date ``at`` (default: today).

    ``required_points`` are the metering points the unit should have (default: the register's own
    ``points``). Each is covered when the instrument it names is in the register, or, naming
    none, by an instrument not covering another point that meters the same energy at the same
    level (and unit, if the point names one): one instrument counts once.
    """
    at = at or dt.date.today()
    requirements = requirements or load_requirements()
    points = tuple(register.points if required_points is None else required_points)
    findings: list[Finding] = []
    findings += _edition_findings(requirements, at)
    coverage = _coverage(register, points, requirements, findings)
    accuracy = _accuracy(register.instruments, requirements, findings)
    statuses = tuple(register.statuses(at, due_window_days=due_window_days))
    findings += _calibration_findings(statuses, requirements)
    return ReviewReport(
        at=at,
        organisation=register.organisation,
        requirements=requirements,
        coverage=coverage,
        accuracy=accuracy,
        statuses=statuses,
        findings=tuple(findings),
        instruments=register.instruments,
    )


def _edition_findings(requirements: Requirements, at: dt.date) -> list[Finding]:
    source, newer = requirements.source, requirements.source.superseded_by
    findings = []
    if at < source.in_force:
        findings.append(
            Finding(
                FindingKind.EDITION,
                Severity.NOTE,
                f"审查日期 {at} 早于 {source.number} 实施日期 {source.in_force}",
                f"the review date {at} is before {source.number} came into force "
                f"({source.in_force})",
            )
        )
    if newer is not None and at >= newer.in_force:
        findings.append(
            Finding(
                FindingKind.EDITION,
                Severity.NOTE,
                f"{newer.number} 自 {newer.in_force} 起实施，替代 {source.number}；"
                f"本审查仍按 {source.number} 的要求进行，新版要求尚未录入",
                f"{newer.number} replaced {source.number} from {newer.in_force}; this review "
                f"applies {source.number}, the new edition's requirements are not yet entered",
            )
        )
    return findings


def _assign(
    points: Sequence[MeteringPoint], instruments: Sequence[Instrument]
) -> dict[str, str | None]:
    """Point id → the instrument covering it, each instrument covering at most one point.

    A point naming an instrument of the register is covered by it. The other points take, in
    order, an instrument not yet assigned that meters the same energy at the same level (and
    unit, when the point names one).
    """
    known = {instrument.id for instrument in instruments}
    assigned: dict[str, str | None] = {}
    used: set[str] = set()
    for point in points:
        if point.instrument:
            found = point.instrument if point.instrument in known else None
            assigned[point.id] = found
            if found:
                used.add(found)
    for point in points:
        if point.instrument:
            continue
        match = next(
            (
                instrument.id
                for instrument in instruments
                if instrument.id not in used
                and instrument.energy == point.energy
                and instrument.level is point.level
                and (not point.unit or instrument.unit == point.unit)
            ),
            None,
        )
        assigned[point.id] = match
        if match:
            used.add(match)
    return assigned


def _coverage(
    register: Register,
    points: Sequence[MeteringPoint],
    requirements: Requirements,
    findings: list[Finding],
) -> tuple[CoverageLine, ...]:
    table = requirements.coverage
    if not points:
        findings.append(
            Finding(
                FindingKind.COVERAGE,
                Severity.NOTE,
                "未提供应配备的计量点清单（points），无法计算配备率",
                "no list of required metering points was given (points), so coverage rates "
                "cannot be computed",
                table.clause,
                table.clause_en,
                table.confidence,
            )
        )
        return ()
    assigned = _assign(points, register.instruments)
    groups: dict[tuple[str, BoundaryLevel], list[tuple[MeteringPoint, str | None]]] = {}
    for point in points:
        groups.setdefault((point.energy, point.level), []).append((point, assigned[point.id]))
    level_order = list(BoundaryLevel)
    lines = []
    for (energy, level), members in sorted(
        groups.items(), key=lambda item: (item[0][0], level_order.index(item[0][1]))
    ):
        category = table.category_of(energy)
        required_rate = None if category is None else category.rates[level]
        line = CoverageLine(
            energy=energy,
            level=level,
            category=category,
            required_points=len(members),
            configured_points=sum(1 for _, covering in members if covering is not None),
            missing=tuple(point.id for point, covering in members if covering is None),
            required_rate=required_rate,
        )
        lines.append(line)
        findings += _coverage_findings(line, table)
    return tuple(lines)


def _coverage_findings(line: CoverageLine, table: CoverageTable) -> list[Finding]:
    e_zh, e_en = energy_label(line.energy, "zh"), energy_label(line.energy, "en")
    l_zh, l_en = line.level.label_zh, line.level.label_en
    head_zh = (
        f"{e_zh} · {l_zh}：应配 {line.required_points} 个计量点，已配 {line.configured_points} 个，"
        f"配备率 {line.rate:.1f}%"
    )
    head_en = (
        f"{e_en} · {l_en}: {line.configured_points} of {line.required_points} required "
        f"metering points configured, rate {line.rate:.1f} %"
    )
    missing_zh = f"；未配备：{', '.join(line.missing)}" if line.missing else ""
    missing_en = f"; not configured: {', '.join(line.missing)}" if line.missing else ""

    def finding(severity: Severity, zh: str, en: str) -> Finding:
        return Finding(
            FindingKind.COVERAGE,
            severity,
            zh,
            en,
            table.clause,
            table.clause_en,
            table.confidence,
            energy=line.energy,
            level=line.level,
        )

    if line.category is None:
        return [
            finding(
                Severity.NOTE,
                f"{head_zh}；配备率表未列该能源种类{missing_zh}",
                f"{head_en}; the coverage table has no row for this energy type{missing_en}",
            )
        ]
    notes = []
    if line.category.note:
        notes.append(
            finding(
                Severity.NOTE,
                f"{e_zh}：配备率要求未核实（{line.category.note}）",
                f"{e_en}: the required rate is not verified ({line.category.note})",
            )
        )
    if line.required_rate is None:
        return [
            *notes,
            finding(
                Severity.NOTE,
                f"{head_zh}；该层级无配备率要求{missing_zh}",
                f"{head_en}; no rate is required at this level{missing_en}",
            ),
        ]
    if line.conforms:
        return notes
    return [
        *notes,
        finding(
            Severity.NONCONFORMITY,
            f"{head_zh}，低于要求的 {line.required_rate:g}%（{table.clause}）{missing_zh}",
            f"{head_en}, below the required {line.required_rate:g} % ({table.clause_en})"
            f"{missing_en}",
        ),
    ]


def _rule_for(
    instrument: Instrument, table: AccuracyTable
) -> tuple[AccuracyRule | None, Finding | None]:
    """The accuracy requirement that applies to ``instrument``, or a note saying why none does."""
    i = instrument.id
    if instrument.application:
        rule = table.rule(instrument.application)
        if rule is None:
            known = ", ".join(r.id for r in table.rules)
            return None, _accuracy_note(
                instrument,
                table,
                f"计量器具 {i} 的 application {instrument.application!r} 不是已知的准确度要求"
                f"（可选：{known}）",
                f"instrument {i}: application {instrument.application!r} is not a known accuracy "
                f"requirement (known: {known})",
            )
        if instrument.kind not in rule.kinds:
            return None, _accuracy_note(
                instrument,
                table,
                f"计量器具 {i} 为{instrument.kind.label_zh}，不适用准确度要求 {rule.name_zh}",
                f"instrument {i} is a {instrument.kind.label_en}; the requirement "
                f"{rule.name_en} does not apply to it",
            )
        return rule, None
    candidates = [rule for rule in table.rules if rule.applies_to(instrument)]
    automatic = [rule for rule in candidates if not rule.application_only]
    if len(automatic) == 1:
        return automatic[0], None
    choices = automatic or candidates
    if not choices:
        return None, None
    listed = ", ".join(rule.id for rule in choices)
    return None, _accuracy_note(
        instrument,
        table,
        f"计量器具 {i} 适用的准确度要求取决于用途，请在 application 中注明（{listed}）",
        f"instrument {i}: the accuracy requirement depends on its application; state it in "
        f"application ({listed})",
    )


def _accuracy_note(instrument: Instrument, table: AccuracyTable, zh: str, en: str) -> Finding:
    return Finding(
        FindingKind.ACCURACY,
        Severity.NOTE,
        zh,
        en,
        table.clause,
        table.clause_en,
        table.confidence,
        instrument_id=instrument.id,
        energy=instrument.energy,
        level=instrument.level,
    )


def _accuracy(
    instruments: Sequence[Instrument], requirements: Requirements, findings: list[Finding]
) -> tuple[AccuracyCheck, ...]:
    table = requirements.accuracy
    checks = []
    for instrument in instruments:
        rule, note = _rule_for(instrument, table)
        if note is not None:
            findings.append(note)
        meets = None if rule is None else accuracy_meets(instrument.accuracy, rule.required)
        checks.append(AccuracyCheck(instrument.id, instrument.accuracy, rule, meets))
        if rule is None:
            continue
        i, have, need = instrument.id, instrument.accuracy, rule.required
        unverified_zh = (
            "；该准确度要求尚未对照标准原文核实" if table.confidence == "UNVERIFIED" else ""
        )
        unverified_en = (
            "; this requirement is not yet checked against the standard's text"
            if table.confidence == "UNVERIFIED"
            else ""
        )
        if meets is False:
            findings.append(
                Finding(
                    FindingKind.ACCURACY,
                    Severity.NONCONFORMITY,
                    f"计量器具 {i}（{instrument.kind.label_zh}，{have.describe('zh')}）"
                    f"准确度低于要求：{rule.name_zh} 应不低于 {need.describe('zh')}"
                    f"（{table.clause}）{unverified_zh}",
                    f"instrument {i} ({instrument.kind.label_en}, {have.describe('en')}) is less "
                    f"accurate than required: {rule.name_en} needs {need.describe('en')} or better "
                    f"({table.clause_en}){unverified_en}",
                    table.clause,
                    table.clause_en,
                    table.confidence,
                    instrument_id=i,
                    energy=instrument.energy,
                    level=instrument.level,
                )
            )
        elif meets is None:
            findings.append(
                _accuracy_note(
                    instrument,
                    table,
                    f"计量器具 {i} 的准确度 {have.describe('zh')} 无法与要求 "
                    f"{need.describe('zh')} 比较（一为相对误差，一为绝对误差，或单位不同）",
                    f"instrument {i}: its accuracy {have.describe('en')} cannot be compared with "
                    f"the required {need.describe('en')} (relative against absolute, or other "
                    "units)",
                )
            )
    return tuple(checks)


def _calibration_findings(
    statuses: Sequence[InstrumentStatus], requirements: Requirements
) -> list[Finding]:
    clause = requirements.calibration
    findings = []
    for status in statuses:
        if status.state in (InstrumentState.VALID, InstrumentState.DUE):
            severity = Severity.NOTE if status.state is InstrumentState.DUE else None
        else:
            severity = Severity.NONCONFORMITY
        if severity is None:
            continue
        suffix_zh = f"（{clause.clause}）" if severity is Severity.NONCONFORMITY else ""
        suffix_en = f" ({clause.clause_en})" if severity is Severity.NONCONFORMITY else ""
        findings.append(
            Finding(
                FindingKind.CALIBRATION,
                severity,
                status.explain("zh") + suffix_zh,
                status.explain("en") + suffix_en,
                clause.clause,
                clause.clause_en,
                clause.confidence,
                instrument_id=status.instrument_id,
            )
        )
    return findings


__all__ = [
    "AccuracyCheck",
    "AccuracyRule",
    "CoverageLine",
    "Finding",
    "FindingKind",
    "Requirements",
    "ReviewReport",
    "Severity",
    "accuracy_meets",
    "load_requirements",
    "review",
]
