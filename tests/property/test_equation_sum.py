"""Lines of any formula (issue 13: mass balances, NC × (1 − S − A), clinker − deductions) are
propagated exactly: the equation-driven model agrees with the general measurement-model engine
on any formula, and with its own Monte Carlo."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualcarbon.uncertainty import distributions as d
from dualcarbon.uncertainty.equation_sum import EquationSum, LineGroup
from dualcarbon.uncertainty.expression import parse_equation
from dualcarbon.uncertainty.gum import law_of_propagation
from dualcarbon.uncertainty.model import MeasurementModel


def _group(text: str, index: np.ndarray, coefficients: np.ndarray, start: int = 0) -> LineGroup:
    return LineGroup(
        parse_equation(text),
        index.astype(np.intp),
        coefficients.astype(float),
        np.arange(start, start + index.shape[0], dtype=np.intp),
    )


MASS_BALANCE = "E = 44 / 12 * (ad_in * c_in - ad_out * c_out)"
ANODE = "E = p * nc * (1 - s - a) * 44 / 12"


@settings(max_examples=25, deadline=None)
@given(st.integers(4, 8), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_any_formula_agrees_with_the_general_engine(inputs: int, lines: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.05, 5.0, inputs)
    u = values * rng.uniform(0.001, 0.1, inputs)
    dof = rng.choice([np.inf, 5.0, 20.0], inputs)
    balance = rng.integers(0, inputs, (lines, 4))
    anode = rng.integers(0, inputs, (lines, 4))
    signs = rng.choice([-1.0, 1.0], lines)
    model = EquationSum(
        values,
        u,
        [
            _group(MASS_BALANCE, balance, signs),
            _group(ANODE, anode, np.ones(lines), start=lines),
        ],
        dof,
    )
    fast = model.gum()

    def term(text: str, row: np.ndarray, k: float) -> str:
        body = text.split("=", 1)[1]
        equation = parse_equation(text)
        for name, i in sorted(zip(equation.inputs, row, strict=True), key=lambda p: -len(p[0])):
            body = body.replace(name, f"x{i}")
        return f"({k!r}) * ({body})"

    terms = " + ".join(
        [term(MASS_BALANCE, balance[n], float(signs[n])) for n in range(lines)]
        + [term(ANODE, anode[n], 1.0) for n in range(lines)]
    )
    general = law_of_propagation(
        MeasurementModel.build(
            [f"Y = {terms}"],
            [
                d.normal(f"x{i}", float(values[i]), float(u[i]), float(dof[i]))
                for i in range(inputs)
            ],
        )
    ).results["Y"]
    assert fast.value == pytest.approx(general.value, rel=1e-10, abs=1e-12)
    assert fast.u == pytest.approx(general.u, rel=1e-9, abs=1e-15)
    assert fast.dof == pytest.approx(general.dof, rel=1e-6) or (
        np.isinf(fast.dof) and np.isinf(general.dof)
    )


def test_monte_carlo_agrees_with_the_law_of_propagation_on_a_mass_balance() -> None:
    """Carbon in (coal 1000 t at 0.6 tC/t, coke 500 t at 0.85) less carbon out (steel 1200 t at
    0.004, gas 300 t at 0.2): linear in each input pair, so for small u both methods agree."""
    values = np.array([1000.0, 0.6, 500.0, 0.85, 1200.0, 0.004, 300.0, 0.2])
    u = values * 0.01
    model = EquationSum(
        values,
        u,
        [
            _group(
                MASS_BALANCE,
                np.array([[0, 1, 4, 5], [2, 3, 6, 7]]),
                np.array([1.0, 1.0]),
            )
        ],
    )
    gum = model.gum()
    expected = 44 / 12 * (1000 * 0.6 - 1200 * 0.004 + 500 * 0.85 - 300 * 0.2)
    assert gum.value == pytest.approx(expected, rel=1e-12)
    mc = model.monte_carlo(200_000, seed=1)
    assert mc.value == pytest.approx(gum.value, rel=2e-4)
    assert mc.u == pytest.approx(gum.u, rel=0.01)
