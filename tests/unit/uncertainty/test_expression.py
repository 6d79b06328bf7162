"""Model equations: safe parsing and exact derivatives."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualcarbon.uncertainty.expression import ModelError, parse_equation


@pytest.mark.parametrize(
    "text",
    [
        'Y = __import__("os").system("true")',
        "Y = x.real",
        "Y = open(x)",
        "Y = [x][0]",
        "Y = x if x else 1",
        "Y = lambda: 1",
        "Y = sqrt(x, 2)",
        "Y = (lambda: 0)()",
        "Y = x < 1",
    ],
)
def test_anything_but_arithmetic_is_refused(text: str) -> None:
    with pytest.raises(ModelError, match="not allowed"):
        parse_equation(text)


def test_unknown_input_is_named() -> None:
    with pytest.raises(ModelError, match="'z' is not an input"):
        parse_equation("Y = x + z", known=["x"])


def test_pi_and_e_are_constants() -> None:
    assert parse_equation("Y = pi * e").evaluate({}) == pytest.approx(math.pi * math.e)


FUNCTIONS = ["sqrt", "exp", "log", "log10", "sin", "cos", "tan", "atan", "abs"]


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(FUNCTIONS),
    st.floats(0.2, 0.9),
    st.floats(0.5, 3.0),
    st.floats(-2.0, 2.0),
)
def test_gradient_matches_central_differences(name: str, a: float, b: float, c: float) -> None:
    equation = parse_equation(f"Y = {name}(a) * b ** 2 / (1 + c ** 2) - c ** 3 + b ** a")
    point = {"a": a, "b": b, "c": c}
    exact = equation.gradient(point)
    for variable, derivative in exact.items():
        h = 1e-6
        up, down = dict(point), dict(point)
        up[variable] += h
        down[variable] -= h
        numeric = (equation.evaluate(up) - equation.evaluate(down)) / (2 * h)
        assert derivative == pytest.approx(numeric, rel=1e-5, abs=1e-6)


def test_asin_acos_derivatives() -> None:
    equation = parse_equation("Y = asin(x) + 2 * acos(x)")
    # d/dx = 1/√(1−x²) − 2/√(1−x²) = −1/√(1−x²)
    assert equation.gradient({"x": 0.6})["x"] == pytest.approx(-1 / math.sqrt(1 - 0.36))


ARRAY_MODELS = [
    "E = FC * NCV * CC * OF * 44 / 12",
    "E = 44 / 12 * (ADin * Cin - ADout * Cout)",
    "E = P * NC * (1 - S - A) * 44 / 12",
    "E = Q * EF - M * D",
    "Y = sqrt(a * a + b * b) / exp(-a) + log(b) - abs(a - b) ** 1.5",
    "Y = sin(a) * cos(b) + tan(a / 3) + atan(b) + asin(a / 10) - acos(b / 10) + log10(b)",
]


@pytest.mark.parametrize("text", ARRAY_MODELS)
@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.floats(min_value=0.1, max_value=9.0, allow_nan=False, allow_infinity=False),
        min_size=8,
        max_size=8,
    )
)
def test_array_gradients_agree_with_the_scalar_pass(text: str, numbers: list[float]) -> None:
    """The vectorised reverse pass (issue 13: sensitivities of every line of an inventory at
    once) gives, element by element, what the scalar pass gives for each element alone."""
    equation = parse_equation(text)
    names = list(equation.inputs)
    rows = 3
    arrays = {
        name: np.array([numbers[(i + k) % len(numbers)] for k in range(rows)])
        for i, name in enumerate(names)
    }
    together = equation.gradients(arrays)
    for k in range(rows):
        alone = equation.gradient({name: float(arrays[name][k]) for name in names})
        for name in names:
            assert together[name][k] == pytest.approx(alone[name], rel=1e-12, abs=1e-300)
