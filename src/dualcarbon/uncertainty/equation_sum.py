"""Inventory-shaped models at scale: y = Σ_g Σ_l k_l · f_g(x[index_g[l, :]]).

Every emission inventory has this shape: a total is a sum of lines, each line a formula of a few
inputs (FC × NCV × CC × OF × 44/12, a carbon mass balance, NC × (1 − S − A) × 44/12, clinker ×
factor − deductions), and an input shared by many lines (one default factor used in every month)
is one quantity, so its lines are fully correlated through it. Each group of lines shares one
equation (a calculator's, :mod:`dualcarbon.methodologies.registry`), and each variable of each
line names an input. Written this way the law of propagation needs no graph and no covariance
matrix: the sensitivity of y to x_i is

    c_i = Σ_{g, l, v : index_g[l, v] = i} k_l · ∂f_g/∂v (at line l)

with every ∂f_g/∂v taken from the equation by one reverse pass on all lines at once
(:meth:`~dualcarbon.uncertainty.expression.Equation.gradients`), gathered with ``np.bincount``
(JCGM 100 eq. (10) for independent inputs). The Monte Carlo method draws all inputs of a block of
trials in one array and evaluates each group's equation on it (JCGM 101 7.2–7.4).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from dualcarbon._typing import FloatArray
from dualcarbon.uncertainty.expression import Equation, parse_equation
from dualcarbon.uncertainty.gum import coverage_factor
from dualcarbon.uncertainty.mcm import McmResult, summarise

IntArray = np.ndarray[tuple[int, ...], np.dtype[np.intp]]


@dataclass(frozen=True)
class SumResult:
    value: float
    u: float
    dof: float
    k: float
    U: float
    coverage: float
    sensitivities: FloatArray
    """∂y/∂x_i for every input."""
    contributions: FloatArray
    """c_i · u(x_i)."""
    line_values: FloatArray
    line_u: FloatArray
    """Standard uncertainty of each line on its own (its inputs' variances, shared or not)."""

    @property
    def variance_shares(self) -> FloatArray:
        return np.asarray(
            self.contributions**2 / self.u**2 if self.u > 0 else np.zeros_like(self.contributions)
        )


@dataclass(frozen=True)
class LineGroup:
    """Lines that share one equation: which input each of its variables is, line by line."""

    equation: Equation
    index: IntArray
    """lines × the equation's inputs (in ``equation.inputs`` order); every entry names an input."""
    coefficients: FloatArray
    """k_l: the line's sign or share."""
    position: IntArray
    """Where each line stands in the model's line order (for per-line results)."""

    def __post_init__(self) -> None:
        variables = len(self.equation.inputs)
        if self.index.ndim != 2 or self.index.shape[1] != variables:
            raise ValueError(f"index must be lines × {variables} (the equation's inputs)")
        if not (self.index.shape[0] == self.coefficients.shape[0] == self.position.shape[0]):
            raise ValueError("index, coefficients and position need one row per line")

    def values(self, x: FloatArray) -> dict[str, FloatArray]:
        """The equation's variables for every line, from inputs ``x`` (…, inputs)."""
        return {name: x[..., self.index[:, j]] for j, name in enumerate(self.equation.inputs)}


@dataclass(frozen=True)
class EquationSum:
    """Inputs as arrays (normal; t where ``dof`` is finite; or rectangular) and groups of lines."""

    values: FloatArray
    u: FloatArray
    groups: Sequence[LineGroup]
    dof: FloatArray | None = None
    rectangular: np.ndarray[tuple[int, ...], np.dtype[np.bool_]] | None = None

    def __post_init__(self) -> None:
        if self.values.shape != self.u.shape:
            raise ValueError("values and u must have the same length")
        if np.any(self.u < 0):
            raise ValueError("standard uncertainties must be ≥ 0")
        for group in self.groups:
            if group.index.size and (
                group.index.min() < 0 or group.index.max() >= self.values.size
            ):
                raise ValueError("index names an input that does not exist")

    @classmethod
    def products(
        cls,
        values: FloatArray,
        u: FloatArray,
        coefficients: FloatArray,
        index: IntArray,
        dof: FloatArray | None = None,
        rectangular: np.ndarray[tuple[int, ...], np.dtype[np.bool_]] | None = None,
    ) -> EquationSum:
        """y = Σ_l k_l · Π_j x[index[l, j]] (lines × factors)."""
        if index.ndim != 2 or index.shape[0] != coefficients.shape[0]:
            raise ValueError("index must be lines × factors, one row per coefficient")
        names = [f"x{j}" for j in range(index.shape[1])]
        equation = parse_equation(f"y = {' * '.join(names)}", names)
        lines = index.shape[0]
        group = LineGroup(
            equation,
            np.asarray(index, dtype=np.intp),
            np.asarray(coefficients, dtype=float),
            np.arange(lines, dtype=np.intp),
        )
        return cls(values, u, [group], dof, rectangular)

    @classmethod
    def linear(
        cls,
        coefficients: FloatArray,
        values: FloatArray,
        u: FloatArray,
        dof: FloatArray | None = None,
    ) -> EquationSum:
        """y = Σ c_i x_i."""
        index = np.arange(values.size, dtype=np.intp)[:, None]
        return cls.products(values, u, np.asarray(coefficients, dtype=float), index, dof)

    @property
    def line_count(self) -> int:
        return sum(group.position.size for group in self.groups)

    def line_values(self, x: FloatArray) -> FloatArray:
        """k_l · f(x) of every line, in line order."""
        out = np.zeros(self.line_count)
        for group in self.groups:
            out[group.position] = group.coefficients * group.equation.evaluate(group.values(x))
        return out

    def _line_gradients(self, group: LineGroup) -> FloatArray:
        """lines × variables: k_l · ∂f/∂v at the inputs' values."""
        lines = group.position.size
        gradients = group.equation.gradients(group.values(self.values))
        columns = [
            np.broadcast_to(np.asarray(gradients[name], dtype=float), (lines,))
            for name in group.equation.inputs
        ]
        stacked = np.column_stack(columns) if columns else np.zeros((lines, 0))
        return np.asarray(group.coefficients[:, None] * stacked, dtype=float)

    def sensitivities(self) -> FloatArray:
        """∂y/∂x_i for all inputs."""
        c = np.zeros(self.values.size)
        for group in self.groups:
            weights = self._line_gradients(group)
            c += np.bincount(
                group.index.ravel(), weights=weights.ravel(), minlength=self.values.size
            )
        return c

    def gum(self, coverage: float = 0.95) -> SumResult:
        """Law of propagation (JCGM 100 5.1.2) with Welch–Satterthwaite (G.4.1)."""
        c = self.sensitivities()
        contributions = c * self.u
        variances = contributions**2
        u = float(math.sqrt(variances.sum()))
        if self.dof is None:
            dof = math.inf
        else:
            finite = np.isfinite(self.dof)
            denominator = float((variances[finite] ** 2 / self.dof[finite]).sum())
            dof = u**4 / denominator if denominator > 0 else math.inf
        k = coverage_factor(dof, coverage)
        line_values = self.line_values(self.values)
        line_u = np.zeros(self.line_count)
        for group in self.groups:
            # each line alone: Σ_v (∂line/∂x_v · u_v)²; a line naming one input twice adds its
            # two partials first, as the input is one quantity
            weights = self._line_gradients(group)
            per_line = ((weights * self.u[group.index]) ** 2).sum(axis=1)
            ordered = np.sort(group.index, axis=1)
            for row in np.nonzero((ordered[:, 1:] == ordered[:, :-1]).any(axis=1))[0]:
                summed = np.bincount(
                    group.index[row], weights=weights[row], minlength=self.values.size
                )
                per_line[row] = float(((summed * self.u) ** 2).sum())
            line_u[group.position] = np.sqrt(per_line)
        return SumResult(
            value=float(line_values.sum()),
            u=u,
            dof=dof,
            k=k,
            U=k * u,
            coverage=coverage,
            sensitivities=c,
            contributions=contributions,
            line_values=line_values,
            line_u=line_u,
        )

    def monte_carlo(
        self,
        trials: int = 1_000_000,
        *,
        coverage: float = 0.95,
        seed: int | None = None,
        block: int = 100_000,
        threads: int = 2,
    ) -> McmResult:
        """JCGM 101 with all inputs of a block drawn at once; blocks shared over ``threads``.

        Each thread owns an independent stream spawned from one seed (numpy SeedSequence), so a
        seed gives the same result for the same number of threads."""
        blocks = [min(block, trials - start) for start in range(0, trials, block)]
        streams = np.random.SeedSequence(seed).spawn(len(blocks))
        weights = self._linear_weights()
        with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
            parts = list(
                pool.map(
                    lambda job: self._block(job[0], np.random.default_rng(job[1]), weights),
                    zip(blocks, streams, strict=True),
                )
            )
        return summarise("y", np.concatenate(parts), coverage)

    def _linear_weights(self) -> FloatArray | None:
        """y = Σ w_i x_i when every line is one input as it is (``y = x``): the weights w, for
        drawing without building a trial-by-input array; else ``None``."""
        if not all(
            len(g.equation.steps) == 1 and g.equation.steps[0].op == "input" for g in self.groups
        ):
            return None
        weights = np.zeros(self.values.size)
        for group in self.groups:
            weights += np.bincount(
                group.index[:, 0], weights=group.coefficients, minlength=self.values.size
            )
        return weights

    def _block(
        self, size: int, rng: np.random.Generator, linear_weights: FloatArray | None
    ) -> FloatArray:
        n = self.values.size
        z = rng.standard_normal((size, n))
        if self.dof is not None and np.isfinite(self.dof).any():
            finite = np.isfinite(self.dof)
            chi = rng.chisquare(self.dof[finite], (size, int(finite.sum())))
            z[:, finite] /= np.sqrt(chi / self.dof[finite])
        if self.rectangular is not None and self.rectangular.any():
            flat = self.rectangular
            z[:, flat] = rng.uniform(-math.sqrt(3), math.sqrt(3), (size, int(flat.sum())))
        if linear_weights is not None:
            # y = Σ w_i (μ_i + u_i z_i) = w·μ + z @ (w·u): no trial-by-input array is rebuilt
            return np.asarray(z @ (linear_weights * self.u) + linear_weights @ self.values)
        x = self.values + z * self.u
        y = np.zeros(size)
        for group in self.groups:
            y += group.equation.evaluate(group.values(x)) @ group.coefficients
        return y
