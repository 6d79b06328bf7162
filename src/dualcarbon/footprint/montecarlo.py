r"""Monte Carlo over the exchanges' uncertainties: the distribution of the score.

Each draw resamples every uncertain exchange of :math:`A` and :math:`B` and solves
:math:`A_k s_k = f`, scoring :math:`h_k = \sum_e c_{r(e)}\,m_{k,r(e)}\,b_{k,e}\,s_{k,c(e)}`.
An exchange follows its stats_arrays distribution in the matrix's own units: lognormal about its
value (the median, as ecoinvent puts it: :math:`a\,e^{\sigma z}`), normal about it (σ in the
value's units), uniform on [low, high], or triangular on [low, high] with its value as the mode.
:math:`m_k` holds one multiplier per row of :math:`B` drawn once per draw: the uncertainty of a
background or electricity factor, which every exchange using that product shares — the draws of
one factor are correlated across its uses, as they are one number in the world.

What makes it fast is what a draw does *not* do. It builds no new matrix structure: the sampled
amounts are poured into the CSR slots fixed once (duplicate exchanges of a slot are sampled
separately and summed). It makes no factorisation: the solve is the checked iteration of
:mod:`dualcarbon.footprint.solver`, started from the deterministic supply, which a draw's small
perturbation leaves close to the answer; a draw whose iteration does not converge is solved by its
own LU factorisation, so every score satisfies :math:`A_k s_k = f` to the solver's tolerance. The
random numbers for a batch of draws come in one call, and :math:`B_k` is never built: the score
is one dot product over the biosphere exchanges.

Runs are reproducible: the same ``seed`` gives the same scores, whatever the batch size. The
draws come from three PCG64 streams spawned from ``numpy.random.SeedSequence(seed)``, for
:math:`A`, :math:`B` and the row multipliers. Per batch a stream gives first one standard normal
per lognormal or normal element (in element order, draw after draw), then one uniform per uniform
or triangular element.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from dualcarbon.footprint.solver import RTOL, TechnosphereSolver, Vector, inverse_diagonal, iterate

Index = NDArray[np.int64]


NONE, LOGNORMAL, NORMAL, UNIFORM, TRIANGULAR = 1, 2, 3, 4, 5
"""stats_arrays distribution ids (0, undefined, is sampled as none)."""


@dataclass(frozen=True)
class Spread:
    """How each of ``values`` varies from draw to draw: ``kind`` a stats_arrays id per element;
    ``sigma`` the σ of ln|x| (lognormal) or the standard deviation (normal); ``low``/``high`` the
    bounds (uniform, triangular — whose mode is the value). All in the values' units."""

    values: Vector
    kind: Index
    sigma: Vector
    low: Vector
    high: Vector

    def __post_init__(self) -> None:
        n = len(self.values)
        if {len(self.kind), len(self.sigma), len(self.low), len(self.high)} != {n}:
            raise ValueError("one kind, sigma, low and high per value")
        kind = self.kind
        if not np.all(np.isin(kind, (0, NONE, LOGNORMAL, NORMAL, UNIFORM, TRIANGULAR))):
            raise ValueError("kind must be a stats_arrays id 0–5")
        gaussian = (kind == LOGNORMAL) | (kind == NORMAL)
        if np.any(~np.isfinite(self.sigma[gaussian])) or np.any(self.sigma[gaussian] < 0):
            raise ValueError("sigma must be finite and not negative")
        if np.any((kind == LOGNORMAL) & (self.sigma > 0) & (self.values == 0)):
            raise ValueError("a lognormal amount cannot be zero")
        bounded = (kind == UNIFORM) | (kind == TRIANGULAR)
        if np.any(~(self.low[bounded] < self.high[bounded])):
            raise ValueError("low must be below high")
        triangular = kind == TRIANGULAR
        v = self.values[triangular]
        if np.any((v < self.low[triangular]) | (v > self.high[triangular])):
            raise ValueError("a triangular mode lies within [low, high]")

    @classmethod
    def lognormal(cls, values: Vector, sigma: Vector) -> Spread:
        kind = np.where(sigma > 0, LOGNORMAL, NONE).astype(np.int64)
        zeros = np.zeros(len(values))
        return cls(values, kind, np.asarray(sigma, dtype=np.float64), zeros, zeros)

    @classmethod
    def exact(cls, values: Vector) -> Spread:
        return cls.lognormal(values, np.zeros(len(values)))

    def draw(self, rng: np.random.Generator, draws: int) -> NDArray[np.float64]:
        """``draws`` × elements: the values of each draw (module docstring for the stream)."""
        out = np.broadcast_to(self.values, (draws, len(self.values))).copy()
        kind = self.kind
        gaussian = np.flatnonzero(((kind == LOGNORMAL) | (kind == NORMAL)) & (self.sigma > 0))
        if len(gaussian):
            z = rng.standard_normal((draws, len(gaussian))) * self.sigma[gaussian]
            log = kind[gaussian] == LOGNORMAL
            out[:, gaussian[log]] *= np.exp(z[:, log])
            out[:, gaussian[~log]] += z[:, ~log]
        bounded = np.flatnonzero((kind == UNIFORM) | (kind == TRIANGULAR))
        if len(bounded):
            u = rng.random((draws, len(bounded)))
            low, high = self.low[bounded], self.high[bounded]
            width = high - low
            uniform = kind[bounded] == UNIFORM
            out[:, bounded[uniform]] = low[uniform] + u[:, uniform] * width[uniform]
            tri = ~uniform
            if np.any(tri):
                # inverse CDF of the triangular law on [a, b] with mode m
                a, b, m, ut = low[tri], high[tri], self.values[bounded[tri]], u[:, tri]
                split = (m - a) / (b - a)
                left = a + np.sqrt(ut * (b - a) * (m - a))
                right = b - np.sqrt((1.0 - ut) * (b - a) * (b - m))
                out[:, bounded[tri]] = np.where(ut < split, left, right)
        return out


@dataclass(frozen=True)
class UncertainMatrix:
    """A sparse matrix as its exchanges: ``values[e]`` at ``(rows[e], cols[e])``, each with the
    σ of its lognormal (of :math:`\\ln |a|`; 0 for an exact amount), or — when ``kind`` is
    given — any stats_arrays law as :class:`Spread` describes it. Signs are kept: an input of
    :math:`A` is negative and stays so."""

    rows: Index
    cols: Index
    values: Vector
    sigma: Vector
    shape: tuple[int, int]
    kind: Index | None = None
    low: Vector | None = None
    high: Vector | None = None

    def __post_init__(self) -> None:
        sizes = {len(self.rows), len(self.cols), len(self.values), len(self.sigma)}
        if len(sizes) != 1:
            raise ValueError("rows, cols, values and sigma must have one entry per exchange")
        self.spread()  # checks the distributions

    def spread(self) -> Spread:
        if self.kind is None:
            if np.any(self.sigma < 0) or not np.all(np.isfinite(self.sigma)):
                raise ValueError("sigma must be finite and not negative")
            return Spread.lognormal(self.values, self.sigma)
        zeros = np.zeros(len(self.values))
        return Spread(
            self.values,
            self.kind,
            self.sigma,
            zeros if self.low is None else self.low,
            zeros if self.high is None else self.high,
        )

    def matrix(self, values: Vector | None = None) -> sparse.csr_matrix:
        data = self.values if values is None else values
        return sparse.csr_matrix((data, (self.rows, self.cols)), shape=self.shape)


@dataclass
class _Slots:
    """Where each exchange lands in the CSR arrays of its matrix, fixed once."""

    template: sparse.csr_matrix
    slot: Index

    @classmethod
    def of(cls, matrix: UncertainMatrix) -> _Slots:
        n_rows, n_cols = matrix.shape
        keys = matrix.rows.astype(np.int64) * n_cols + matrix.cols.astype(np.int64)
        unique, slot = np.unique(keys, return_inverse=True)
        rows, cols = np.divmod(unique, n_cols)
        # unique keys are sorted by row, then column: exactly CSR order
        indptr = np.searchsorted(rows, np.arange(n_rows + 1))
        template = sparse.csr_matrix(
            (np.zeros(len(unique)), cols.astype(np.int32), indptr), shape=matrix.shape
        )
        return cls(template, slot.astype(np.int64))

    def fill(self, values: Vector) -> sparse.csr_matrix:
        data = np.bincount(self.slot, weights=values, minlength=self.template.nnz)
        filled = self.template.copy()
        filled.data = data
        return filled


@dataclass
class MonteCarloResult:
    scores: Vector
    deterministic: float
    iterative_draws: int
    direct_draws: int
    seed: int
    exact_technosphere: bool = False
    """Nothing in A varies: every draw shares the one exact supply, and no draw is solved."""
    draws: int = field(init=False)

    def __post_init__(self) -> None:
        self.draws = len(self.scores)

    def interval(self, coverage: float = 0.95) -> tuple[float, float]:
        """The probabilistically symmetric interval of the scores."""
        tail = (1.0 - coverage) / 2.0
        low, high = np.quantile(self.scores, [tail, 1.0 - tail])
        return float(low), float(high)


def monte_carlo(
    technosphere: UncertainMatrix,
    biosphere: UncertainMatrix,
    characterisation: Vector,
    demand: Vector,
    draws: int,
    *,
    factors: Spread | None = None,
    seed: int = 0,
    batch: int = 32,
    rtol: float = RTOL,
    progress: Callable[[int], None] | None = None,
) -> MonteCarloResult:
    """Scores of ``draws`` joint draws of :math:`A` and :math:`B` for ``demand``.

    ``characterisation`` holds one factor per biosphere flow (row of :math:`B`); ``factors``, if
    given, one multiplier per row (values 1) drawn once per draw and shared by the row's entries.
    ``progress`` is told the number of draws done after each batch.
    """
    if draws < 1:
        raise ValueError("draws must be at least 1")
    # one stream each for A, B and the row factors: the draws do not depend on the batch size
    stream_a, stream_b, stream_m = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3)
    )
    spread_a, spread_b = technosphere.spread(), biosphere.spread()
    if factors is not None and (
        len(factors.values) != biosphere.shape[0] or np.any(factors.values != 1.0)
    ):
        raise ValueError("factors: one multiplier per row of B, each of value 1")
    slots = _Slots.of(technosphere)
    base = slots.fill(technosphere.values)
    solver = TechnosphereSolver(base, rtol=rtol)
    mean_supply = solver.solve(demand)
    weights = np.asarray(characterisation, dtype=np.float64)[biosphere.rows]
    deterministic = float(np.dot(weights * biosphere.values, mean_supply[biosphere.cols]))
    kind_a = spread_a.kind
    varies = ((kind_a == LOGNORMAL) | (kind_a == NORMAL)) & (spread_a.sigma > 0) | (
        kind_a >= UNIFORM
    )
    diagonal_fixed = not np.any(technosphere.rows[varies] == technosphere.cols[varies])
    exact_technosphere = not np.any(varies)
    inverse_diag = inverse_diagonal(base)
    scores = np.empty(draws)
    iterative = direct = 0
    for start in range(0, draws, batch):
        size = min(batch, draws - start)
        sampled_b = spread_b.draw(stream_b, size) * weights
        if factors is not None:
            sampled_b *= factors.draw(stream_m, size)[:, biosphere.rows]
        if exact_technosphere:
            # the supply does not vary: only B's draws move the score (A's stream is its own,
            # so B's draws are those of a run where A varies)
            scores[start : start + size] = sampled_b @ mean_supply[biosphere.cols]
            if progress is not None:
                progress(start + size)
            continue
        sampled_a = spread_a.draw(stream_a, size)
        for k in range(size):
            matrix = slots.fill(sampled_a[k])
            supply = iterate(
                matrix,
                demand,
                guess=mean_supply,
                inverse_diag=inverse_diag if diagonal_fixed else None,
                rtol=rtol,
            )
            if supply is None:
                supply = TechnosphereSolver(matrix, method="direct", rtol=rtol).solve(demand)
                direct += 1
            else:
                iterative += 1
            scores[start + k] = np.dot(sampled_b[k], supply[biosphere.cols])
        if progress is not None:
            progress(start + size)
    return MonteCarloResult(scores, deterministic, iterative, direct, seed, exact_technosphere)
