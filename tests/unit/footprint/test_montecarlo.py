"""Monte Carlo of the score: reproducible, the right distribution, exact draws after a fallback."""

from __future__ import annotations

import numpy as np
import pytest

from dualcarbon.footprint.montecarlo import (
    NORMAL,
    TRIANGULAR,
    UNIFORM,
    MonteCarloResult,
    Spread,
    UncertainMatrix,
    monte_carlo,
)


def _matrix(
    entries: list[tuple[int, int, float, float]], shape: tuple[int, int]
) -> UncertainMatrix:
    rows, cols, values, sigma = zip(*entries, strict=True)
    return UncertainMatrix(np.array(rows), np.array(cols), np.array(values), np.array(sigma), shape)


# Product 1 (a kWh) needs 0.3 units of product 2 (coal); the plant emits 0.8 kg CO2 per kWh with
# σ = 0.2, the mine 0.1 kg per unit with σ = 0.3; the coal input itself has σ = 0.25.
TECHNOSPHERE = _matrix([(0, 0, 1.0, 0.0), (1, 1, 1.0, 0.0), (1, 0, -0.3, 0.25)], (2, 2))
BIOSPHERE = _matrix([(0, 0, 0.8, 0.2), (0, 1, 0.1, 0.3)], (1, 2))
DEMAND = np.array([1.0, 0.0])


def test_the_same_seed_gives_the_same_scores() -> None:
    first = monte_carlo(TECHNOSPHERE, BIOSPHERE, np.ones(1), DEMAND, 50, seed=11)
    again = monte_carlo(TECHNOSPHERE, BIOSPHERE, np.ones(1), DEMAND, 50, seed=11, batch=7)
    other = monte_carlo(TECHNOSPHERE, BIOSPHERE, np.ones(1), DEMAND, 50, seed=12)
    assert np.array_equal(first.scores, again.scores)
    assert not np.array_equal(first.scores, other.scores)
    assert first.deterministic == pytest.approx(0.8 + 0.1 * 0.3, rel=1e-14)


def test_the_distribution_is_the_model_s() -> None:
    """Score = 0.8·e^{0.2 z1} + 0.1·e^{0.3 z2} · 0.3·e^{0.25 z3}: each term lognormal, so the mean
    is 0.8·e^{0.02} + 0.03·e^{(0.09 + 0.0625)/2} (the lognormal mean e^{μ+σ²/2}; the second term's
    ln-variance adds: 0.3² + 0.25²). 10,000 draws: the sample sd's relative standard error is
    about √((κ − 1)/4n) ≈ 0.8 % here (κ ≈ 3.7, the plant term's kurtosis), so 3 % is ~4 of them."""
    draws = 10_000
    result = monte_carlo(TECHNOSPHERE, BIOSPHERE, np.ones(1), DEMAND, draws, seed=5)
    mean = 0.8 * np.exp(0.2**2 / 2) + 0.03 * np.exp((0.3**2 + 0.25**2) / 2)
    first = 0.8**2 * np.exp(0.2**2) * (np.exp(0.2**2) - 1)
    second = 0.03**2 * np.exp(0.1525) * (np.exp(0.1525) - 1)
    sd = np.sqrt(first + second)
    assert result.scores.mean() == pytest.approx(mean, abs=4 * sd / np.sqrt(draws))
    assert result.scores.std() == pytest.approx(sd, rel=0.03)
    assert result.iterative_draws == draws and result.direct_draws == 0
    # the plant's term alone is lognormal(ln 0.8, 0.2): the scores' ln has about that spread
    low, high = result.interval(0.95)
    assert low < 0.8 + 0.03 < high


def test_draws_that_do_not_converge_are_solved_directly() -> None:
    """A strong loop (ρ(D⁻¹M) = √1.2 > 1, see test_solver) makes the iteration diverge: every
    draw goes to its own factorisation, and each score is that of the exact supply of its own
    sampled system — rebuilt here from the documented random streams."""
    entries = [(0, 0, 1.0, 0.0), (1, 1, 1.0, 0.0), (0, 1, -0.6, 0.05), (1, 0, -2.0, 0.0)]
    technosphere = _matrix(entries, (2, 2))
    biosphere = _matrix([(0, 0, 1.0, 0.1), (0, 1, 2.0, 0.0)], (1, 2))
    result = monte_carlo(technosphere, biosphere, np.ones(1), DEMAND, 20, seed=3)
    assert result.direct_draws == 20
    stream_a, stream_b = (np.random.default_rng(s) for s in np.random.SeedSequence(3).spawn(2))
    z_a = stream_a.standard_normal((20, 1))
    z_b = stream_b.standard_normal((20, 1))
    for k in range(20):
        loop = -0.6 * np.exp(0.05 * z_a[k, 0])
        supply = np.linalg.solve(np.array([[1.0, loop], [-2.0, 1.0]]), DEMAND)
        expected = np.exp(0.1 * z_b[k, 0]) * supply[0] + 2.0 * supply[1]
        assert result.scores[k] == pytest.approx(expected, rel=1e-12)


def test_bad_uncertainty_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        _matrix([(0, 0, 1.0, -0.1)], (1, 1))
    with pytest.raises(ValueError, match="zero"):
        _matrix([(0, 0, 0.0, 0.1)], (1, 1))
    with pytest.raises(ValueError, match="at least 1"):
        monte_carlo(TECHNOSPHERE, BIOSPHERE, np.ones(1), DEMAND, 0)


def _one_process(kind: int, sigma: float, low: float, high: float) -> MonteCarloResult:
    """1 unit of a product made by one process emitting 2 kg (factor 1), the emission drawn
    from the law given; A is exact."""
    technosphere = _matrix([(0, 0, 1.0, 0.0)], (1, 1))
    biosphere = UncertainMatrix(
        np.array([0]),
        np.array([0]),
        np.array([2.0]),
        np.array([sigma]),
        (1, 1),
        kind=np.array([kind]),
        low=np.array([low]),
        high=np.array([high]),
    )
    return monte_carlo(technosphere, biosphere, np.ones(1), np.ones(1), 20_000, seed=8)


def test_normal_uniform_and_triangular_laws() -> None:
    """Sample moments against the laws' own (normal N(2, 0.1²); uniform on [1, 4]: mean 2.5,
    σ 3/√12; triangular on [1, 4] with mode 2: mean (1 + 4 + 2)/3, variance
    (a² + b² + c² − ab − ac − bc)/18 = 7/18)."""
    normal = _one_process(NORMAL, 0.1, 0.0, 0.0).scores
    assert normal.mean() == pytest.approx(2.0, abs=0.002)
    assert normal.std() == pytest.approx(0.1, rel=0.02)
    uniform = _one_process(UNIFORM, 0.0, 1.0, 4.0).scores
    assert uniform.min() >= 1.0 and uniform.max() <= 4.0
    assert uniform.mean() == pytest.approx(2.5, abs=0.02)
    assert uniform.std() == pytest.approx(3 / np.sqrt(12), rel=0.02)
    triangular = _one_process(TRIANGULAR, 0.0, 1.0, 4.0).scores
    assert triangular.min() >= 1.0 and triangular.max() <= 4.0
    assert triangular.mean() == pytest.approx(7 / 3, abs=0.02)
    assert triangular.std() == pytest.approx(np.sqrt(7 / 18), rel=0.02)


def test_bounded_laws_are_checked() -> None:
    with pytest.raises(ValueError, match="low must be below high"):
        _one_process(UNIFORM, 0.0, 4.0, 1.0)
    with pytest.raises(ValueError, match="mode lies within"):
        _one_process(TRIANGULAR, 0.0, 3.0, 4.0)  # the value 2 is the mode


def test_a_factor_used_twice_is_drawn_once() -> None:
    """Two processes each use 1 kg of one background product (factor row 0, σ 0.2 lognormal):
    the score is 2 × m with m one draw, so its spread is that of m scaled by 2 — independent
    draws per use would give √2 × instead."""
    technosphere = _matrix([(0, 0, 1.0, 0.0), (1, 1, 1.0, 0.0), (1, 0, -1.0, 0.0)], (2, 2))
    biosphere = _matrix([(0, 0, 1.0, 0.0), (0, 1, 1.0, 0.0)], (1, 2))
    factors = Spread.lognormal(np.ones(1), np.array([0.2]))
    result = monte_carlo(
        technosphere, biosphere, np.ones(1), np.array([1.0, 0.0]), 20_000, factors=factors, seed=9
    )
    log_scores = np.log(result.scores / 2.0)
    assert log_scores.std() == pytest.approx(0.2, rel=0.03)
    assert result.deterministic == pytest.approx(2.0)


def test_factor_multipliers_must_be_one() -> None:
    factors = Spread.lognormal(np.array([2.0]), np.array([0.2]))
    with pytest.raises(ValueError, match="each of value 1"):
        monte_carlo(TECHNOSPHERE, BIOSPHERE, np.ones(1), DEMAND, 5, factors=factors)


def test_an_exact_technosphere_is_solved_once() -> None:
    """With nothing in A uncertain, every draw's supply is the one exact supply: the scores are
    B's draws (its own random stream, as documented) times that supply, and no draw is solved."""
    technosphere = _matrix([(0, 0, 1.0, 0.0), (1, 1, 1.0, 0.0), (1, 0, -0.3, 0.0)], (2, 2))
    result = monte_carlo(technosphere, BIOSPHERE, np.ones(1), DEMAND, 1000, seed=4, batch=64)
    assert result.exact_technosphere
    assert (result.iterative_draws, result.direct_draws) == (0, 0)
    supply = np.linalg.solve(np.array([[1.0, 0.0], [-0.3, 1.0]]), DEMAND)
    stream_b = np.random.default_rng(np.random.SeedSequence(4).spawn(3)[1])
    sampled = BIOSPHERE.spread().draw(stream_b, 1000)
    assert result.scores == pytest.approx(sampled @ supply[BIOSPHERE.cols], rel=1e-12)
    varied = monte_carlo(TECHNOSPHERE, BIOSPHERE, np.ones(1), DEMAND, 20, seed=4)
    assert not varied.exact_technosphere and varied.iterative_draws == 20
