"""Inventory-shaped sums of products (FC × NCV × CC × OF × 44/12 and the like) agree with the
general measurement-model engine and with Monte Carlo."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualcarbon.uncertainty import distributions as d
from dualcarbon.uncertainty.equation_sum import EquationSum
from dualcarbon.uncertainty.gum import law_of_propagation
from dualcarbon.uncertainty.model import MeasurementModel


@settings(max_examples=50, deadline=None)
@given(
    st.integers(2, 6),  # inputs
    st.integers(1, 6),  # lines
    st.integers(1, 3),  # factors per line
    st.integers(0, 2**32 - 1),
)
def test_matches_the_general_engine(inputs: int, lines: int, width: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.5, 5.0, inputs)
    u = values * rng.uniform(0.001, 0.1, inputs)
    dof = rng.choice([np.inf, 5.0, 20.0], inputs)
    coefficients = rng.uniform(-2.0, 2.0, lines)
    index = rng.integers(0, inputs, (lines, width))  # inputs shared between lines
    fast = EquationSum.products(values, u, coefficients, index, dof).gum()

    terms = " + ".join(
        f"({float(coefficients[line])!r}) * " + " * ".join(f"x{i}" for i in index[line])
        for line in range(lines)
    )
    model = MeasurementModel.build(
        [f"Y = {terms}"],
        [d.normal(f"x{i}", float(values[i]), float(u[i]), float(dof[i])) for i in range(inputs)],
    )
    general = law_of_propagation(model).results["Y"]
    assert fast.value == pytest.approx(general.value, rel=1e-12, abs=1e-12)
    assert fast.u == pytest.approx(general.u, rel=1e-9, abs=1e-15)
    if np.isinf(general.dof):
        assert np.isinf(fast.dof)
    else:
        assert fast.dof == pytest.approx(general.dof, rel=1e-9)


def test_zero_valued_input_keeps_its_sensitivity() -> None:
    # y = a·b with a = 0: ∂y/∂a = b, ∂y/∂b = 0
    model = EquationSum.products(
        np.array([0.0, 3.0]), np.array([0.1, 0.1]), np.array([1.0]), np.array([[0, 1]])
    )
    assert model.sensitivities().tolist() == [3.0, 0.0]


def test_monte_carlo_agrees_with_gum_on_a_linear_model() -> None:
    rng = np.random.default_rng(3)
    values, u, c = rng.uniform(1, 10, 50), rng.uniform(0.01, 0.5, 50), rng.uniform(0.5, 2, 50)
    model = EquationSum.linear(c, values, u)
    gum = model.gum()
    mcm = model.monte_carlo(200_000, seed=4)
    assert mcm.value == pytest.approx(gum.value, abs=3 * gum.u / 200_000**0.5 * 3)
    assert mcm.u == pytest.approx(gum.u, rel=0.01)
    assert mcm.interval == pytest.approx(gum.value + np.array([-1, 1]) * gum.U, abs=0.02 * gum.U)


def test_same_seed_same_result() -> None:
    model = EquationSum.linear(np.ones(3), np.ones(3), np.full(3, 0.1))
    assert model.monte_carlo(10_000, seed=5).u == model.monte_carlo(10_000, seed=5).u


def test_products_by_monte_carlo() -> None:
    # y = x·z with x, z independent: MC mean = x·z, var ≈ (z u_x)² + (x u_z)² + (u_x u_z)²
    model = EquationSum.products(
        np.array([2.0, 3.0]), np.array([0.2, 0.3]), np.array([1.0]), np.array([[0, 1]])
    )
    mcm = model.monte_carlo(400_000, seed=6)
    exact = (3 * 0.2) ** 2 + (2 * 0.3) ** 2 + (0.2 * 0.3) ** 2
    assert mcm.u == pytest.approx(exact**0.5, rel=0.01)
