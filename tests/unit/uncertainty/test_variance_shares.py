"""Variance shares counting covariances: c_i (V c)_i / u²(y) (JCGM 100 eq. (13) by rows)."""

from __future__ import annotations

import pytest

from dualcarbon.uncertainty.distributions import normal
from dualcarbon.uncertainty.gum import law_of_propagation, variance_shares
from dualcarbon.uncertainty.model import MeasurementModel


def test_without_correlations_they_are_the_budget_shares() -> None:
    model = MeasurementModel.build(
        ["y = a*b + c"], [normal("a", 2, 0.1), normal("b", 3, 0.2), normal("c", 1, 0.3)]
    )
    shares = variance_shares(model, "y")
    budget = {c.input: c.variance_share for c in law_of_propagation(model).results["y"].budget}
    assert shares == pytest.approx(budget, rel=1e-12)


def test_with_a_correlation_they_sum_to_one_and_can_go_negative() -> None:
    """y = a + b with u(a) = 1, u(b) = 0.5, r = −0.8: u²(y) = 1 + 0.25 − 0.8 = 0.45; a's share is
    (1 − 0.4)/0.45, b's (0.25 − 0.4)/0.45 < 0."""
    model = MeasurementModel.build(
        ["y = a + b"], [normal("a", 0, 1.0), normal("b", 0, 0.5)], [("a", "b", -0.8)]
    )
    shares = variance_shares(model, "y")
    assert shares["a"] == pytest.approx(0.6 / 0.45, rel=1e-12)
    assert shares["b"] == pytest.approx(-0.15 / 0.45, rel=1e-12)
    assert sum(shares.values()) == pytest.approx(1.0, rel=1e-12)
