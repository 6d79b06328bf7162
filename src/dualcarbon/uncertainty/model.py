"""A measurement model: equations, inputs and the correlations between inputs."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from dualcarbon._typing import FloatArray
from dualcarbon.uncertainty.distributions import InputQuantity
from dualcarbon.uncertainty.expression import Equation, ModelError, parse_equation


@dataclass(frozen=True)
class MeasurementModel:
    """Y_j = f_j(X): equations in order (a later one may use an earlier output), and the inputs."""

    equations: tuple[Equation, ...]
    inputs: Mapping[str, InputQuantity]
    correlations: Mapping[frozenset[str], float] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        equations: Sequence[str],
        inputs: Sequence[InputQuantity],
        correlations: Sequence[tuple[str, str, float]] = (),
    ) -> MeasurementModel:
        by_name = {quantity.name: quantity for quantity in inputs}
        known = list(by_name)
        compiled = []
        for text in equations:
            equation = parse_equation(text, known)
            if equation.output in by_name:
                raise ModelError(text, f"output {equation.output!r} is also an input")
            compiled.append(equation)
            known.append(equation.output)
        pairs: dict[frozenset[str], float] = {}
        for a, b, r in correlations:
            for name in (a, b):
                if name not in by_name:
                    raise ModelError(f"correlation {a}, {b}", f"{name!r} is not an input")
            if a == b or not -1.0 <= r <= 1.0:
                raise ModelError(f"correlation {a}, {b}", "needs two inputs and −1 ≤ r ≤ 1")
            pairs[frozenset((a, b))] = float(r)
        model = cls(tuple(compiled), by_name, pairs)
        model.correlation_matrix()  # refuses a matrix that is not positive semi-definite
        return model

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(self.inputs)

    @property
    def outputs(self) -> tuple[str, ...]:
        return tuple(equation.output for equation in self.equations)

    def correlation(self, a: str, b: str) -> float:
        return 1.0 if a == b else self.correlations.get(frozenset((a, b)), 0.0)

    def correlation_matrix(self) -> FloatArray:
        names = self.input_names
        matrix = np.array([[self.correlation(a, b) for b in names] for a in names], dtype=float)
        if self.correlations and np.linalg.eigvalsh(matrix).min() < -1e-12:
            raise ModelError("correlations", "the correlation matrix is not positive semi-definite")
        return matrix

    def covariance(self) -> FloatArray:
        u = np.array([q.u for q in self.inputs.values()])
        return np.asarray(self.correlation_matrix() * np.outer(u, u), dtype=float)

    def correlated_groups(self) -> list[list[str]]:
        """Inputs joined by non-zero correlations (connected components), singletons included."""
        parent = {name: name for name in self.inputs}

        def root(name: str) -> str:
            while parent[name] != name:
                parent[name] = parent[parent[name]]
                name = parent[name]
            return name

        for pair, r in self.correlations.items():
            if r != 0.0:
                a, b = tuple(pair)
                parent[root(a)] = root(b)
        groups: dict[str, list[str]] = {}
        for name in self.inputs:
            groups.setdefault(root(name), []).append(name)
        return list(groups.values())

    def evaluate(self, values: Mapping[str, object]) -> dict[str, object]:
        """All outputs, equations in order, each seeing the inputs and earlier outputs."""
        scope: dict[str, object] = dict(values)
        for equation in self.equations:
            scope[equation.output] = equation.evaluate(scope)
        return {name: scope[name] for name in self.outputs}

    def estimates(self) -> dict[str, float]:
        return {name: quantity.value for name, quantity in self.inputs.items()}

    def jacobian(self) -> FloatArray:
        """∂Y_j/∂X_i at the estimates, chained through earlier outputs (outputs × inputs)."""
        scope: dict[str, float] = self.estimates()
        names = self.input_names
        totals: dict[str, FloatArray] = {}
        for equation in self.equations:
            partial = equation.gradient(scope)
            row = np.zeros(len(names))
            for name, derivative in partial.items():
                if name in totals:
                    row += derivative * totals[name]
                else:
                    row[names.index(name)] += derivative
            totals[equation.output] = row
            scope[equation.output] = float(equation.evaluate(scope))
        return np.array([totals[name] for name in self.outputs])


def is_finite(value: float) -> bool:
    return not (math.isinf(value) or math.isnan(value))
