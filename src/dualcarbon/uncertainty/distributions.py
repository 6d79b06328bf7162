"""Input quantities: the state-of-knowledge distributions of JCGM 101 6.4 and their GUM summaries.

Each input gives its estimate ``value``, standard uncertainty ``u`` and degrees of freedom ``dof``
for the law of propagation, and draws Monte Carlo samples, vectorised, for JCGM 101.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from dualcarbon._typing import FloatArray

Kind = Literal[
    "normal",
    "t",
    "rectangular",
    "triangular",
    "trapezoidal",
    "curvilinear_trapezoid",
    "arcsine",
    "lognormal",
    "constant",
]


@dataclass(frozen=True)
class InputQuantity:
    """One input X_i of a measurement model."""

    name: str
    kind: Kind
    value: float
    u: float
    dof: float = math.inf
    lower: float | None = None
    upper: float | None = None
    mode: float | None = None
    beta: float | None = None
    observations: tuple[float, ...] = field(default=())

    @property
    def distribution(self) -> str:
        """How a budget table names it."""
        return "Type A" if self.observations else self.kind

    def sample(self, rng: np.random.Generator, trials: int) -> FloatArray:
        """``trials`` draws from this input's distribution (JCGM 101 6.4 and 6.4.9)."""
        if self.kind == "constant":
            return np.full(trials, self.value)
        if self.kind == "normal":
            return rng.normal(self.value, self.u, trials)
        if self.kind == "t":
            # JCGM 101 6.4.9: scaled and shifted t; the scale is the GUM standard uncertainty.
            return self.value + self.u * rng.standard_t(self.dof, trials)
        if self.kind == "lognormal":
            # expectation = value and standard deviation = u
            sigma2 = math.log1p((self.u / self.value) ** 2)
            mu = math.log(abs(self.value)) - sigma2 / 2
            return math.copysign(1.0, self.value) * rng.lognormal(mu, math.sqrt(sigma2), trials)
        assert self.lower is not None and self.upper is not None
        a, b = self.lower, self.upper
        if self.kind == "rectangular":
            return rng.uniform(a, b, trials)
        if self.kind == "triangular":
            mode = self.mode if self.mode is not None else (a + b) / 2
            return rng.triangular(a, mode, b, trials)
        if self.kind == "trapezoidal":
            # JCGM 101 6.4.4: the sum of two rectangular variables of half-widths (1±β)(b−a)/4.
            beta = self.beta or 0.0
            r1, r2 = rng.uniform(-1, 1, trials), rng.uniform(-1, 1, trials)
            return (a + b) / 2 + (b - a) / 4 * ((1 + beta) * r1 + (1 - beta) * r2)
        if self.kind == "curvilinear_trapezoid":
            # JCGM 101 6.4.3.4: a half-width itself uncertain, uniform on [a − d, a + d]
            assert self.beta is not None
            half = (b - a) / 2 - self.beta + 2 * self.beta * rng.random(trials)
            return (a + b) / 2 + half * (2 * rng.random(trials) - 1)
        if self.kind == "arcsine":
            # JCGM 101 6.4.6: x + a·sin(2πR), R uniform on [0, 1).
            return (a + b) / 2 + (b - a) / 2 * np.sin(2 * np.pi * rng.random(trials))
        raise AssertionError(f"no sampler for {self.kind}")


def normal(name: str, value: float, u: float, dof: float = math.inf) -> InputQuantity:
    """Normal (or, with finite ``dof``, a t-distribution scaled by ``u``), JCGM 101 6.4.7/6.4.9."""
    _positive(name, u)
    return InputQuantity(name, "normal" if math.isinf(dof) else "t", value, u, dof)


def t_distribution(name: str, value: float, u: float, dof: float) -> InputQuantity:
    _positive(name, u)
    if not dof > 0:
        raise ValueError(f"{name}: degrees of freedom must be positive")
    return InputQuantity(name, "t", value, u, dof)


def rectangular(name: str, lower: float, upper: float) -> InputQuantity:
    """Rectangular on [lower, upper]: u = (b − a)/√12, JCGM 100 4.3.7."""
    _ordered(name, lower, upper)
    return InputQuantity(
        name,
        "rectangular",
        (lower + upper) / 2,
        (upper - lower) / math.sqrt(12),
        lower=lower,
        upper=upper,
    )


def triangular(name: str, lower: float, upper: float, mode: float | None = None) -> InputQuantity:
    """Triangular on [a, b] with mode c: u² = (a² + b² + c² − ab − ac − bc)/18, JCGM 101 6.4.5."""
    _ordered(name, lower, upper)
    c = (lower + upper) / 2 if mode is None else mode
    if not lower <= c <= upper:
        raise ValueError(f"{name}: mode must lie between lower and upper")
    a, b = lower, upper
    variance = (a * a + b * b + c * c - a * b - a * c - b * c) / 18
    return InputQuantity(
        name, "triangular", (a + b + c) / 3, math.sqrt(variance), lower=a, upper=b, mode=c
    )


def trapezoidal(name: str, lower: float, upper: float, beta: float) -> InputQuantity:
    """Symmetric trapezoid, β = top/base: u² = (b − a)²(1 + β²)/24, JCGM 101 6.4.4."""
    _ordered(name, lower, upper)
    if not 0 <= beta <= 1:
        raise ValueError(f"{name}: beta must be between 0 and 1")
    u = (upper - lower) * math.sqrt((1 + beta * beta) / 24)
    return InputQuantity(
        name, "trapezoidal", (lower + upper) / 2, u, lower=lower, upper=upper, beta=beta
    )


def curvilinear_trapezoid(
    name: str, value: float, half_width: float, half_width_uncertainty: float
) -> InputQuantity:
    """Rectangular of half-width a known only to ±d (uniform): u² = a²/3 + d²/9, JCGM 101 6.4.3.

    ``half_width_uncertainty`` is d; it is stored in ``beta`` for the sampler.
    """
    _positive(name, half_width)
    d = half_width_uncertainty
    if not 0 <= d <= half_width:
        raise ValueError(f"{name}: half_width_uncertainty must be between 0 and half_width")
    u = math.sqrt(half_width**2 / 3 + d**2 / 9)
    return InputQuantity(
        name,
        "curvilinear_trapezoid",
        value,
        u,
        lower=value - half_width,
        upper=value + half_width,
        beta=d,
    )


def arcsine(name: str, value: float, half_width: float) -> InputQuantity:
    """Arcsine (U-shaped) on value ± a: u = a/√2, JCGM 101 6.4.6."""
    _positive(name, half_width)
    return InputQuantity(
        name,
        "arcsine",
        value,
        half_width / math.sqrt(2),
        lower=value - half_width,
        upper=value + half_width,
    )


def lognormal(name: str, value: float, u: float) -> InputQuantity:
    """Lognormal with expectation ``value`` and standard deviation ``u``."""
    _positive(name, u)
    if value == 0:
        raise ValueError(f"{name}: a lognormal input needs a non-zero value")
    return InputQuantity(name, "lognormal", value, u)


def constant(name: str, value: float) -> InputQuantity:
    return InputQuantity(name, "constant", value, 0.0)


def type_a(name: str, observations: list[float] | tuple[float, ...]) -> InputQuantity:
    """Type A evaluation (JCGM 100 4.2): mean, u = s/√n, ν = n − 1.

    Monte Carlo draws the scaled and shifted t_{n−1} of JCGM 101 6.4.9.
    """
    n = len(observations)
    if n < 2:
        raise ValueError(f"{name}: a Type A evaluation needs at least two observations")
    data = np.asarray(observations, dtype=float)
    mean = float(data.mean())
    u = float(data.std(ddof=1) / math.sqrt(n))
    return InputQuantity(name, "t", mean, u, n - 1, observations=tuple(float(x) for x in data))


def from_accuracy(name: str, value: float, relative_mpe: float) -> InputQuantity:
    """A reading from an instrument with maximum permissible error ±MPE (relative, e.g. 0.005).

    The MPE bounds the error with no further knowledge: rectangular, u = MPE·|x|/√3
    (JCGM 100 4.3.7).
    """
    half_width = abs(value) * relative_mpe
    return rectangular(name, value - half_width, value + half_width)


def _positive(name: str, u: float) -> None:
    if not u >= 0 or math.isinf(u):
        raise ValueError(f"{name}: standard uncertainty must be a finite number ≥ 0")


def _ordered(name: str, lower: float, upper: float) -> None:
    if not lower < upper:
        raise ValueError(f"{name}: lower must be below upper")
