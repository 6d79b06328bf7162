"""Type A evaluation of a straight-line calibration (JCGM 100 H.3; JJF 1059.1 附录).

b(t) = y₁ + y₂(t − t₀) fitted by ordinary least squares to n points gives two correlated input
quantities with ν = n − 2: the intercept at t₀ and the slope. A prediction at t is then the model
``b = y1 + y2 * (t - t0)`` with their correlation (GUM H.3.4–H.3.5).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dualcarbon.uncertainty.distributions import InputQuantity, normal


@dataclass(frozen=True)
class LineFit:
    intercept: InputQuantity
    slope: InputQuantity
    correlation: float
    residual_sd: float
    """s = √(Σ residual² / (n − 2)), GUM H.3.3."""

    @property
    def correlations(self) -> list[tuple[str, str, float]]:
        return [(self.intercept.name, self.slope.name, self.correlation)]


def straight_line_fit(
    x: Sequence[float],
    y: Sequence[float],
    *,
    x0: float = 0.0,
    names: tuple[str, str] = ("y1", "y2"),
) -> LineFit:
    r"""Least-squares line through (x, y) with the intercept at ``x0``.

    .. math::
        y_2 = \frac{\sum (θ_k − \bar θ)(b_k − \bar b)}{\sum (θ_k − \bar θ)^2},\quad
        y_1 = \bar b − y_2 \bar θ,\quad θ = x − x_0

        u^2(y_2) = s^2 / S_{θθ},\quad u^2(y_1) = s^2 (1/n + \bar θ^2 / S_{θθ}),\quad
        u(y_1, y_2) = −\bar θ s^2 / S_{θθ}

    References
    ----------
    JCGM 100:2008 H.3.2–H.3.3, eqs. (H.13)–(H.14).
    """
    theta = np.asarray(x, dtype=float) - x0
    b = np.asarray(y, dtype=float)
    n = theta.size
    if n != b.size or n < 3:
        raise ValueError("a straight-line fit needs the same number of x and y, at least three")
    mean_theta = float(theta.mean())
    s_tt = float(((theta - mean_theta) ** 2).sum())
    if s_tt == 0:
        raise ValueError("all x are equal: the slope is undetermined")
    slope = float(((theta - mean_theta) * (b - b.mean())).sum() / s_tt)
    intercept = float(b.mean() - slope * mean_theta)
    residuals = b - (intercept + slope * theta)
    s2 = float((residuals**2).sum() / (n - 2))
    u_slope = math.sqrt(s2 / s_tt)
    u_intercept = math.sqrt(s2 * (1 / n + mean_theta**2 / s_tt))
    correlation = -mean_theta * s2 / s_tt / (u_slope * u_intercept)
    return LineFit(
        intercept=normal(names[0], intercept, u_intercept, dof=n - 2),
        slope=normal(names[1], slope, u_slope, dof=n - 2),
        correlation=correlation,
        residual_sd=math.sqrt(s2),
    )
