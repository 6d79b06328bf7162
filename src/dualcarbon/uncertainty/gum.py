"""The law of propagation of uncertainty (JCGM 100:2008 clause 5; JJF 1059.1-2012).

u²(y) = c V cᵀ with exact sensitivity coefficients c from automatic differentiation, effective
degrees of freedom by Welch–Satterthwaite (JCGM 100 G.4.1), coverage factor from the
t-distribution (G.3) and expanded uncertainty U = k·u (6.2). Several outputs share one Jacobian and
give their covariance and correlation (JCGM 100 F.1.2.3; JCGM 102).

Correlated inputs with finite degrees of freedom are treated as an ensemble (Willink 2007, as GTC
does): their joint variance contribution counts once in Welch–Satterthwaite, with the smallest
degrees of freedom of the ensemble.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from dualcarbon._typing import FloatArray
from dualcarbon.uncertainty.model import MeasurementModel


@dataclass(frozen=True)
class Contribution:
    """One line of an uncertainty budget."""

    input: str
    value: float
    u: float
    distribution: str
    dof: float
    sensitivity: float
    contribution: float
    """c_i·u(x_i), in the output's unit."""
    variance_share: float
    """(c_i·u_i)² / u²(y): the fraction of the output variance from this input alone."""


@dataclass(frozen=True)
class GumResult:
    output: str
    value: float
    u: float
    dof: float
    k: float
    U: float
    interval: tuple[float, float]
    coverage: float
    budget: tuple[Contribution, ...]

    @property
    def relative_expanded_uncertainty(self) -> float:
        """U/|y|."""
        return self.U / abs(self.value) if self.value else math.inf


@dataclass(frozen=True)
class GumOutputs:
    results: dict[str, GumResult]
    covariance: FloatArray
    correlation: FloatArray


def coverage_factor(dof: float, coverage: float) -> float:
    """k_p = t_{(1+p)/2}(ν), with ν truncated to an integer as JCGM 100 G.4.1 directs."""
    if not 0 < coverage < 1:
        raise ValueError("coverage probability must be between 0 and 1")
    quantile = (1 + coverage) / 2
    if math.isinf(dof):
        return float(stats.norm.ppf(quantile))
    # a ν that is whole up to rounding (3.9999999999999996) stays whole
    return float(stats.t.ppf(quantile, float(max(math.floor(dof + 1e-9), 1))))


def welch_satterthwaite(u: float, contributions: list[tuple[float, float]]) -> float:
    """ν_eff = u⁴ / Σ (variance_i² / ν_i) over (variance_i, ν_i), JCGM 100 eq. (G.2b)."""
    denominator = sum(variance**2 / dof for variance, dof in contributions if not math.isinf(dof))
    if denominator == 0.0:
        return math.inf
    return u**4 / denominator


def law_of_propagation(model: MeasurementModel, coverage: float = 0.95) -> GumOutputs:
    names = model.input_names
    jacobian = model.jacobian()
    covariance_x = model.covariance()
    covariance_y = jacobian @ covariance_x @ jacobian.T
    u_y = np.sqrt(np.clip(np.diag(covariance_y), 0.0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        correlation_y = covariance_y / np.outer(u_y, u_y)
    estimates = model.evaluate(model.estimates())
    groups = [[names.index(n) for n in group] for group in model.correlated_groups()]
    results: dict[str, GumResult] = {}
    for row, output in enumerate(model.outputs):
        c = jacobian[row]
        u = float(u_y[row])
        parts = []
        for group in groups:
            block = covariance_x[np.ix_(group, group)]
            variance = float(c[group] @ block @ c[group])
            dof = min(model.inputs[names[i]].dof for i in group)
            parts.append((variance, dof))
        dof = welch_satterthwaite(u, parts)
        k = coverage_factor(dof, coverage)
        value = float(estimates[output])  # type: ignore[arg-type]
        budget = tuple(
            Contribution(
                input=name,
                value=quantity.value,
                u=quantity.u,
                distribution=quantity.distribution,
                dof=quantity.dof,
                sensitivity=float(c[i]),
                contribution=float(c[i] * quantity.u),
                variance_share=float((c[i] * quantity.u) ** 2 / u**2) if u > 0 else 0.0,
            )
            for i, (name, quantity) in enumerate(model.inputs.items())
        )
        results[output] = GumResult(
            output=output,
            value=value,
            u=u,
            dof=dof,
            k=k,
            U=k * u,
            interval=(value - k * u, value + k * u),
            coverage=coverage,
            budget=budget,
        )
    return GumOutputs(results, covariance_y, correlation_y)


def variance_shares(model: MeasurementModel, output: str) -> dict[str, float]:
    """Each input's share of u²(y) counting its covariances: :math:`c_i \\sum_j V_{ij} c_j / u^2(y)`
    (JCGM 100 eq. (13) split by rows). The shares sum to 1; with correlated inputs one can exceed
    1 or fall below 0, which the uncorrelated share :math:`(c_i u_i)^2/u^2` would hide."""
    row = model.outputs.index(output)
    c = model.jacobian()[row]
    covariance = model.covariance()
    parts = c * (covariance @ c)
    total = float(parts.sum())
    names = model.input_names
    return {names[i]: float(parts[i] / total) if total > 0 else 0.0 for i in range(len(names))}
