"""Measurement models as text, parsed safely and evaluated with exact derivatives.

``Y = V / I * cos(phi)`` is parsed with :mod:`ast` into a small program of whitelisted operations
(+ − × ÷ **, unary minus and the functions in :data:`FUNCTIONS`); nothing is ever passed to
``eval``. The program runs on floats (for the law of propagation) or on numpy arrays of Monte Carlo
trials, and a reverse pass over it gives every sensitivity coefficient exactly (automatic
differentiation), not by finite differences.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from dualcarbon.errors import DualcarbonError

FUNCTIONS = ("sqrt", "exp", "log", "log10", "sin", "cos", "tan", "asin", "acos", "atan", "abs")
CONSTANTS = {"pi": math.pi, "e": math.e}
_BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}


class ModelError(DualcarbonError, ValueError):
    """A model equation that cannot be parsed or uses something not allowed."""

    def __init__(self, equation: str, rule: str) -> None:
        self.equation = equation
        self.rule = rule
        super().__init__(f"model {equation!r}: {rule}")


@dataclass(frozen=True)
class Step:
    """One operation: ``op`` applied to the results of earlier steps ``args``."""

    op: str
    args: tuple[int, ...] = ()
    name: str = ""
    constant: float = 0.0


@dataclass(frozen=True)
class Equation:
    """``output = expression``, compiled to steps in evaluation order."""

    output: str
    text: str
    steps: tuple[Step, ...]

    @property
    def inputs(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for step in self.steps:
            if step.op == "input":
                seen.setdefault(step.name, None)
        return tuple(seen)

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        return _forward(self.steps, values)[-1]

    def gradient(self, values: Mapping[str, float]) -> dict[str, float]:
        """∂Y/∂X_i at ``values`` for every input the equation uses (reverse-mode AD)."""
        return {name: float(value) for name, value in self.gradients(values).items()}

    def gradients(self, values: Mapping[str, Any]) -> dict[str, npt.NDArray[np.float64]]:
        """∂Y/∂X_i element by element for array inputs (one line of an inventory per element),
        by the same reverse pass as :meth:`gradient`, on numpy arrays."""
        results = _forward(self.steps, values)
        shape = np.broadcast_shapes(*(np.shape(r) for r in results))
        adjoint: list[Any] = [0.0] * len(self.steps)
        adjoint[-1] = np.ones(shape)
        grads = {name: np.zeros(shape) for name in self.inputs}
        with np.errstate(all="ignore"):
            for index in range(len(self.steps) - 1, -1, -1):
                step, bar = self.steps[index], adjoint[index]
                if step.op == "const" or (np.isscalar(bar) and bar == 0.0):
                    continue
                if step.op == "input":
                    grads[step.name] = grads[step.name] + bar
                    continue
                for arg, partial in zip(step.args, _partials(step, results), strict=True):
                    adjoint[arg] = adjoint[arg] + bar * partial
        return grads


def parse_equation(text: str, known: Sequence[str] | None = None) -> Equation:
    """Parse ``"Y = expression"``; ``known`` names the inputs allowed (all names if None)."""
    if text.count("=") != 1:
        raise ModelError(text, "write one equation of the form 'Y = expression'")
    left, right = (part.strip() for part in text.split("="))
    if not left.isidentifier():
        raise ModelError(text, f"the output name {left!r} is not a valid name")
    try:
        tree = ast.parse(right, mode="eval")
    except SyntaxError as exc:
        raise ModelError(text, f"cannot parse the expression ({exc.msg})") from None
    steps: list[Step] = []
    try:
        _compile(tree.body, steps, text, known)
    except RecursionError:
        raise ModelError(text, "expression nested too deeply") from None
    return Equation(left, text, tuple(steps))


def _compile(node: ast.expr, steps: list[Step], text: str, known: Sequence[str] | None) -> int:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        if isinstance(node.value, bool):
            raise ModelError(text, "booleans are not numbers here")
        steps.append(Step("const", constant=float(node.value)))
    elif isinstance(node, ast.Name):
        if node.id in CONSTANTS and (known is None or node.id not in known):
            steps.append(Step("const", constant=CONSTANTS[node.id]))
        elif known is not None and node.id not in known:
            raise ModelError(text, f"{node.id!r} is not an input (inputs: {', '.join(known)})")
        else:
            steps.append(Step("input", name=node.id))
    elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left = _compile(node.left, steps, text, known)
        right = _compile(node.right, steps, text, known)
        steps.append(Step(_BINARY[type(node.op)], (left, right)))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _compile(node.operand, steps, text, known)
        if isinstance(node.op, ast.USub):
            steps.append(Step("neg", (operand,)))
        else:
            return operand
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in FUNCTIONS
        and len(node.args) == 1
        and not node.keywords
    ):
        argument = _compile(node.args[0], steps, text, known)
        steps.append(Step(node.func.id, (argument,)))
    else:
        shown = ast.unparse(node)
        raise ModelError(
            text,
            f"{shown!r} is not allowed: use numbers, input names, + - * / ** and "
            f"{', '.join(FUNCTIONS)} with one argument",
        )
    return len(steps) - 1


_UNARY: dict[str, Any] = {
    "neg": np.negative,
    "sqrt": np.sqrt,
    "exp": np.exp,
    "log": np.log,
    "log10": np.log10,
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "asin": np.arcsin,
    "acos": np.arccos,
    "atan": np.arctan,
    "abs": np.abs,
}
_BINARY_FN: dict[str, Any] = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.divide,
    "pow": np.power,
}


def _forward(steps: Sequence[Step], values: Mapping[str, Any]) -> list[Any]:
    results: list[Any] = []
    with np.errstate(all="ignore"):
        for step in steps:
            if step.op == "const":
                results.append(step.constant)
            elif step.op == "input":
                results.append(values[step.name])
            elif step.op in _BINARY_FN:
                results.append(_BINARY_FN[step.op](results[step.args[0]], results[step.args[1]]))
            else:
                results.append(_UNARY[step.op](results[step.args[0]]))
    return results


def _partials(step: Step, results: Sequence[Any]) -> tuple[Any, ...]:
    """∂(step)/∂(each argument) from the forward values, element by element on numpy arrays
    (or scalars). At the edges: the exponent's derivative is 0 where the base is not positive,
    the base's where the exponent is 0, and |x|' is 0 at 0."""
    a = np.asarray(results[step.args[0]], dtype=float)
    op = step.op
    if op in _BINARY_FN:
        b = np.asarray(results[step.args[1]], dtype=float)
        if op == "add":
            return (1.0, 1.0)
        if op == "sub":
            return (1.0, -1.0)
        if op == "mul":
            return (b, a)
        if op == "div":
            return (1.0 / b, -a / (b * b))
        d_base = np.where(b != 0, b * a ** (b - 1.0), 0.0)
        d_exponent = np.where(a > 0, a**b * np.log(np.where(a > 0, a, 1.0)), 0.0)
        return (d_base, d_exponent)
    return (_DERIVATIVES[op](a),)


_DERIVATIVES: dict[str, Callable[[Any], Any]] = {
    "neg": lambda x: -np.ones_like(x),
    "sqrt": lambda x: 0.5 / np.sqrt(x),
    "exp": np.exp,
    "log": lambda x: 1.0 / x,
    "log10": lambda x: 1.0 / (x * math.log(10.0)),
    "sin": np.cos,
    "cos": lambda x: -np.sin(x),
    "tan": lambda x: 1.0 / np.cos(x) ** 2,
    "asin": lambda x: 1.0 / np.sqrt(1.0 - x * x),
    "acos": lambda x: -1.0 / np.sqrt(1.0 - x * x),
    "atan": lambda x: 1.0 / (1.0 + x * x),
    "abs": np.sign,
}
