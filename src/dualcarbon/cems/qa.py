"""Quality assurance of a CO2 CEMS: relative accuracy against the reference method, calibration
drift, calibration error and linearity, each with a pass/fail verdict naming its rule and clause.

Relative accuracy test audit (RATA), US EPA 40 CFR Part 75 Appendix A §7.3 and HJ 75-2017's
比对监测 (the same statistic, 相对准确度):

.. math::

    d_i = RM_i - CEM_i                                  \\quad (A\\text{-}7)

    \\bar d = \\frac1n \\sum d_i,\\quad
    S_d = \\sqrt{\\frac{\\sum d_i^2 - (\\sum d_i)^2/n}{n-1}}  \\quad (A\\text{-}8)

    cc = t_{0.975,\\,n-1}\\, S_d/\\sqrt n                 \\quad (A\\text{-}9)

    RA = \\frac{|\\bar d| + |cc|}{\\overline{RM}} \\times 100 \\quad (A\\text{-}10)

The limits are data (:data:`CRITERIA`); each carries its clause and how sure we are of it
(``confidence``): ``"verified"`` where the figure was read in the published text,
``"memory"`` where it is recalled and should be checked against the standard before a verdict is
relied on in an official report (docs/cems-qa.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy import stats

from dualcarbon.errors import DualcarbonError

Confidence = Literal["verified", "memory"]


class QaInputError(DualcarbonError, ValueError):
    """QA data that cannot give the statistic asked for (too few runs, unequal lengths…)."""

    def __init__(self, test: str, problem: str) -> None:
        self.test = test
        self.problem = problem
        super().__init__(f"{test}: {problem}")


# -- the statistics, one function per formula ----------------------------------------------------


def t_quantile(dof: int, confidence: float = 0.95) -> float:
    """Two-sided Student t quantile t_{(1+p)/2, ν} (Part 75 App. A Table 7-1: t₀.₀₂₅ at ν = n−1).

    >>> round(t_quantile(8), 3)
    2.306
    """
    return float(stats.t.ppf((1 + confidence) / 2, dof))


@dataclass(frozen=True)
class RataStatistics:
    """The RATA statistics of n paired runs (reference method RM, CEMS)."""

    reference: tuple[float, ...]
    cems: tuple[float, ...]
    differences: tuple[float, ...]
    """dᵢ = RMᵢ − CEMᵢ (Eq. A-7)."""
    mean_difference: float
    """d̄ (Eq. A-7)."""
    sd_difference: float
    """S_d (Eq. A-8)."""
    t_value: float
    confidence_coefficient: float
    """cc = t·S_d/√n (Eq. A-9)."""
    reference_mean: float
    cems_mean: float
    relative_accuracy: float
    """RA [%] (Eq. A-10)."""

    @property
    def n(self) -> int:
        return len(self.differences)

    @property
    def absolute_difference(self) -> float:
        """|RM̄ − CEM̄| = |d̄|, the alternative criterion's statistic [unit of the runs]."""
        return abs(self.reference_mean - self.cems_mean)


def relative_accuracy(
    reference: Sequence[float], cems: Sequence[float], *, confidence: float = 0.95
) -> RataStatistics:
    """Relative accuracy of a CEMS against n ≥ 3 paired reference-method runs.

    Parameters
    ----------
    reference, cems
        Paired run averages, same unit (e.g. CO2 [% vol dry], flow [m³/h]).
    confidence
        Two-sided level of the confidence coefficient (0.95 in Part 75 and HJ 75).

    References
    ----------
    40 CFR Part 75 Appendix A §7.3, Eq. A-7 to A-10; HJ 75-2017 附录 (相对准确度, the same formula).
    Part 75 requires n ≥ 9 runs (§6.5.10); this function computes for n ≥ 3 and the verdict
    (:func:`assess_rata`) refuses fewer than the criterion's minimum.
    """
    rm = np.asarray(reference, dtype=float)
    cem = np.asarray(cems, dtype=float)
    if rm.shape != cem.shape or rm.ndim != 1:
        raise QaInputError("RATA", "reference and CEMS runs must be paired, one value each")
    n = rm.size
    if n < 3:
        raise QaInputError("RATA", f"at least 3 paired runs are needed, got {n}")
    d = rm - cem
    d_mean = float(d.mean())
    s_d = math.sqrt(max(float((d**2).sum() - d.sum() ** 2 / n) / (n - 1), 0.0))
    t = t_quantile(n - 1, confidence)
    cc = t * s_d / math.sqrt(n)
    rm_mean = float(rm.mean())
    if rm_mean == 0:
        raise QaInputError("RATA", "the reference-method mean is zero; RA is undefined")
    ra = (abs(d_mean) + abs(cc)) / abs(rm_mean) * 100
    return RataStatistics(
        reference=tuple(float(x) for x in rm),
        cems=tuple(float(x) for x in cem),
        differences=tuple(float(x) for x in d),
        mean_difference=d_mean,
        sd_difference=s_d,
        t_value=t,
        confidence_coefficient=cc,
        reference_mean=rm_mean,
        cems_mean=float(cem.mean()),
        relative_accuracy=ra,
    )


def calibration_drift(start: float, end: float, full_scale: float) -> float:
    """24-hour zero or span drift [% F.S.]: (R_end − R_start)/F.S. × 100.

    ``start`` and ``end`` are the analyser's readings of the same zero or span gas at the start
    and the end of the 24-hour period (HJ 75-2017 零点漂移/量程漂移; HJ 76-2017 test method).
    """
    if full_scale <= 0:
        raise QaInputError("drift", "full scale must be positive")
    return (end - start) / full_scale * 100


def calibration_error(reference: float, response: float, span: float) -> float:
    """Calibration error CE = |R − A|/S × 100 [% of span] (40 CFR 75 App. A Eq. A-5)."""
    if span <= 0:
        raise QaInputError("calibration error", "span must be positive")
    return abs(reference - response) / span * 100


def linearity_error(reference: float, responses: Sequence[float]) -> tuple[float, float]:
    """Linearity error LE = |R − Ā|/R × 100 [%] (40 CFR 75 App. A Eq. A-4) and |R − Ā|."""
    if not responses or reference == 0:
        raise QaInputError("linearity", "give the reference and at least one injection")
    mean = float(np.mean(responses))
    return abs(reference - mean) / abs(reference) * 100, abs(reference - mean)


def relative_error(reference: Sequence[float], cems: Sequence[float]) -> float:
    """Relative error RE = (CEM̄ − RM̄)/RM̄ × 100 [%] (HJ 75-2017 比对监测, 相对误差: the
    indicator for flow velocity and moisture, where HJ 75 uses RE rather than RA)."""
    rm = float(np.mean(reference))
    if not len(reference) or len(reference) != len(cems) or rm == 0:
        raise QaInputError("relative error", "give paired runs with a non-zero reference mean")
    return (float(np.mean(cems)) - rm) / rm * 100


# -- criteria (data, with clause and confidence) -------------------------------------------------


@dataclass(frozen=True)
class RataCriterion:
    """RA ≤ ``ra_limit`` %, or (alternative) |RM̄ − CEM̄| ≤ ``absolute_limit``."""

    id: str
    parameter: str
    ra_limit: float
    absolute_limit: float | None
    absolute_unit: str
    minimum_runs: int
    clause: str
    rule_zh: str
    rule_en: str
    confidence: Confidence


@dataclass(frozen=True)
class BoundCriterion:
    """|statistic| ≤ ``limit`` (drift, calibration error) or an alternative absolute bound."""

    id: str
    test: str
    limit: float | None
    """None when only the absolute alternative applies (CO2 daily calibration)."""
    unit: str
    clause: str
    rule_zh: str
    rule_en: str
    confidence: Confidence
    alternative_limit: float | None = None
    alternative_unit: str = ""


PART75 = "40 CFR Part 75"
CRITERIA: dict[str, RataCriterion] = {
    c.id: c
    for c in (
        RataCriterion(
            "part75-co2",
            "co2",
            10.0,
            1.0,
            "% CO2",
            9,
            f"{PART75} App. A §3.3.3, §7.3 (Eq. A-7…A-10)",
            "相对准确度 RA ≤ 10.0 %，或 |RM̄ − CEM̄| ≤ 1.0 % CO2",
            "RA ≤ 10.0 %, or |RM̄ − CEM̄| ≤ 1.0 % CO2",
            "memory",
        ),
        RataCriterion(
            "part75-co2-annual",
            "co2",
            7.5,
            0.7,
            "% CO2",
            9,
            f"{PART75} App. B §2.3.1.2 (annual RATA frequency)",
            "年度频次：RA ≤ 7.5 %，或 |RM̄ − CEM̄| ≤ 0.7 % CO2",
            "annual frequency: RA ≤ 7.5 %, or |RM̄ − CEM̄| ≤ 0.7 % CO2",
            "memory",
        ),
        RataCriterion(
            "part75-o2",
            "o2",
            10.0,
            1.0,
            "% O2",
            9,
            f"{PART75} App. A §3.3.3, §7.3",
            "相对准确度 RA ≤ 10.0 %，或 |RM̄ − CEM̄| ≤ 1.0 % O2",
            "RA ≤ 10.0 %, or |RM̄ − CEM̄| ≤ 1.0 % O2",
            "memory",
        ),
        RataCriterion(
            "part75-flow",
            "flow",
            10.0,
            None,
            "",
            9,
            f"{PART75} App. A §3.3.4, §7.3",
            "相对准确度 RA ≤ 10.0 %",
            "RA ≤ 10.0 %",
            "memory",
        ),
        RataCriterion(
            "hj75-o2",
            "o2",
            15.0,
            None,
            "",
            9,
            "HJ 75-2017 表 (比对监测技术指标，氧气)",
            "氧气相对准确度 ≤ 15 %",
            "O2 relative accuracy ≤ 15 %",
            "memory",
        ),
    )
}
"""RATA criteria. HJ 75-2017 covers SO2, NOx, particulates and the flue-gas parameters, not
CO2; for a CO2 analyser the Part 75 CO2 criterion applies until the MEE CO2 CEMS standard is
confirmed (docs/cems-qa.md). Figures marked ``memory`` are to be checked against the text."""

DRIFT_CRITERIA: dict[str, BoundCriterion] = {
    c.id: c
    for c in (
        BoundCriterion(
            "hj75-gas-drift",
            "drift",
            2.5,
            "% F.S.",
            "HJ 75-2017 (日常运行质量保证，24 h 零点/量程漂移，气态污染物)",
            "24 h 零点漂移、量程漂移均不超过 ±2.5 % F.S.",
            "24-h zero and span drift within ±2.5 % F.S.",
            "memory",
        ),
        BoundCriterion(
            "hj76-gas-drift",
            "drift",
            2.0,
            "% F.S.",
            "HJ 76-2017 (性能指标，24 h 零点/量程漂移)",
            "24 h 零点漂移、量程漂移均不超过 ±2.0 % F.S.",
            "24-h zero and span drift within ±2.0 % F.S.",
            "memory",
        ),
    )
}

HJ75_COMPARISON_CRITERIA: dict[str, BoundCriterion] = {
    c.id: c
    for c in (
        BoundCriterion(
            "hj75-velocity-high",
            "relative_error",
            10.0,
            "%",
            "HJ 75-2017 比对监测技术指标（流速 > 10 m/s）",
            "流速 > 10 m/s 时，相对误差不超过 ±10 %",
            "velocity > 10 m/s: relative error within ±10 %",
            "memory",
        ),
        BoundCriterion(
            "hj75-velocity-low",
            "relative_error",
            12.0,
            "%",
            "HJ 75-2017 比对监测技术指标（流速 ≤ 10 m/s）",
            "流速 ≤ 10 m/s 时，相对误差不超过 ±12 %",
            "velocity ≤ 10 m/s: relative error within ±12 %",
            "memory",
        ),
        BoundCriterion(
            "hj75-moisture-high",
            "relative_error",
            25.0,
            "%",
            "HJ 75-2017 比对监测技术指标（湿度 > 5.0 %）",
            "烟气湿度 > 5.0 % 时，相对误差不超过 ±25 %",
            "moisture > 5.0 %: relative error within ±25 %",
            "memory",
        ),
    )
}
"""HJ 75-2017's relative-error criteria for the flue-gas parameters (flow velocity, moisture).
Recalled; the velocity threshold picks the row (:func:`assess_velocity`)."""

CALIBRATION_CRITERIA: dict[str, BoundCriterion] = {
    c.id: c
    for c in (
        BoundCriterion(
            "part75-co2-daily-calibration",
            "calibration_error",
            None,
            "% of span",
            f"{PART75} App. B §2.1.4 (daily calibration; out of control > 2× App. A §3.1)",
            "日校准：|R − A| ≤ 1.0 % CO2",
            "daily calibration: |R − A| ≤ 1.0 % CO2",
            "memory",
            alternative_limit=1.0,
            alternative_unit="% CO2",
        ),
        BoundCriterion(
            "part75-co2-linearity",
            "linearity",
            5.0,
            "%",
            f"{PART75} App. A §3.2 (Eq. A-4)",
            "线性误差 LE ≤ 5.0 %，或 |R − Ā| ≤ 0.5 % CO2",
            "linearity error LE ≤ 5.0 %, or |R − Ā| ≤ 0.5 % CO2",
            "memory",
            alternative_limit=0.5,
            alternative_unit="% CO2",
        ),
    )
}


# -- verdicts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """One QA test's outcome: its statistic beside the limit, the rule and the clause."""

    test: str
    """``rata``, ``zero_drift``, ``span_drift``, ``calibration_error``, ``linearity`` or
    ``relative_error``."""
    label: str
    passed: bool
    statistic: float
    limit: float
    unit: str
    rule_zh: str
    rule_en: str
    clause: str
    confidence: Confidence
    basis: str = "primary"
    """``primary`` when the main criterion decided, ``alternative`` when its alternative did."""
    data: tuple[tuple[str, str], ...] = field(default=())
    """(name, formatted value) pairs of the data and intermediate statistics, for the report."""
    rata: RataStatistics | None = None

    @classmethod
    def under(cls, rule: RataCriterion | BoundCriterion, **outcome: Any) -> Verdict:
        """The verdict of a test judged by ``rule``: its wording, clause and confidence."""
        return cls(
            rule_zh=rule.rule_zh,
            rule_en=rule.rule_en,
            clause=rule.clause,
            confidence=rule.confidence,
            **outcome,
        )


def assess_rata(
    reference: Sequence[float],
    cems: Sequence[float],
    criterion: RataCriterion | str = "part75-co2",
    *,
    label: str = "",
) -> Verdict:
    """RATA verdict: pass if RA ≤ limit, or else if |RM̄ − CEM̄| ≤ the alternative limit."""
    rule = CRITERIA[criterion] if isinstance(criterion, str) else criterion
    statistics = relative_accuracy(reference, cems)
    if statistics.n < rule.minimum_runs:
        raise QaInputError(
            "RATA", f"{rule.id} needs at least {rule.minimum_runs} runs, got {statistics.n}"
        )
    primary = statistics.relative_accuracy <= rule.ra_limit
    alternative = (
        rule.absolute_limit is not None and statistics.absolute_difference <= rule.absolute_limit
    )
    return Verdict.under(
        rule,
        test="rata",
        label=label or rule.parameter,
        passed=primary or alternative,
        statistic=statistics.relative_accuracy,
        limit=rule.ra_limit,
        unit="%",
        basis="primary" if primary or not alternative else "alternative",
        data=(
            ("n", str(statistics.n)),
            ("d̄", f"{statistics.mean_difference:.4g}"),
            ("S_d", f"{statistics.sd_difference:.4g}"),
            ("t", f"{statistics.t_value:.3f}"),
            ("cc", f"{statistics.confidence_coefficient:.4g}"),
            ("RM̄", f"{statistics.reference_mean:.4g}"),
            ("CEM̄", f"{statistics.cems_mean:.4g}"),
            ("|RM̄ − CEM̄|", f"{statistics.absolute_difference:.4g}"),
            ("RA", f"{statistics.relative_accuracy:.2f} %"),
        ),
        rata=statistics,
    )


def assess_drift(
    start: float,
    end: float,
    full_scale: float,
    *,
    kind: Literal["zero", "span"],
    criterion: BoundCriterion | str = "hj75-gas-drift",
    label: str = "",
) -> Verdict:
    """24-h zero or span drift verdict: |drift| ≤ limit [% F.S.]."""
    rule = DRIFT_CRITERIA[criterion] if isinstance(criterion, str) else criterion
    if rule.limit is None:
        raise QaInputError("drift", f"{rule.id} has no limit in % F.S.")
    drift = calibration_drift(start, end, full_scale)
    return Verdict.under(
        rule,
        test=f"{kind}_drift",
        label=label or kind,
        passed=abs(drift) <= rule.limit,
        statistic=drift,
        limit=rule.limit,
        unit=rule.unit,
        data=(
            ("R₀", f"{start:.4g}"),
            ("R₂₄", f"{end:.4g}"),
            ("F.S.", f"{full_scale:.4g}"),
        ),
    )


def assess_calibration_error(
    reference: float,
    response: float,
    span: float,
    *,
    criterion: BoundCriterion | str = "part75-co2-daily-calibration",
    label: str = "",
) -> Verdict:
    """Calibration error verdict: CE ≤ limit [% span], or |R − A| ≤ the alternative limit."""
    rule = CALIBRATION_CRITERIA[criterion] if isinstance(criterion, str) else criterion
    ce = calibration_error(reference, response, span)
    difference = abs(reference - response)
    primary = rule.limit is not None and ce <= rule.limit
    alternative = rule.alternative_limit is not None and difference <= rule.alternative_limit
    if rule.limit is not None:
        statistic, limit, unit = ce, rule.limit, rule.unit
    elif rule.alternative_limit is not None:
        statistic, limit, unit = difference, rule.alternative_limit, rule.alternative_unit
    else:
        raise QaInputError("calibration error", f"{rule.id} states no limit")
    absolute_only = rule.limit is None
    return Verdict.under(
        rule,
        test="calibration_error",
        label=label or "calibration",
        passed=primary or alternative,
        statistic=statistic,
        limit=limit,
        unit=unit,
        basis="primary" if primary or absolute_only or not alternative else "alternative",
        data=(
            ("R", f"{reference:.4g}"),
            ("A", f"{response:.4g}"),
            ("CE", f"{ce:.3g} %"),
            ("S", f"{span:.4g}"),
            ("|R − A|", f"{difference:.4g}"),
        ),
    )


def assess_linearity(
    reference: float,
    responses: Sequence[float],
    *,
    criterion: BoundCriterion | str = "part75-co2-linearity",
    label: str = "",
) -> Verdict:
    """Linearity verdict at one gas level: LE ≤ 5 %, or |R − Ā| ≤ 0.5 % CO2."""
    rule = CALIBRATION_CRITERIA[criterion] if isinstance(criterion, str) else criterion
    le, difference = linearity_error(reference, responses)
    primary = rule.limit is not None and le <= rule.limit
    alternative = rule.alternative_limit is not None and difference <= rule.alternative_limit
    return Verdict.under(
        rule,
        test="linearity",
        label=label or "linearity",
        passed=primary or alternative,
        statistic=le,
        limit=rule.limit if rule.limit is not None else math.inf,
        unit=rule.unit,
        basis="primary" if primary or not alternative else "alternative",
        data=(
            ("R", f"{reference:.4g}"),
            ("A", ", ".join(f"{a:.4g}" for a in responses)),
            ("|R − Ā|", f"{difference:.4g}"),
        ),
    )


def assess_relative_error(
    reference: Sequence[float],
    cems: Sequence[float],
    criterion: BoundCriterion | str,
    *,
    label: str = "",
) -> Verdict:
    """Relative-error verdict (HJ 75-2017): |RE| ≤ limit [%]."""
    rule = HJ75_COMPARISON_CRITERIA[criterion] if isinstance(criterion, str) else criterion
    if rule.limit is None:
        raise QaInputError("relative error", f"{rule.id} has no limit in %")
    re = relative_error(reference, cems)
    return Verdict.under(
        rule,
        test="relative_error",
        label=label or rule.id,
        passed=abs(re) <= rule.limit,
        statistic=re,
        limit=rule.limit,
        unit=rule.unit,
        data=(
            ("n", str(len(reference))),
            ("RM̄", f"{float(np.mean(reference)):.4g}"),
            ("CEM̄", f"{float(np.mean(cems)):.4g}"),
            ("RE", f"{re:+.2f} %"),
        ),
    )


def assess_velocity(
    reference: Sequence[float], cems: Sequence[float], *, label: str = ""
) -> Verdict:
    """Flow-velocity comparison [m/s] by HJ 75-2017: ±10 % above 10 m/s, ±12 % at or below
    (the row chosen by the reference-method mean velocity)."""
    high = float(np.mean(reference)) > 10.0
    return assess_relative_error(
        reference,
        cems,
        "hj75-velocity-high" if high else "hj75-velocity-low",
        label=label or "velocity",
    )


@dataclass(frozen=True)
class QaRecord:
    """A QA campaign for one analyser: who, what, when, and the verdicts (the QA report's data)."""

    source: str
    analyser: str
    period: str
    verdicts: tuple[Verdict, ...]
    notes: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return all(v.passed for v in self.verdicts)


def demo_qa_record() -> QaRecord:
    """A worked QA campaign for the demo plant's #1 CO2 analyser (invented, plausible figures).

    Nine RATA runs against the reference method, 24-h zero and span drift on a 0–20 % CO2
    range, a daily calibration check, a three-level linearity check and a flow-velocity
    comparison (the flow monitor reads about 4.6 % high: within HJ 75's ±10 %).
    """
    reference = [12.61, 12.48, 12.55, 12.70, 12.66, 12.52, 12.59, 12.63, 12.57]
    cems = [12.50, 12.41, 12.47, 12.55, 12.60, 12.45, 12.49, 12.58, 12.46]
    verdicts = (
        assess_rata(reference, cems, "part75-co2", label="CO2 % vol dry"),
        assess_drift(0.02, 0.21, 20.0, kind="zero", label="CO2 zero"),
        assess_drift(16.05, 15.82, 20.0, kind="span", label="CO2 span"),
        assess_calibration_error(16.00, 15.82, 20.0, label="CO2 16 %"),
        assess_linearity(5.00, [4.96, 4.98, 4.95], label="CO2 low"),
        assess_linearity(10.00, [10.05, 10.02, 10.04], label="CO2 mid"),
        assess_linearity(17.00, [16.90, 16.94, 16.91], label="CO2 high"),
        assess_velocity(
            [14.2, 14.5, 14.1, 14.8, 14.6, 14.3, 14.4, 14.7, 14.5],
            [14.9, 15.1, 14.8, 15.4, 15.2, 15.0, 15.1, 15.3, 15.2],
            label="flow velocity m/s",
        ),
    )
    return QaRecord(
        source="DEMO-#1",
        analyser="NDIR CO2 0–20 % vol",
        period="2024-Q2",
        verdicts=verdicts,
    )
