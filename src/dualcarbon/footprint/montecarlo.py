r"""Monte Carlo over the exchanges' uncertainties: the distribution of the score.

Each draw resamples every uncertain exchange of :math:`A` and :math:`B` (lognormal about its
amount — the median, as ecoinvent and stats_arrays type 2 put it: :math:`a\,e^{\sigma z}`,
:math:`z \sim N(0,1)`), solves :math:`A_k s_k = f` and scores :math:`h_k = c^\mathsf{T} B_k s_k`.

What makes it fast is what a draw does *not* do. It builds no new matrix structure: the sampled
amounts are poured into the CSR slots fixed once (duplicate exchanges of a slot are sampled
separately and summed). It makes no factorisation: the solve is the checked iteration of
:mod:`dualcarbon.footprint.solver`, started from the deterministic supply, which a draw's small
perturbation leaves close to the answer; a draw whose iteration does not converge is solved by its
own LU factorisation, so every score satisfies :math:`A_k s_k = f` to the solver's tolerance. The
random numbers for a batch of draws come in one call, and :math:`B_k` is never built: the score
is one dot product over the biosphere exchanges.

Runs are reproducible: the same ``seed`` gives the same scores, whatever the batch size. The
draws come from two PCG64 streams spawned from ``numpy.random.SeedSequence(seed)``: the first
gives, draw after draw, one standard normal per uncertain exchange of :math:`A` (in exchange
order), the second the same for :math:`B`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from dualcarbon.footprint.solver import RTOL, TechnosphereSolver, Vector, inverse_diagonal, iterate

Index = NDArray[np.int64]


@dataclass(frozen=True)
class UncertainMatrix:
    """A sparse matrix as its exchanges: ``values[e]`` at ``(rows[e], cols[e])``, each with the
    σ of its lognormal (of :math:`\\ln |a|`; 0 for an exact amount). Signs are kept: an input
    of :math:`A` is negative and stays so."""

    rows: Index
    cols: Index
    values: Vector
    sigma: Vector
    shape: tuple[int, int]

    def __post_init__(self) -> None:
        sizes = {len(self.rows), len(self.cols), len(self.values), len(self.sigma)}
        if len(sizes) != 1:
            raise ValueError("rows, cols, values and sigma must have one entry per exchange")
        if np.any(self.sigma < 0) or not np.all(np.isfinite(self.sigma)):
            raise ValueError("sigma must be finite and not negative")
        if np.any((self.sigma > 0) & (self.values == 0)):
            raise ValueError("a lognormal amount cannot be zero")

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
    draws: int = field(init=False)

    def __post_init__(self) -> None:
        self.draws = len(self.scores)

    def interval(self, coverage: float = 0.95) -> tuple[float, float]:
        """The probabilistically symmetric interval of the scores."""
        tail = (1.0 - coverage) / 2.0
        low, high = np.quantile(self.scores, [tail, 1.0 - tail])
        return float(low), float(high)


def _sample(
    rng: np.random.Generator, matrix: UncertainMatrix, uncertain: Index, draws: int
) -> NDArray[np.float64]:
    """``draws`` × exchanges: the amounts of each draw."""
    sampled = np.broadcast_to(matrix.values, (draws, len(matrix.values))).copy()
    if len(uncertain):
        z = rng.standard_normal((draws, len(uncertain)))
        sampled[:, uncertain] *= np.exp(z * matrix.sigma[uncertain])
    return sampled


def monte_carlo(
    technosphere: UncertainMatrix,
    biosphere: UncertainMatrix,
    characterisation: Vector,
    demand: Vector,
    draws: int,
    *,
    seed: int = 0,
    batch: int = 32,
    rtol: float = RTOL,
) -> MonteCarloResult:
    """Scores of ``draws`` joint draws of :math:`A` and :math:`B` for ``demand``.

    ``characterisation`` holds one factor per biosphere flow (row of :math:`B`).
    """
    if draws < 1:
        raise ValueError("draws must be at least 1")
    # one stream for A, one for B: the draws do not depend on the batch size
    stream_a, stream_b = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    slots = _Slots.of(technosphere)
    base = slots.fill(technosphere.values)
    solver = TechnosphereSolver(base, rtol=rtol)
    mean_supply = solver.solve(demand)
    weights = np.asarray(characterisation, dtype=np.float64)[biosphere.rows]
    deterministic = float(np.dot(weights * biosphere.values, mean_supply[biosphere.cols]))
    uncertain_a = np.flatnonzero(technosphere.sigma > 0)
    uncertain_b = np.flatnonzero(biosphere.sigma > 0)
    inverse_diag = inverse_diagonal(base)
    diagonal_fixed = not np.any(technosphere.rows[uncertain_a] == technosphere.cols[uncertain_a])
    scores = np.empty(draws)
    iterative = direct = 0
    for start in range(0, draws, batch):
        size = min(batch, draws - start)
        sampled_a = _sample(stream_a, technosphere, uncertain_a, size)
        sampled_b = _sample(stream_b, biosphere, uncertain_b, size)
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
            scores[start + k] = np.dot(weights * sampled_b[k], supply[biosphere.cols])
    return MonteCarloResult(scores, deterministic, iterative, direct, seed)
