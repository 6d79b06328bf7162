"""The Monte Carlo method (JCGM 101:2008, GUM Supplement 1; JJF 1059.2-2012).

All trials are drawn and evaluated as numpy arrays: one pass of the model program per block, no
Python loop per trial. Coverage intervals follow JCGM 101 7.7 (probabilistically symmetric and
shortest), the adaptive procedure 7.9, and the validation of the law of propagation clause 8.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dualcarbon._typing import FloatArray
from dualcarbon.errors import DualcarbonError
from dualcarbon.uncertainty.gum import GumResult
from dualcarbon.uncertainty.model import MeasurementModel

MAX_ADAPTIVE_TRIALS = 50_000_000


class MonteCarloError(DualcarbonError, ValueError):
    pass


@dataclass(frozen=True)
class McmResult:
    output: str
    value: float
    u: float
    interval: tuple[float, float]
    shortest_interval: tuple[float, float]
    coverage: float
    trials: int
    histogram: tuple[tuple[float, ...], tuple[int, ...]]
    """Bin edges and counts over the central 99.9 % of the trials (100 bins), for plotting."""


@dataclass(frozen=True)
class Validation:
    """JCGM 101 clause 8: does the law of propagation agree with Monte Carlo within δ?"""

    tolerance: float
    d_low: float
    d_high: float

    @property
    def passed(self) -> bool:
        return self.d_low <= self.tolerance and self.d_high <= self.tolerance


def numerical_tolerance(u: float, significant_digits: int = 2) -> float:
    """δ = ½·10^ℓ where u written to ``significant_digits`` digits is c·10^ℓ (JCGM 101 7.9.2)."""
    if u <= 0:
        return 0.0
    exponent = math.floor(math.log10(u)) - (significant_digits - 1)
    return 0.5 * 10.0**exponent


def draw(model: MeasurementModel, rng: np.random.Generator, trials: int) -> dict[str, FloatArray]:
    """Samples of every input; correlated inputs jointly (multivariate normal or t)."""
    samples: dict[str, FloatArray] = {}
    for group in model.correlated_groups():
        if len(group) == 1:
            (name,) = group
            samples[name] = model.inputs[name].sample(rng, trials)
            continue
        quantities = [model.inputs[name] for name in group]
        kinds = {q.kind for q in quantities}
        dofs = {q.dof for q in quantities}
        if not kinds <= {"normal", "t"} or len(dofs) != 1:
            raise MonteCarloError(
                f"correlated inputs {', '.join(group)} must all be normal, or all t with the same "
                "degrees of freedom (JCGM 101 6.4.8: multivariate normal / t)"
            )
        correlation = np.array([[model.correlation(a, b) for b in group] for a in group])
        z = rng.multivariate_normal(np.zeros(len(group)), correlation, trials, method="eigh")
        (dof,) = dofs
        if not math.isinf(dof):
            z = z / np.sqrt(rng.chisquare(dof, trials) / dof)[:, None]
        for index, q in enumerate(quantities):
            samples[q.name] = q.value + q.u * z[:, index]
    return samples


def _evaluate(model: MeasurementModel, samples: dict[str, FloatArray]) -> dict[str, FloatArray]:
    outputs = model.evaluate(samples)
    return {
        name: np.broadcast_to(np.asarray(v, dtype=float), (len(next(iter(samples.values()))),))
        for name, v in outputs.items()
    }


def coverage_intervals(
    values: FloatArray, coverage: float
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Probabilistically symmetric and shortest intervals from M trials (JCGM 101 7.7)."""
    ordered = np.sort(values)
    m = ordered.size
    exact = coverage * m
    q = int(exact) if float(exact).is_integer() else int(exact + 0.5)
    if q >= m:
        raise MonteCarloError("too few trials for this coverage probability")
    r = (m - q) // 2 if (m - q) % 2 == 0 else (m - q + 1) // 2
    symmetric = (float(ordered[r - 1]), float(ordered[r + q - 1]))
    widths = ordered[q:] - ordered[: m - q]
    start = int(np.argmin(widths))
    shortest = (float(ordered[start]), float(ordered[start + q]))
    return symmetric, shortest


def summarise(output: str, values: FloatArray, coverage: float) -> McmResult:
    """The trials of one output: mean, u, the probabilistically symmetric and the shortest
    coverage intervals (JCGM 101 7.7), and a histogram to plot."""
    finite = values[np.isfinite(values)]
    if finite.size < values.size:
        raise MonteCarloError(
            f"{output}: {values.size - finite.size} trials gave no finite value (the model leaves "
            "its domain for some input draws, e.g. log or sqrt of a negative number)"
        )
    symmetric, shortest = coverage_intervals(values, coverage)
    # The picture spans the central 99.9 %: heavy tails (t inputs) would squeeze it otherwise.
    low, high = (float(x) for x in np.quantile(values, [0.0005, 0.9995]))
    counts, edges = np.histogram(np.asarray(values, dtype=float), bins=100, range=(low, high))
    return McmResult(
        output=output,
        value=float(values.mean()),
        u=float(values.std(ddof=1)),
        interval=symmetric,
        shortest_interval=shortest,
        coverage=coverage,
        trials=values.size,
        histogram=(tuple(float(e) for e in edges), tuple(int(c) for c in counts)),
    )


def monte_carlo(
    model: MeasurementModel,
    *,
    coverage: float = 0.95,
    trials: int | None = 1_000_000,
    seed: int | None = None,
    significant_digits: int = 2,
) -> dict[str, McmResult]:
    """Propagate the input distributions; ``trials=None`` runs the adaptive procedure (7.9)."""
    rng = np.random.default_rng(seed)
    if trials is not None:
        if trials < 100:
            raise MonteCarloError("use at least 100 trials")
        outputs = _evaluate(model, draw(model, rng, trials))
        return {name: summarise(name, values, coverage) for name, values in outputs.items()}
    return _adaptive(model, rng, coverage, significant_digits)


def _adaptive(
    model: MeasurementModel, rng: np.random.Generator, coverage: float, digits: int
) -> dict[str, McmResult]:
    """JCGM 101 7.9.4: blocks of M = max(⌈100/(1−p)⌉, 10⁴) trials until, for y, u and both
    interval ends, twice the standard deviation of the block means is at most δ."""
    block = max(math.ceil(100 / (1 - coverage)), 10_000)
    kept: dict[str, list[FloatArray]] = {name: [] for name in model.outputs}
    stats: dict[str, list[tuple[float, float, float, float]]] = {n: [] for n in model.outputs}
    while True:
        outputs = _evaluate(model, draw(model, rng, block))
        for name, values in outputs.items():
            kept[name].append(values)
            summary = summarise(name, values, coverage)
            stats[name].append((summary.value, summary.u, *summary.interval))
        h = len(next(iter(stats.values())))
        if h >= 2 and all(_stable(rows, digits) for rows in stats.values()):
            break
        if h * block >= MAX_ADAPTIVE_TRIALS:
            raise MonteCarloError(
                f"not stabilised after {h * block} trials; give a fixed number of trials"
            )
    return {
        name: summarise(name, np.concatenate(blocks), coverage) for name, blocks in kept.items()
    }


def _stable(rows: list[tuple[float, float, float, float]], digits: int) -> bool:
    table = np.array(rows)
    h = table.shape[0]
    spread = table.std(axis=0, ddof=1) / math.sqrt(h)
    tolerance = numerical_tolerance(float(table[:, 1].mean()), digits)
    return bool(np.all(2 * spread <= tolerance))


def validate(gum: GumResult, mcm: McmResult, significant_digits: int = 2) -> Validation:
    """JCGM 101 8.2: d_low = |y − U − y_low|, d_high = |y + U − y_high|, both ≤ δ of u(y)."""
    tolerance = numerical_tolerance(gum.u, significant_digits)
    low, high = gum.interval
    return Validation(
        tolerance=tolerance,
        d_low=abs(low - mcm.interval[0]),
        d_high=abs(high - mcm.interval[1]),
    )
