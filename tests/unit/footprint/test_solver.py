"""The technosphere solver: the iterative way, the direct way, and the fallback between them."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from dualcarbon.footprint.solver import (
    NotConvergedError,
    SingularTechnosphereError,
    TechnosphereSolver,
    backward_error,
)


def test_two_processes_by_hand() -> None:
    """Electricity (process 1) burns 0.2 units of coal per kWh; coal mining (process 2) uses
    0.5 kWh per unit. One kWh delivered: s1 = 1 / (1 − 0.2·0.5) = 1/0.9 kWh made,
    s2 = 0.2 · s1 = 0.2/0.9 units of coal mined (hand calculation)."""
    technosphere = sparse.csr_matrix([[1.0, -0.5], [-0.2, 1.0]])
    supply = TechnosphereSolver(technosphere).solve(np.array([1.0, 0.0]))
    assert supply == pytest.approx([1 / 0.9, 0.2 / 0.9], rel=1e-14)
    # 0.8 kg CO2 per kWh at the plant, 0.1 kg per unit of coal at the mine
    biosphere = np.array([[0.8, 0.1]])
    assert (biosphere @ supply)[0] == pytest.approx((0.8 + 0.1 * 0.2) / 0.9, rel=1e-14)


def test_iterative_and_direct_agree_on_many_demands() -> None:
    rng = np.random.default_rng(3)
    n = 300
    inputs = sparse.random(n, n, density=0.02, random_state=4, format="csc")
    inputs.setdiag(0)
    inputs.eliminate_zeros()
    column_sums = np.asarray(inputs.sum(axis=0)).ravel()
    scale = rng.uniform(0.1, 0.6, n) / np.where(column_sums > 0, column_sums, 1.0)
    technosphere = (sparse.identity(n) - inputs @ sparse.diags(scale)).tocsr()
    demands = np.zeros((n, 7))
    demands[rng.choice(n, 7, replace=False), np.arange(7)] = 1.0
    iterative = TechnosphereSolver(technosphere)
    supply = iterative.solve(demands)
    assert iterative.backend == "iterative"
    direct = TechnosphereSolver(technosphere, method="direct").solve(demands)
    # normwise per column (the smallest supplies are the least accurate in relative terms)
    assert np.all(np.max(np.abs(supply - direct), axis=0) / np.max(direct, axis=0) < 1e-13)
    assert np.all(backward_error(technosphere, demands, supply) <= 1e-15)
    # one column at a time gives the same columns
    assert iterative.solve(demands[:, 2]) == pytest.approx(supply[:, 2], rel=1e-12)


def test_a_strong_loop_falls_back_to_the_factorisation() -> None:
    """Process 1 needs 2 units of product 2 per unit, process 2 needs 0.45 of product 1:
    ρ(D⁻¹M) = √0.9 < 1 but the iteration's error grows before it shrinks; with 0.6 instead,
    ρ = √1.2 > 1 and it diverges, while A stays invertible (det = 1 − 1.2 = −0.2)."""
    technosphere = sparse.csr_matrix([[1.0, -0.6], [-2.0, 1.0]])
    demand = np.array([1.0, 0.0])
    exact = np.linalg.solve(technosphere.toarray(), demand)
    solver = TechnosphereSolver(technosphere)
    assert solver.solve(demand) == pytest.approx(exact, rel=1e-12)
    assert solver.backend in ("superlu", "pardiso")
    with pytest.raises(NotConvergedError):
        TechnosphereSolver(technosphere, method="iterative").solve(demand)


def test_singular_systems_are_named() -> None:
    with pytest.raises(SingularTechnosphereError, match="diagonal"):
        TechnosphereSolver(sparse.csr_matrix([[1.0, -1.0], [0.0, 0.0]])).solve(np.ones(2))
    with pytest.raises(SingularTechnosphereError):  # a loop that produces nothing net
        TechnosphereSolver(sparse.csr_matrix([[1.0, -1.0], [-1.0, 1.0]])).solve(
            np.array([1.0, 0.0])
        )
    with pytest.raises(SingularTechnosphereError, match="square"):
        TechnosphereSolver(sparse.csr_matrix(np.ones((2, 3))))


@settings(max_examples=40, deadline=None)
@given(
    st.integers(min_value=2, max_value=40),
    st.floats(min_value=0.0, max_value=0.9),
    st.integers(min_value=0, max_value=2**31 - 1),
)
def test_the_answer_always_satisfies_the_system(n: int, strength: float, seed: int) -> None:
    """Whatever the loops, the answer (iterative or after the fallback) solves A·s = f."""
    rng = np.random.default_rng(seed)
    inputs = rng.uniform(0, 1, (n, n)) * (rng.uniform(0, 1, (n, n)) < 0.3)
    np.fill_diagonal(inputs, 0.0)
    sums = inputs.sum(axis=0)
    inputs = inputs / np.where(sums > 0, sums, 1.0) * strength
    technosphere = sparse.csr_matrix(np.eye(n) - inputs)
    demand = np.zeros(n)
    demand[0] = 1.0
    supply = TechnosphereSolver(technosphere).solve(demand)
    assert np.allclose(technosphere @ supply, demand, rtol=0, atol=1e-10)


def test_small_supplies_are_solved_as_accurately_as_large_ones() -> None:
    """A chain where each process needs 1e-3 of the next: supplies 1, 1e-3, … 1e-27, each
    emitting 1/s, so each contributes 1 and the score is the chain's length (by hand). The
    normwise error falls under 1e-15 once the first five supplies are right and would stop
    there (score 6 of 10); the componentwise error keeps the sweeps going to the last."""
    n = 10
    technosphere = sparse.csr_matrix(
        sparse.identity(n) - sparse.diags([1e-3] * (n - 1), offsets=-1)
    )
    demand = np.zeros(n)
    demand[0] = 1.0
    supply = TechnosphereSolver(technosphere).solve(demand)
    emissions = np.array([1e3**i for i in range(n)])  # 1 / s_i
    assert float(emissions @ supply) == pytest.approx(n, rel=1e-12)


def test_iterative_scores_agree_with_a_direct_solve_on_a_wide_system() -> None:
    """1 000 processes whose inputs span nine orders of magnitude, emissions weighting the small
    supplies heavily: the iterative score agrees with an LU solve (scipy's spsolve, a solver
    apart from ours) to 1e-9 relative."""
    rng = np.random.default_rng(2026)
    n = 1000
    rows, cols, values = [], [], []
    for j in range(n):
        for i in rng.choice(n, 4, replace=False):
            if i != j:
                rows.append(i)
                cols.append(j)
                values.append(10 ** rng.uniform(-9, -0.7) / 4)
    inputs = sparse.csr_matrix((values, (rows, cols)), shape=(n, n))
    technosphere = (sparse.identity(n) - inputs).tocsr()
    demand = np.zeros(n)
    demand[0] = 1.0
    from scipy.sparse.linalg import spsolve

    exact = spsolve(technosphere.tocsc(), demand)
    emissions = 1.0 / np.maximum(np.abs(exact), 1e-300) * rng.uniform(0.5, 1.5, n)
    supply = TechnosphereSolver(technosphere).solve(demand)
    score, expected = float(emissions @ supply), float(emissions @ exact)
    assert score == pytest.approx(expected, rel=1e-9)


def test_each_column_of_a_block_meets_the_criteria_on_its_own() -> None:
    """A block of demands on the chain above, entering it at every link: columns need from a
    handful to all the sweeps. Each is set aside when it meets the componentwise test, so each
    column scores the length of its chain below the entry, as it does alone (by hand: n − k)."""
    n = 10
    technosphere = sparse.csr_matrix(
        sparse.identity(n) - sparse.diags([1e-3] * (n - 1), offsets=-1)
    )
    demands = np.eye(n)
    solver = TechnosphereSolver(technosphere)
    block = solver.solve(demands)
    assert solver.backend == "iterative"
    emissions = np.array([1e3**i for i in range(n)])
    for k in range(n):
        # entering at link k: supplies 1e-3^(i−k) for i ≥ k, each contributing 1e3^k
        assert float(emissions @ block[:, k]) == pytest.approx((n - k) * 1e3**k, rel=1e-12)
        assert block[:, k] == pytest.approx(solver.solve(demands[:, k]), rel=1e-12, abs=0)
