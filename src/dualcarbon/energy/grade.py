"""The grade of a unit-product energy consumption under a quota standard, with its corrections.

Each grade is checked on its own: the value reaches grade g when it is at most grade g's limit
after the corrections that apply to g. The grade achieved is the best one reached; the result
also says how much the value must fall to reach the next better grade, and how much room is left
under the grade it holds. Every step that moved a limit is listed with its clause, so a reviewer
can redo the arithmetic. Nothing here reads files: a standard and the plant's conditions come in,
a :class:`GradeResult` goes out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from dualcarbon.energy.quotas import GRADES, Correction, Indicator, Limits, QuotaStandard
from dualcarbon.errors import InputError, InputProblem


@dataclass(frozen=True)
class CorrectionStep:
    correction: str
    clause: str
    kind: str
    description_zh: str
    description_en: str
    before: float
    after: float
    declared: bool = False


@dataclass(frozen=True)
class GradeLimit:
    grade: int
    base: float
    limit: float
    steps: tuple[CorrectionStep, ...]
    reached: bool


@dataclass(frozen=True)
class GradeResult:
    standard: str
    standard_number: str
    indicator: str
    name_zh: str
    name_en: str
    unit: str
    clause: str
    quota_class: str | None
    class_name_zh: str | None
    value: float
    limits: tuple[GradeLimit, ...]
    confidence: str
    notes_zh: tuple[str, ...] = field(default_factory=tuple)
    notes_en: tuple[str, ...] = field(default_factory=tuple)

    @property
    def grade(self) -> int | None:
        """The best grade reached; ``None`` when even grade 3 (the limiting value) is exceeded."""
        reached = [limit.grade for limit in self.limits if limit.reached]
        return min(reached) if reached else None

    @property
    def meets_limit(self) -> bool:
        """Whether the value is within the limiting value (grade 3), which existing plants must
        meet."""
        return any(limit.reached and limit.grade == 3 for limit in self.limits)

    @property
    def to_next(self) -> tuple[int, float] | None:
        """The better grade nearest in value and how much the value must fall to reach it
        (``None`` at grade 1). Nearest, not next in number: where a standard prints a grade 2
        below grade 1 (GB 21258-2024 Table 1 as transcribed), grade 1 is the nearer target."""
        current = self.grade
        better = [limit for limit in self.limits if current is None or limit.grade < current]
        if not better:
            return None
        target = min(better, key=lambda limit: (self.value - limit.limit, -limit.grade))
        return target.grade, self.value - target.limit

    @property
    def headroom(self) -> float | None:
        """How far below the limit of the grade it holds the value is."""
        current = self.grade
        if current is None:
            return None
        limit = next(limit for limit in self.limits if limit.grade == current)
        return limit.limit - self.value


def grade(
    standard: QuotaStandard,
    indicator_id: str,
    value: float,
    *,
    quota_class: str | None = None,
    conditions: Mapping[str, float] | None = None,
    declared_clauses: Mapping[str, str] | None = None,
    source: str = "grade",
    strict: bool = False,
) -> GradeResult:
    """Grade ``value`` (in the indicator's unit) for the plant's ``conditions``.

    ``conditions`` holds the numbers corrections read (``clinker_ratio`` in %,
    ``altitude_m``, ``pressure_pa``, a declared increment …); ``declared_clauses`` the clause an
    operator names for each declared value. Missing or implausible conditions are refused with
    the correction that needs them.
    """
    conditions = dict(conditions or {})
    declared_clauses = dict(declared_clauses or {})
    problems: list[InputProblem] = []
    try:
        indicator = standard.indicator(indicator_id)
    except KeyError:
        known = ", ".join(i.id for i in standard.indicators)
        raise InputError(
            [
                InputProblem(
                    source,
                    f"{standard.number} has no indicator {indicator_id!r} (known: {known})",
                    field="indicator",
                    value=indicator_id,
                    rule_zh=f"{standard.number} 没有指标 {indicator_id!r}（可用：{known}）",
                )
            ]
        ) from None
    if not math.isfinite(value) or value < _lowest(indicator):
        problems.append(
            InputProblem(
                source,
                f"the value of {indicator.name_en} must be a finite number, not negative",
                field="value",
                value=value,
                rule_zh=f"{indicator.name_zh} 的值须为有限的非负数值",
            )
        )
    limits, class_name = _limits(indicator, quota_class, source, problems)
    corrections = [standard.correction(c) for c in indicator.corrections]
    if strict:  # one value graded: a condition no correction of it reads is a typing mistake
        read = {c.condition for c in corrections} | {"altitude_m", "pressure_pa"}
        for name in sorted(set(conditions) - read):
            problems.append(
                InputProblem(
                    source,
                    f"{indicator.name_en} has no correction reading {name!r} "
                    f"(it reads: {', '.join(sorted(read))})",
                    field=name,
                    rule_zh=f"{indicator.name_zh} 没有读取 {name!r} 的修正"
                    f"（可用：{', '.join(sorted(read))}）",
                )
            )
    for correction in corrections:
        problems += _condition_problems(correction, conditions, declared_clauses, source)
    if problems or limits is None:
        raise InputError(problems)
    notes_zh: list[str] = []
    notes_en: list[str] = []
    graded: list[GradeLimit] = []
    for level in GRADES:
        if level not in limits.grades:
            continue
        base = limits.grades[level]
        current = base
        steps: list[CorrectionStep] = []
        for correction in corrections:
            step = _apply(correction, level, current, conditions, declared_clauses)
            if step is not None:
                steps.append(step)
                current = step.after
        graded.append(GradeLimit(level, base, current, tuple(steps), value <= current + 1e-12))
    for correction in corrections:
        note = _not_applied(correction, conditions)
        if note:
            notes_zh.append(note[0])
            notes_en.append(note[1])
    confidence = _weakest(
        [limits.confidence, *(c.confidence for c in corrections if _used(c, graded))]
    )
    if limits.note_zh:
        notes_zh.append(limits.note_zh)
        notes_en.append(limits.note_en)
    return GradeResult(
        standard=standard.id,
        standard_number=standard.number,
        indicator=indicator.id,
        name_zh=indicator.name_zh,
        name_en=indicator.name_en,
        unit=indicator.unit,
        clause=indicator.clause,
        quota_class=quota_class if indicator.classes else None,
        class_name_zh=class_name,
        value=value,
        limits=tuple(graded),
        confidence=confidence,
        notes_zh=tuple(notes_zh),
        notes_en=tuple(notes_en),
    )


_ORDER = ("VERIFIED", "CORROBORATED", "TRANSCRIBED", "UNVERIFIED")


def _weakest(levels: list[str]) -> str:
    return max(levels, key=_ORDER.index)


def _used(correction: Correction, graded: list[GradeLimit]) -> bool:
    return any(step.correction == correction.id for limit in graded for step in limit.steps)


def _lowest(indicator: Indicator) -> float:
    """Values may be negative only where the standard's limits are (converter steelmaking
    recovers more energy than it uses)."""
    limits = [indicator.limits] if indicator.limits else [c.limits for c in indicator.classes]
    negative = any(value < 0 for limit in limits for value in limit.grades.values())
    return -math.inf if negative else 0.0


def _limits(
    indicator: Indicator, quota_class: str | None, source: str, problems: list[InputProblem]
) -> tuple[Limits | None, str | None]:
    if indicator.limits is not None:
        return indicator.limits, None
    chosen = indicator.quota_class(quota_class)
    if chosen is None:
        known = ", ".join(f"{c.id} ({c.name_zh})" for c in indicator.classes)
        problems.append(
            InputProblem(
                source,
                f"{indicator.name_en} depends on the class of plant: give one of {known}",
                field="class",
                value=quota_class,
                rule_zh=f"{indicator.name_zh} 的限额按机组/装置类别区分，请给出类别：{known}",
            )
        )
        return None, None
    return chosen.limits, chosen.name_zh


def _condition_problems(
    correction: Correction,
    conditions: Mapping[str, float],
    declared_clauses: Mapping[str, str],
    source: str,
) -> list[InputProblem]:
    key = correction.condition
    value = conditions.get(key)
    if correction.kind == "per_point":
        if value is None:
            return [
                InputProblem(
                    source,
                    f"{correction.name_en} ({correction.clause}) needs {key} "
                    f"({correction.condition_unit})",
                    field=key,
                    rule_zh=f"{correction.name_zh}（{correction.clause}）需要 {key}"
                    f"（{correction.condition_unit}）",
                )
            ]
        if correction.bounds and not correction.bounds[0] <= value <= correction.bounds[1]:
            return [_out_of_bounds(correction, value, source)]
        return []
    if correction.kind == "altitude":
        altitude = conditions.get("altitude_m")
        if altitude is None or altitude <= (correction.threshold_m or 0):
            return []
        pressure = conditions.get("pressure_pa")
        if pressure is None:
            return [
                InputProblem(
                    source,
                    f"the site is above {correction.threshold_m:g} m: {correction.name_en} "
                    f"({correction.clause}) needs the site's atmospheric pressure pressure_pa",
                    field="pressure_pa",
                    rule_zh=f"厂址海拔高于 {correction.threshold_m:g} m：{correction.name_zh}"
                    f"（{correction.clause}）需要当地大气压 pressure_pa（Pa）",
                )
            ]
        expected = standard_pressure(altitude)
        if not 0.85 * expected <= pressure <= 1.15 * expected:
            return [
                InputProblem(
                    source,
                    f"an atmospheric pressure of {pressure:g} Pa does not fit an altitude of "
                    f"{altitude:g} m (the standard atmosphere gives about {expected:,.0f} Pa): "
                    "check both",
                    field="pressure_pa",
                    value=pressure,
                    rule_zh=f"大气压 {pressure:g} Pa 与海拔 {altitude:g} m 不符（标准大气约 "
                    f"{expected:,.0f} Pa），请核对两者",
                )
            ]
        return []
    # declared: optional, but a declared value needs its clause and a plausible size
    if value is None:
        return []
    problems = []
    if correction.bounds and not correction.bounds[0] <= value <= correction.bounds[1]:
        problems.append(_out_of_bounds(correction, value, source))
    if not declared_clauses.get(key, "").strip():
        problems.append(
            InputProblem(
                source,
                f"a declared {correction.name_en} needs the clause or table row it was read "
                f"from ({correction.clause})",
                field=f"{key}_clause",
                rule_zh=f"申报的{correction.name_zh}须注明所依据的条款或表格行（{correction.clause}）",
            )
        )
    return problems


def _out_of_bounds(correction: Correction, value: float, source: str) -> InputProblem:
    low, high = correction.bounds or (0.0, 0.0)
    return InputProblem(
        source,
        f"{correction.condition} of {value:g} is outside {low:g}–{high:g} "
        f"{correction.condition_unit} ({correction.name_en})",
        field=correction.condition,
        value=value,
        rule_zh=f"{correction.condition} = {value:g} 超出合理范围 {low:g}–{high:g} "
        f"{correction.condition_unit}（{correction.name_zh}）",
    )


def standard_pressure(altitude_m: float) -> float:
    """The pressure of the ICAO standard atmosphere at ``altitude_m`` (ISO 2533:1975, troposphere:
    p = 101 325 × (1 − 2.25577 × 10⁻⁵ h)^5.25588 Pa), to catch a pressure typed for the wrong
    site or in the wrong unit."""
    return float(101_325.0 * (1.0 - 2.25577e-5 * altitude_m) ** 5.25588)


def altitude_factor(correction: Correction, pressure_pa: float) -> float:
    """K = a − b × P / p0 (GB 16780-2021's form)."""
    assert correction.a is not None and correction.b is not None and correction.p0 is not None
    return correction.a - correction.b * pressure_pa / correction.p0


def _apply(
    correction: Correction,
    level: int,
    limit: float,
    conditions: Mapping[str, float],
    declared_clauses: Mapping[str, str],
) -> CorrectionStep | None:
    if level not in correction.grades:
        return None
    if correction.kind == "per_point":
        x = conditions[correction.condition]
        assert correction.reference is not None
        points = x - correction.reference
        if correction.direction == "below":
            points = min(points, 0.0)
        elif correction.direction == "above":
            points = max(points, 0.0)
        if correction.max_points is not None:
            points = max(-correction.max_points, min(correction.max_points, points))
        slope = correction.slope.get(level)
        if slope is None or points == 0:
            return None
        after = limit + slope * points
        return CorrectionStep(
            correction.id,
            correction.clause,
            correction.kind,
            f"{correction.name_zh}：{correction.condition} = {x:g}{correction.condition_unit}，"
            f"偏离基准 {correction.reference:g} 共 {points:+g}，"
            f"× {slope:g} = {slope * points:+.4g}",
            f"{correction.name_en}: {correction.condition} = {x:g}{correction.condition_unit}, "
            f"{points:+g} from {correction.reference:g}, × {slope:g} = {slope * points:+.4g}",
            limit,
            after,
        )
    if correction.kind == "altitude":
        altitude = conditions.get("altitude_m")
        if altitude is None or altitude <= (correction.threshold_m or 0):
            return None
        pressure = conditions["pressure_pa"]
        k = altitude_factor(correction, pressure)
        return CorrectionStep(
            correction.id,
            correction.clause,
            correction.kind,
            f"{correction.name_zh}：海拔 {altitude:g} m，P = {pressure:g} Pa，"
            f"K = {correction.a:g} − {correction.b:g} × {pressure:g}/{correction.p0:g} = {k:.4f}",
            f"{correction.name_en}: altitude {altitude:g} m, P = {pressure:g} Pa, "
            f"K = {correction.a:g} − {correction.b:g} × {pressure:g}/{correction.p0:g} = {k:.4f}",
            limit,
            limit * k,
        )
    declared = conditions.get(correction.condition)
    if declared is None:
        return None
    clause = declared_clauses.get(correction.condition, "")
    if correction.kind == "declared_add":
        after = limit + declared
        zh = f"{correction.name_zh}（申报，{clause}）：{declared:+g} {correction.condition_unit}"
        en = f"{correction.name_en} (declared, {clause}): {declared:+g} {correction.condition_unit}"
    else:
        after = limit * declared
        zh = f"{correction.name_zh}（申报，{clause}）：× {declared:g}"
        en = f"{correction.name_en} (declared, {clause}): × {declared:g}"
    return CorrectionStep(
        correction.id, correction.clause, correction.kind, zh, en, limit, after, declared=True
    )


def _not_applied(correction: Correction, conditions: Mapping[str, float]) -> tuple[str, str] | None:
    if correction.kind == "altitude":
        altitude = conditions.get("altitude_m")
        if altitude is not None and altitude <= (correction.threshold_m or 0):
            return (
                f"厂址海拔 {altitude:g} m，不高于 {correction.threshold_m:g} m："
                f"{correction.name_zh}（{correction.clause}）不适用",
                f"site altitude {altitude:g} m, not above {correction.threshold_m:g} m: "
                f"{correction.name_en} ({correction.clause}) does not apply",
            )
        if altitude is None:
            return (
                f"未给出厂址海拔：{correction.name_zh}（{correction.clause}，海拔高于 "
                f"{correction.threshold_m:g} m 时适用）未应用",
                f"no site altitude given: {correction.name_en} ({correction.clause}, above "
                f"{correction.threshold_m:g} m) not applied",
            )
    if correction.kind.startswith("declared") and correction.condition not in conditions:
        return (
            f"未申报{correction.name_zh}（{correction.clause}）：如适用，请按标准表格计算后申报",
            f"no {correction.name_en} declared ({correction.clause}): if it applies, derive it "
            "from the standard's table and declare it",
        )
    return None
