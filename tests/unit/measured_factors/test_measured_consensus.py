"""The consensus of enterprise means (DerSimonian & Laird 1986), checked by hand and against
statsmodels' independent implementation (``statsmodels.stats.meta_analysis.combine_effects``)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from statsmodels.stats.meta_analysis import combine_effects

from dualcarbon.measured_factors.consensus import consensus


def test_a_hand_computed_case() -> None:
    """y = (1, 2, 4), u² = (0.1, 0.2, 0.3): w = (10, 5, 10/3), Σw = 55/3, ȳ_w = 20/11,
    Q = 250/11, Σw − Σw²/Σw = 120/11, so τ² = (250/11 − 2)/(120/11) = 1.9 exactly;
    w* = 1/(u² + 1.9) = (1/2, 1/2.1, 1/2.2) and μ = Σw*y/Σw*."""
    found = consensus([1.0, 2.0, 4.0], [math.sqrt(0.1), math.sqrt(0.2), math.sqrt(0.3)])
    assert found.method == "random_effects"
    assert found.tau**2 == pytest.approx(1.9, rel=1e-12)
    weights = [1 / 2.0, 1 / 2.1, 1 / 2.2]
    assert found.value == pytest.approx(
        (weights[0] * 1 + weights[1] * 2 + weights[2] * 4) / sum(weights), rel=1e-12
    )
    assert found.u == pytest.approx(1 / math.sqrt(sum(weights)), rel=1e-12)


# statsmodels takes the square root of a negative HKSJ variance it does not need here
@pytest.mark.filterwarnings("ignore:invalid value encountered in sqrt:RuntimeWarning")
@pytest.mark.parametrize("seed", range(12))
def test_agrees_with_statsmodels(seed: int) -> None:
    rng = np.random.default_rng(seed)
    k = int(rng.integers(3, 30))
    u = rng.uniform(0.05, 0.6, k)
    means = 26.5 + rng.normal(0.0, rng.uniform(0.0, 0.8), k) + rng.normal(0.0, u)
    found = consensus(list(means), list(u))
    reference = combine_effects(means, u**2, method_re="dl")
    if reference.tau2 > 0.0:
        assert found.tau**2 == pytest.approx(reference.tau2, rel=1e-9)
        assert found.value == pytest.approx(reference.mean_effect_re, rel=1e-12)
        assert found.u == pytest.approx(reference.sd_eff_w_re, rel=1e-9)
    else:
        # DerSimonian and Laird truncate τ² at zero, which leaves the fixed-effect weights;
        # statsmodels keeps a negative τ² in its random-effects weights, so compare with its
        # fixed-effect figures
        assert found.tau == 0.0
        assert found.value == pytest.approx(reference.mean_effect_fe, rel=1e-12)
        assert found.u == pytest.approx(reference.sd_eff_w_fe, rel=1e-9)


def test_equal_means_have_no_spread_and_the_fixed_effect_uncertainty() -> None:
    found = consensus([0.0266, 0.0266, 0.0266], [0.0002, 0.0003, 0.0004])
    assert found.tau == 0.0
    assert found.u == pytest.approx(1 / math.sqrt(1 / 0.0002**2 + 1 / 0.0003**2 + 1 / 0.0004**2))


def test_without_every_uncertainty_the_plain_mean_of_means() -> None:
    """u(μ) = s/√k (JCGM 100 4.2.3), τ read as s."""
    found = consensus([10.0, 12.0, 14.0, 16.0], [0.1, None, 0.2, 0.1])
    s = math.sqrt(((10 - 13) ** 2 + 1 + 1 + 9) / 3)
    assert found.method == "mean_of_means"
    assert (found.value, found.tau) == (13.0, pytest.approx(s))
    assert found.u == pytest.approx(s / 2)


def test_one_enterprise_has_no_spread() -> None:
    found = consensus([0.99], [0.002])
    assert found.method == "single"
    assert (found.value, found.u) == (0.99, 0.002)
    assert math.isnan(found.tau)


def test_prediction_uncertainty_adds_the_spread() -> None:
    found = consensus([1.0, 2.0, 4.0], [math.sqrt(0.1), math.sqrt(0.2), math.sqrt(0.3)])
    assert found.prediction_u == pytest.approx(math.sqrt(1.9 + found.u**2))
