"""QA of a CO2 CEMS: RATA statistics, verdicts at their edges, drift, calibration error,
linearity. Reference values are computed by hand in each test from the published formulas
(40 CFR Part 75 Appendix A Eq. A-4, A-5, A-7…A-10)."""

from __future__ import annotations

import math

import pytest

from dualcarbon.cems import qa

# Nine paired runs, CO2 [% vol dry]; the demo plant's RATA (invented, plausible).
RM = [12.61, 12.48, 12.55, 12.70, 12.66, 12.52, 12.59, 12.63, 12.57]
CEM = [12.50, 12.41, 12.47, 12.55, 12.60, 12.45, 12.49, 12.58, 12.46]


def test_t_quantile_matches_part75_table() -> None:
    # 40 CFR 75 App. A Table 7-1 (t0.025): n = 9 → 2.306, n = 12 → 2.201, n = 3 → 4.303
    assert qa.t_quantile(8) == pytest.approx(2.306, abs=5e-4)
    assert qa.t_quantile(11) == pytest.approx(2.201, abs=5e-4)
    assert qa.t_quantile(2) == pytest.approx(4.303, abs=5e-4)


def test_rata_worked_example_by_hand() -> None:
    # d = RM − CEM = 0.11, 0.07, 0.08, 0.15, 0.06, 0.07, 0.10, 0.05, 0.11
    # Σd = 0.80, Σd² = 0.0790; d̄ = 0.80/9 = 0.088 889
    # S_d = √[(0.0790 − 0.80²/9)/8] = √(0.000 986 11) = 0.031 403 (Eq. A-8)
    # cc = 2.306 × 0.031 403/3 = 0.024 138 (Eq. A-9, t(0.975, 8) = 2.306)
    # RM̄ = 113.31/9 = 12.59; RA = (0.088 889 + 0.024 138)/12.59 × 100 = 0.8977 % (Eq. A-10)
    s = qa.relative_accuracy(RM, CEM)
    assert s.n == 9
    assert s.differences == pytest.approx([0.11, 0.07, 0.08, 0.15, 0.06, 0.07, 0.10, 0.05, 0.11])
    assert s.mean_difference == pytest.approx(0.088889, abs=1e-6)
    assert s.sd_difference == pytest.approx(math.sqrt((0.0790 - 0.64 / 9) / 8), rel=1e-9)
    assert s.sd_difference == pytest.approx(0.031403, abs=1e-6)
    assert s.t_value == pytest.approx(2.306, abs=5e-4)
    assert s.confidence_coefficient == pytest.approx(0.024138, abs=2e-6)
    assert s.reference_mean == pytest.approx(12.59, abs=1e-12)
    assert s.relative_accuracy == pytest.approx(0.8977, abs=2e-4)
    assert s.absolute_difference == pytest.approx(0.088889, abs=1e-6)


def test_rata_sign_of_mean_difference_does_not_matter() -> None:
    # RA uses |d̄|: a CEMS reading high by the same amounts gives the same RA
    high = [2 * r - c for r, c in zip(RM, CEM, strict=True)]
    assert qa.relative_accuracy(RM, high).relative_accuracy == pytest.approx(
        qa.relative_accuracy(RM, CEM).relative_accuracy, rel=1e-12
    )
    assert qa.relative_accuracy(RM, high).mean_difference < 0


def test_rata_pass_on_primary() -> None:
    verdict = qa.assess_rata(RM, CEM, "part75-co2")
    assert verdict.passed and verdict.basis == "primary"
    assert verdict.limit == 10.0
    assert "A-7" in verdict.clause


def _runs_with_ra(target_ra: float) -> tuple[list[float], list[float]]:
    """Nine runs with constant difference d (S_d = 0, cc = 0): RA = d/RM̄ × 100 exactly."""
    reference = [10.0] * 9
    return reference, [10.0 - target_ra / 10.0] * 9


def test_rata_edges_of_the_ra_limit() -> None:
    # constant differences: S_d = 0 so RA = |d̄|/RM̄ × 100; limit 7.5 %, alternative 0.7 % CO2
    rule = qa.CRITERIA["part75-co2-annual"]
    at_limit = qa.assess_rata(*_runs_with_ra(7.5), rule)
    assert at_limit.statistic == pytest.approx(7.5, abs=1e-9)
    assert at_limit.passed  # 7.5 ≤ 7.5 (|d̄| = 0.75 % CO2 > 0.7, so the primary decides)
    assert at_limit.basis == "primary"
    over = qa.assess_rata(*_runs_with_ra(7.6), rule)
    assert not over.passed  # RA 7.6 % and |d̄| = 0.76 % CO2 > 0.7


def test_rata_alternative_absolute_criterion() -> None:
    # low CO2 (3 %): d = 0.5 % CO2 gives RA = 16.7 % > 10 %, but |RM̄ − CEM̄| = 0.5 ≤ 1.0 % CO2
    reference = [3.0] * 9
    cems = [2.5] * 9
    verdict = qa.assess_rata(reference, cems, "part75-co2")
    assert verdict.statistic == pytest.approx(0.5 / 3.0 * 100)
    assert verdict.passed and verdict.basis == "alternative"
    # d = 1.1 % CO2: both fail
    assert not qa.assess_rata(reference, [1.9] * 9, "part75-co2").passed
    # the flow criterion has no alternative
    assert not qa.assess_rata([100.0] * 9, [88.0] * 9, "part75-flow").passed


def test_rata_needs_nine_runs_for_part75_and_pairs() -> None:
    with pytest.raises(qa.QaInputError, match="at least 9"):
        qa.assess_rata(RM[:8], CEM[:8], "part75-co2")
    with pytest.raises(qa.QaInputError, match="paired"):
        qa.relative_accuracy(RM, CEM[:8])
    with pytest.raises(qa.QaInputError, match="at least 3"):
        qa.relative_accuracy([1.0, 2.0], [1.0, 2.0])
    # 8 runs still give the statistic, with t(0.975, 7) = 2.365
    assert qa.relative_accuracy(RM[:8], CEM[:8]).t_value == pytest.approx(2.365, abs=5e-4)


def test_drift_and_its_limit() -> None:
    # (0.21 − 0.02)/20 × 100 = 0.95 % F.S.
    assert qa.calibration_drift(0.02, 0.21, 20.0) == pytest.approx(0.95)
    # span: (15.82 − 16.05)/20 × 100 = −1.15 % F.S.
    assert qa.calibration_drift(16.05, 15.82, 20.0) == pytest.approx(-1.15)
    # the edge: |drift| = 2.5 % F.S. passes HJ 75's ±2.5 %, 2.55 % fails, either sign
    assert qa.assess_drift(0.0, 0.5, 20.0, kind="zero").passed
    assert not qa.assess_drift(0.0, 0.51, 20.0, kind="zero").passed
    assert not qa.assess_drift(16.0, 15.49, 20.0, kind="span").passed
    # HJ 76's ±2.0 % is stricter: 2.25 % passes HJ 75 but not HJ 76
    assert qa.assess_drift(0.0, 0.45, 20.0, kind="zero").passed
    assert not qa.assess_drift(0.0, 0.45, 20.0, kind="zero", criterion="hj76-gas-drift").passed
    with pytest.raises(qa.QaInputError):
        qa.calibration_drift(0.0, 1.0, 0.0)


def test_calibration_error_co2_absolute() -> None:
    # CE = |16.00 − 15.82|/20 × 100 = 0.9 % of span; the CO2 rule is |R − A| ≤ 1.0 % CO2
    assert qa.calibration_error(16.0, 15.82, 20.0) == pytest.approx(0.9)
    ok = qa.assess_calibration_error(16.0, 15.0, 20.0)
    assert ok.passed and ok.statistic == pytest.approx(1.0) and ok.unit == "% CO2"
    assert not qa.assess_calibration_error(16.0, 14.9, 20.0).passed


def test_linearity() -> None:
    # Ā = (4.96 + 4.98 + 4.95)/3 = 4.963 33; LE = 0.036 67/5 × 100 = 0.7333 %
    le, diff = qa.linearity_error(5.0, [4.96, 4.98, 4.95])
    assert diff == pytest.approx(0.036667, abs=1e-6)
    assert le == pytest.approx(0.73333, abs=1e-5)
    # 2 % CO2 gas read 1.88: LE = 6 % > 5 %, but |R − Ā| = 0.12 ≤ 0.5 % CO2 → passes
    low = qa.assess_linearity(2.0, [1.88, 1.88, 1.88])
    assert low.passed and low.basis == "alternative"
    # 15 % gas read 14.2: LE 5.33 % and 0.8 % CO2 → fails
    assert not qa.assess_linearity(15.0, [14.2, 14.2, 14.2]).passed


def test_relative_error_and_velocity_rows() -> None:
    # RM̄ = 130.1/9 = 14.4556 m/s, CEM̄ = 136.0/9 = 15.1111; RE = 0.655 56/14.4556 = +4.535 %
    reference = [14.2, 14.5, 14.1, 14.8, 14.6, 14.3, 14.4, 14.7, 14.5]
    cems = [14.9, 15.1, 14.8, 15.4, 15.2, 15.0, 15.1, 15.3, 15.2]
    assert qa.relative_error(reference, cems) == pytest.approx(4.535, abs=1e-3)
    verdict = qa.assess_velocity(reference, cems)
    assert verdict.passed and verdict.limit == 10.0
    # RE = +11 %: fails above 10 m/s (±10 %), passes at 9 m/s (±12 %)
    assert not qa.assess_velocity([11.0] * 9, [12.21] * 9).passed
    slow = qa.assess_velocity([9.0] * 9, [9.99] * 9)
    assert slow.passed and slow.limit == 12.0
    assert slow.statistic == pytest.approx(11.0)
    assert not qa.assess_velocity([9.0] * 9, [7.9] * 9).passed  # −12.2 %
    with pytest.raises(qa.QaInputError):
        qa.relative_error([1.0, 2.0], [1.0])


def test_demo_record() -> None:
    record = qa.demo_qa_record()
    assert record.passed
    assert [v.test for v in record.verdicts][:3] == ["rata", "zero_drift", "span_drift"]
    failing = qa.QaRecord("x", "y", "z", (qa.assess_drift(0, 1, 20, kind="zero"),))
    assert not failing.passed
