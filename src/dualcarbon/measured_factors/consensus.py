"""One value for a population of enterprises from each one's measured mean and its uncertainty.

Enterprises burn different coal: their true values differ, by a spread τ that no analysis removes.
The random-effects model (DerSimonian & Laird, *Controlled Clinical Trials* 7 (1986) 177–188)
reads each enterprise's mean yⱼ as μ + its own deviation (variance τ²) + its measurement error
(variance vⱼ = u(yⱼ)²), and estimates

    Q   = Σ wⱼ (yⱼ − ȳ_w)²,  wⱼ = 1/vⱼ
    τ²  = max(0, (Q − (k − 1)) / (Σwⱼ − Σwⱼ²/Σwⱼ))
    μ   = Σ wⱼ* yⱼ / Σ wⱼ*,  wⱼ* = 1/(vⱼ + τ²),   u(μ) = 1/√Σwⱼ*

When some enterprise's mean has no stated uncertainty the weights are unknown: μ is then the
plain mean of the means, u(μ) = s/√k (JCGM 100 4.2.3), and τ is read as s, which bounds it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Method = Literal["random_effects", "mean_of_means", "single"]


@dataclass(frozen=True)
class Consensus:
    """μ, u(μ) and the spread τ between enterprises, from k enterprise means."""

    value: float
    u: float
    tau: float
    holders: int
    method: Method

    @property
    def prediction_u(self) -> float:
        """Standard uncertainty of one more enterprise's true value: √(τ² + u(μ)²)."""
        return math.hypot(self.tau, self.u)


def consensus(means: Sequence[float], uncertainties: Sequence[float | None]) -> Consensus:
    """The consensus of enterprise means ``yⱼ`` with standard uncertainties ``u(yⱼ)``."""
    if len(means) != len(uncertainties):
        raise ValueError("one uncertainty per mean")
    k = len(means)
    if k == 0:
        raise ValueError("no means")
    if k == 1:
        u = uncertainties[0]
        return Consensus(means[0], u if u is not None else math.nan, math.nan, 1, "single")
    known = [u for u in uncertainties if u is not None and u > 0.0]
    if len(known) < k:
        mean = math.fsum(means) / k
        s = math.sqrt(math.fsum((y - mean) ** 2 for y in means) / (k - 1))
        return Consensus(mean, s / math.sqrt(k), s, k, "mean_of_means")
    weights = [1.0 / u**2 for u in known]
    total = math.fsum(weights)
    fixed = math.fsum(w * y for w, y in zip(weights, means, strict=True)) / total
    q = math.fsum(w * (y - fixed) ** 2 for w, y in zip(weights, means, strict=True))
    scale = total - math.fsum(w * w for w in weights) / total
    tau2 = max(0.0, (q - (k - 1)) / scale)
    random = [1.0 / (u**2 + tau2) for u in known]
    value = math.fsum(w * y for w, y in zip(random, means, strict=True)) / math.fsum(random)
    u = 1.0 / math.sqrt(math.fsum(random))
    return Consensus(value, u, math.sqrt(tau2), k, "random_effects")
