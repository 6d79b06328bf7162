"""Pedigree matrix → lognormal σ, and → PACT DQR (footprint/pedigree.py, data/pedigree.yaml)."""

import math

import pytest
from pydantic import ValidationError

from dualcarbon.footprint.pedigree import (
    INDICATORS,
    PedigreeScores,
    basic_uncertainty_factor,
    basic_variance,
    gsd_squared,
    lognormal_sigma,
    pedigree_table,
    pedigree_variance,
    weighted_scores,
)

# ecoinvent v3 pedigree variances as read in OcelotProject/Ocelot
# ocelot/transformations/uncertainty/pedigree.py (PEDIGREE_MATRIX_VALUES["original"], citing the
# ecoinvent data quality guideline of 2013), indicator order as in INDICATORS.
OCELOT_V3 = {
    "reliability": (0, 0.0006, 0.002, 0.008, 0.04),
    "completeness": (0, 0.0001, 0.0006, 0.002, 0.008),
    "temporal": (0, 0.0002, 0.002, 0.008, 0.04),
    "geographical": (0, 0.000025, 0.0001, 0.0006, 0.002),
    "technological": (0, 0.0006, 0.008, 0.04, 0.12),
}


def test_table_is_the_ecoinvent_v3_table() -> None:
    table = pedigree_table()
    assert tuple(i.id for i in table.indicators) == INDICATORS
    for indicator in table.indicators:
        assert indicator.variance == OCELOT_V3[indicator.id]


def test_each_variance_is_the_half_log_squared_of_its_factor() -> None:
    # The relation behind σ_b = ln √U_b: every v3 variance is (ln U / 2)² of the matching factor
    # (openLCA's ecoinvent DQ system), rounded by ecoinvent to one or two significant digits,
    # e.g. U = 1.10 → 0.00227 printed 0.002, U = 2.0 → 0.1201 printed 0.12.
    for indicator in pedigree_table().indicators:
        for variance, factor in zip(indicator.variance, indicator.factor, strict=True):
            exact = (0.5 * math.log(factor)) ** 2
            assert variance == pytest.approx(exact, rel=0.15, abs=1e-12), (indicator.id, factor)


def test_sigma_by_hand_scores_23124_basic_105() -> None:
    # Scores (reliability 2, completeness 3, temporal 1, geographical 2, technological 4), U_b 1.05.
    # From the v3 table: 0.0006 + 0.0006 + 0 + 0.000025 + 0.04 = 0.041225
    # Basic: (ln √1.05)² = (0.5 × 0.0487902)² = 0.00059512
    # σ² = 0.04182012, σ = 0.2044997
    assert pedigree_variance((2, 3, 1, 2, 4)) == pytest.approx(0.041225, rel=1e-12)
    assert basic_variance(1.05) == pytest.approx(0.00059512, rel=1e-5)
    assert lognormal_sigma((2, 3, 1, 2, 4), 1.05) == pytest.approx(0.2044997, rel=1e-6)


def test_sigma_of_the_research_notes_example_12312() -> None:
    # footprint-sources.md §7.1(e): 0.00059 + (0 + 0.0001 + 0.002 + 0 + 0.0006) ≈ 0.00329,
    # σ ≈ 0.0574, GSD² = e^(2σ) ≈ 1.122.
    sigma = lognormal_sigma(PedigreeScores.of((1, 2, 3, 1, 2)), 1.05)
    assert sigma**2 == pytest.approx(0.00329, abs=1e-5)
    assert sigma == pytest.approx(0.0574, abs=1e-4)
    assert gsd_squared(sigma) == pytest.approx(1.122, abs=1e-3)


def test_sigma_agrees_with_brightway_pedigree_formula_within_rounding() -> None:
    # brightway-lca/pedigree_matrix pm.py: σ = √(Σ ln² U_j) / 2 over U_b and the five factors.
    table = pedigree_table()
    for scores in [(1, 1, 1, 1, 1), (2, 3, 1, 2, 4), (5, 5, 5, 5, 5), (3, 2, 4, 5, 1)]:
        factors = [ind.factor[s - 1] for ind, s in zip(table.indicators, scores, strict=True)]
        brightway = math.sqrt(sum(math.log(u) ** 2 for u in [1.05, *factors])) / 2
        assert lognormal_sigma(scores, 1.05) == pytest.approx(brightway, rel=0.05)


def test_perfect_scores_leave_the_basic_uncertainty() -> None:
    assert lognormal_sigma((1, 1, 1, 1, 1), 1.05) == pytest.approx(0.5 * math.log(1.05))
    assert lognormal_sigma((1, 1, 1, 1, 1), 1.0) == 0.0


def test_basic_factors_by_id() -> None:
    assert basic_uncertainty_factor("air/CO2/combustion") == 1.05
    assert basic_uncertainty_factor("demand/transport/any") == 2.0
    assert basic_uncertainty_factor("air/CH4_NH3/agricultural") == 1.2
    # v3 prints the basic variance of U_b = 1.05 as 0.0006, of 2.0 as 0.12, of 3.0 as 0.3
    assert basic_variance(1.05) == pytest.approx(0.0006, rel=0.01)
    assert basic_variance(2.0) == pytest.approx(0.12, rel=0.01)
    assert basic_variance(3.0) == pytest.approx(0.3, rel=0.01)
    with pytest.raises(KeyError, match="air/CO2/combustion"):
        basic_uncertainty_factor("air/CO2")


def test_basic_factor_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        basic_variance(0.9)


def test_scores_from_mapping_or_sequence_and_their_bounds() -> None:
    mapping = {
        "reliability": 2,
        "completeness": 3,
        "temporal": 1,
        "geographical": 2,
        "technological": 4,
    }
    assert PedigreeScores.model_validate(mapping) == PedigreeScores.of([2, 3, 1, 2, 4])
    assert PedigreeScores.of((2, 3, 1, 2, 4)).as_tuple() == (2, 3, 1, 2, 4)
    with pytest.raises(ValidationError, match="five scores"):
        PedigreeScores.of((1, 2, 3))
    with pytest.raises(ValidationError, match="less than or equal to 5"):
        PedigreeScores.of((1, 2, 3, 4, 6))
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        PedigreeScores.of((0, 2, 3, 4, 5))


def test_weighted_scores_are_the_emission_weighted_mean() -> None:
    # 30 kgCO2e at reliability 1 and a 10 kgCO2e credit at reliability 5: (30 × 1 + 10 × 5) / 40
    means = weighted_scores([((1, 1, 1, 1, 1), 30.0), ((5, 1, 1, 1, 1), -10.0)])
    assert means["reliability"] == pytest.approx(2.0)
    assert means["technological"] == 1.0
    with pytest.raises(ValueError, match="non-zero weight"):
        weighted_scores([((1, 1, 1, 1, 1), 0.0)])
