"""Inventory-shaped models at scale: y = Σ_l k_l · Π_j x[index[l, j]].

Every emission inventory has this shape: a total is a sum of lines, each line a product of a few
inputs (FC × NCV × CC × OF × 44/12), and an input shared by many lines (one default factor used
in every month) is one quantity, so its lines are fully correlated through it. Written this way
the law of propagation needs no graph and no covariance matrix: the sensitivity of y to x_i is

    c_i = Σ_{l, j : index[l, j] = i} k_l · Π_{j' ≠ j} x[index[l, j']]

computed for all inputs at once with ``np.bincount`` (JCGM 100 eq. (10) for independent inputs),
and the Monte Carlo method draws all inputs of a block of trials in one array (JCGM 101 7.2–7.4).
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from dualcarbon._typing import FloatArray
from dualcarbon.uncertainty.gum import coverage_factor
from dualcarbon.uncertainty.mcm import coverage_intervals

IntArray = np.ndarray[tuple[int, ...], np.dtype[np.intp]]


@dataclass(frozen=True)
class ProductSumResult:
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
class ProductSumMonteCarlo:
    value: float
    u: float
    interval: tuple[float, float]
    shortest_interval: tuple[float, float]
    coverage: float
    trials: int


@dataclass(frozen=True)
class ProductSum:
    """Inputs as arrays (normal; t where ``dof`` is finite; or rectangular) and the lines."""

    values: FloatArray
    u: FloatArray
    coefficients: FloatArray
    index: IntArray
    """lines × factors; every entry names an input."""
    dof: FloatArray | None = None
    rectangular: np.ndarray[tuple[int, ...], np.dtype[np.bool_]] | None = None

    def __post_init__(self) -> None:
        if self.index.ndim != 2 or self.index.shape[0] != self.coefficients.shape[0]:
            raise ValueError("index must be lines × factors, one row per coefficient")
        if self.values.shape != self.u.shape:
            raise ValueError("values and u must have the same length")
        if self.index.size and (self.index.min() < 0 or self.index.max() >= self.values.size):
            raise ValueError("index names an input that does not exist")
        if np.any(self.u < 0):
            raise ValueError("standard uncertainties must be ≥ 0")

    @classmethod
    def linear(
        cls,
        coefficients: FloatArray,
        values: FloatArray,
        u: FloatArray,
        dof: FloatArray | None = None,
    ) -> ProductSum:
        """y = Σ c_i x_i."""
        index = np.arange(values.size, dtype=np.intp)[:, None]
        return cls(values, u, np.asarray(coefficients, dtype=float), index, dof)

    def _line_terms(self, x: FloatArray) -> FloatArray:
        return np.asarray(self.coefficients * np.prod(x[self.index], axis=1), dtype=float)

    def sensitivities(self) -> FloatArray:
        """∂y/∂x_i for all inputs (products of the other factors; zeros handled exactly)."""
        factors = self.values[self.index]  # lines × factors
        width = factors.shape[1]
        others = np.ones_like(factors)
        # prefix and suffix products, so an input whose value is 0 still gets its derivative
        prefix = np.ones(factors.shape[0])
        for j in range(width):
            others[:, j] *= prefix
            prefix = prefix * factors[:, j]
        suffix = np.ones(factors.shape[0])
        for j in range(width - 1, -1, -1):
            others[:, j] *= suffix
            suffix = suffix * factors[:, j]
        weights = (self.coefficients[:, None] * others).ravel()
        return np.bincount(self.index.ravel(), weights=weights, minlength=self.values.size)

    def gum(self, coverage: float = 0.95) -> ProductSumResult:
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
        line_values = self._line_terms(self.values)
        # each line alone: Σ_j (∂line/∂x_j · u_j)², with the same prefix/suffix products
        relative = np.divide(
            self.u[self.index],
            np.abs(self.values[self.index]),
            out=np.zeros(self.index.shape),
            where=self.values[self.index] != 0,
        )
        line_u = np.abs(line_values) * np.sqrt((relative**2).sum(axis=1))
        return ProductSumResult(
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
    ) -> ProductSumMonteCarlo:
        """JCGM 101 with all inputs of a block drawn at once; blocks shared over ``threads``.

        Each thread owns an independent stream spawned from one seed (numpy SeedSequence), so a
        seed gives the same result for the same number of threads.
        """
        blocks = [min(block, trials - start) for start in range(0, trials, block)]
        streams = np.random.SeedSequence(seed).spawn(len(blocks))
        linear = self.index.shape[1] == 1
        if linear:
            weights = np.bincount(
                self.index[:, 0], weights=self.coefficients, minlength=self.values.size
            )
        with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
            parts = list(
                pool.map(
                    lambda job: self._block(
                        job[0], np.random.default_rng(job[1]), weights if linear else None
                    ),
                    zip(blocks, streams, strict=True),
                )
            )
        y = np.concatenate(parts)
        symmetric, shortest = coverage_intervals(y, coverage)
        return ProductSumMonteCarlo(
            value=float(y.mean()),
            u=float(y.std(ddof=1)),
            interval=symmetric,
            shortest_interval=shortest,
            coverage=coverage,
            trials=trials,
        )

    def _block(
        self, size: int, rng: np.random.Generator, linear_weights: FloatArray | None
    ) -> FloatArray:
        n = self.values.size
        z = rng.standard_normal((size, n))
        if self.dof is not None and np.isfinite(self.dof).any():
            finite = np.isfinite(self.dof)
            # scaled and shifted t (JCGM 101 6.4.9): z / sqrt(χ²_ν / ν)
            chi = rng.chisquare(self.dof[finite], (size, int(finite.sum())))
            z[:, finite] /= np.sqrt(chi / self.dof[finite])
        if self.rectangular is not None and self.rectangular.any():
            flat = self.rectangular
            z[:, flat] = rng.uniform(-math.sqrt(3), math.sqrt(3), (size, int(flat.sum())))
        if linear_weights is not None:
            # y = Σ w_i (μ_i + u_i z_i) = w·μ + z @ (w·u): no trial-by-input array is rebuilt
            return np.asarray(z @ (linear_weights * self.u) + linear_weights @ self.values)
        x = self.values + z * self.u
        return np.asarray(np.prod(x[:, self.index], axis=2) @ self.coefficients)
