"""The law of propagation agrees with GTC (the GUM Tree Calculator, MSL New Zealand) to 1e-9.

Random budgets: independent normal or t inputs, linear and non-linear models. GTC evaluates the very
same compiled model program with its own uncertain-number arithmetic.
"""

import math
from typing import Any

import GTC
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualcarbon.uncertainty import distributions as d
from dualcarbon.uncertainty.gum import law_of_propagation
from dualcarbon.uncertainty.model import MeasurementModel

_GTC_UNARY = {
    "neg": lambda x: -x,
    "sqrt": GTC.sqrt,
    "exp": GTC.exp,
    "log": GTC.log,
    "log10": GTC.log10,
    "sin": GTC.sin,
    "cos": GTC.cos,
    "tan": GTC.tan,
    "atan": GTC.atan,
}
_GTC_BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
}


def _gtc_evaluate(model: MeasurementModel) -> Any:
    values = {q.name: GTC.ureal(q.value, q.u, q.dof, label=q.name) for q in model.inputs.values()}
    (equation,) = model.equations
    results: list[Any] = []
    for step in equation.steps:
        if step.op == "const":
            results.append(step.constant)
        elif step.op == "input":
            results.append(values[step.name])
        elif step.op in _GTC_BINARY:
            results.append(_GTC_BINARY[step.op](results[step.args[0]], results[step.args[1]]))
        else:
            results.append(_GTC_UNARY[step.op](results[step.args[0]]))
    return results[-1]


inputs = st.lists(
    st.tuples(
        st.floats(1.0, 100.0),  # value (positive, so log and sqrt are defined)
        st.floats(0.001, 0.05),  # relative standard uncertainty
        st.one_of(st.just(math.inf), st.integers(2, 50).map(float)),
    ),
    min_size=2,
    max_size=8,
)


def _check(model: MeasurementModel) -> None:
    ours = law_of_propagation(model).results["Y"]
    theirs = _gtc_evaluate(model)
    assert ours.value == pytest.approx(theirs.x, rel=1e-9)
    assert ours.u == pytest.approx(theirs.u, rel=1e-9)
    if math.isinf(theirs.df):
        assert math.isinf(ours.dof)
    else:
        assert ours.dof == pytest.approx(theirs.df, rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    inputs, st.lists(st.floats(-5.0, 5.0).filter(lambda c: abs(c) > 0.01), min_size=8, max_size=8)
)
def test_linear_budgets(spec: list[tuple[float, float, float]], coefficients: list[float]) -> None:
    quantities = [d.normal(f"x{i}", v, v * r, dof) for i, (v, r, dof) in enumerate(spec)]
    terms = " + ".join(
        f"({c!r}) * x{i}" for i, c in zip(range(len(spec)), coefficients, strict=False)
    )
    _check(MeasurementModel.build([f"Y = {terms}"], quantities))


@settings(max_examples=40, deadline=None)
@given(
    inputs,
    st.lists(
        st.sampled_from(["mul", "div", "sqrt", "log", "exp", "sin", "pow"]), min_size=8, max_size=8
    ),
)
def test_nonlinear_budgets(spec: list[tuple[float, float, float]], ops: list[str]) -> None:
    quantities = [d.normal(f"x{i}", v, v * r, dof) for i, (v, r, dof) in enumerate(spec)]
    expression = "x0"
    for i, op in zip(range(1, len(spec)), ops, strict=False):
        term = {
            "mul": f"x{i}",
            "div": f"(1 / x{i})",
            "sqrt": f"sqrt(x{i})",
            "log": f"log(x{i})",
            "exp": f"exp(x{i} / 100)",
            "sin": f"(2 + sin(x{i}))",
            "pow": f"x{i} ** 0.5",
        }[op]
        expression = f"({expression}) * {term}"
    _check(MeasurementModel.build([f"Y = {expression}"], quantities))
