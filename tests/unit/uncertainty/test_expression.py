"""Model equations: safe parsing and exact derivatives."""

import math

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
