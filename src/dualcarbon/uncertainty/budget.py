"""Uncertainty budgets: a model, its inputs and their correlations, as read from YAML.

This module turns the parsed mapping into a model (no I/O; :mod:`dualcarbon.io.budget_file`
reads the file).

```yaml
model: Y = X1 + X2            # or a list of equations; later ones may use earlier outputs
inputs:
  X1: {value: 1.0, u: 0.1, dof: 9}                       # normal, or t when dof is finite
  X2: {distribution: rectangular, value: 0, half_width: 0.5}
  X3: {distribution: rectangular, lower: -1, upper: 1}
  X4: {distribution: triangular, lower: -1, upper: 1, mode: 0}
  X5: {distribution: trapezoidal, lower: -1, upper: 1, beta: 0.5}
  X6: {distribution: arcsine, value: 0, half_width: 0.5}
  X11: {distribution: curvilinear_trapezoid, value: 0, half_width: 1, half_width_uncertainty: 0.1}
  X7: {distribution: t, value: 1, u: 0.1, dof: 4}
  X8: {distribution: lognormal, value: 2, u: 0.2}
  X9: {observations: [1.01, 0.99, 1.02]}                 # Type A
  X10: {value: 3.0}                                      # a constant
correlations:
  - [X1, X7, 0.5]
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dualcarbon.errors import DualcarbonError, InputError, InputProblem
from dualcarbon.uncertainty import distributions as dist
from dualcarbon.uncertainty.distributions import InputQuantity
from dualcarbon.uncertainty.gum import GumOutputs, law_of_propagation
from dualcarbon.uncertainty.mcm import McmResult, monte_carlo, validate
from dualcarbon.uncertainty.model import MeasurementModel

_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    # distribution: (required fields, optional fields)
    "normal": ({"value", "u"}, {"dof"}),
    "rectangular": (set(), {"value", "half_width", "lower", "upper"}),
    "triangular": ({"lower", "upper"}, {"mode"}),
    "trapezoidal": ({"lower", "upper", "beta"}, set()),
    "arcsine": ({"value", "half_width"}, set()),
    "curvilinear_trapezoid": ({"value", "half_width", "half_width_uncertainty"}, set()),
    "t": ({"value", "u", "dof"}, set()),
    "lognormal": ({"value", "u"}, set()),
}


@dataclass(frozen=True)
class BudgetRun:
    model: MeasurementModel
    gum: GumOutputs | None
    mcm: dict[str, McmResult] | None
    coverage: float

    def to_json(self) -> dict[str, Any]:
        """The issue-3 JSON shape: outputs with gum, mcm and validated, and the budget table."""
        outputs: dict[str, Any] = {}
        for name in self.model.outputs:
            entry: dict[str, Any] = {}
            g = self.gum.results[name] if self.gum else None
            m = self.mcm[name] if self.mcm else None
            if g:
                entry["gum"] = {
                    "value": g.value,
                    "u": g.u,
                    "dof": _number(g.dof),
                    "k": g.k,
                    "U": g.U,
                    "interval": list(g.interval),
                    "coverage": g.coverage,
                    "relative_U": _number(g.relative_expanded_uncertainty),
                }
            if m:
                entry["mcm"] = {
                    "value": m.value,
                    "u": m.u,
                    "interval": list(m.interval),
                    "shortest_interval": list(m.shortest_interval),
                    "coverage": m.coverage,
                    "trials": m.trials,
                }
            if g and m:
                check = validate(g, m)
                entry["validated"] = check.passed
                entry["validation"] = {
                    "tolerance": check.tolerance,
                    "d_low": check.d_low,
                    "d_high": check.d_high,
                }
            else:
                entry["validated"] = None
            outputs[name] = entry
        budget = []
        if self.gum:
            for name, result in self.gum.results.items():
                for line in result.budget:
                    budget.append(
                        {
                            "output": name,
                            "input": line.input,
                            "value": line.value,
                            "u": line.u,
                            "distribution": line.distribution,
                            "dof": _number(line.dof),
                            "sensitivity": line.sensitivity,
                            "contribution": line.contribution,
                            "variance_percent": 100 * line.variance_share,
                        }
                    )
        document: dict[str, Any] = {"outputs": outputs, "budget": budget}
        if self.gum and len(self.model.outputs) > 1:
            document["output_correlation"] = {
                a: {b: float(self.gum.correlation[i, j]) for j, b in enumerate(self.model.outputs)}
                for i, a in enumerate(self.model.outputs)
            }
        return document


def _number(value: float) -> float | str:
    return "inf" if value == float("inf") else value


def budget_from_mapping(raw: Mapping[str, Any], *, source: str) -> MeasurementModel:
    problems: list[InputProblem] = []
    equations = raw.get("model")
    if isinstance(equations, str):
        equations = [equations]
    if (
        not isinstance(equations, list)
        or not equations
        or not all(isinstance(e, str) for e in equations)
    ):
        problems.append(InputProblem(source, "give one equation 'Y = …' or a list", field="model"))
        equations = []
    inputs_raw = raw.get("inputs")
    if not isinstance(inputs_raw, dict) or not inputs_raw:
        problems.append(InputProblem(source, "a mapping of input names", field="inputs"))
        inputs_raw = {}
    for key in raw:
        if key not in {"model", "inputs", "correlations"}:
            problems.append(
                InputProblem(source, "unknown key (model, inputs, correlations)", field=str(key))
            )
    quantities: list[InputQuantity] = []
    for input_name, spec in inputs_raw.items():
        try:
            quantities.append(_input(str(input_name), spec))
        except (ValueError, TypeError) as exc:
            problems.append(InputProblem(source, str(exc), field=f"inputs.{input_name}"))
    correlations: list[tuple[str, str, float]] = []
    for index, item in enumerate(raw.get("correlations") or []):
        if (
            not isinstance(item, list | tuple)
            or len(item) != 3
            or not isinstance(item[2], int | float)
        ):
            problems.append(
                InputProblem(
                    source,
                    "each correlation is [NAME_A, NAME_B, r]",
                    field=f"correlations[{index}]",
                    value=item,
                )
            )
            continue
        correlations.append((str(item[0]), str(item[1]), float(item[2])))
    if problems:
        raise InputError(problems)
    try:
        return MeasurementModel.build(equations, quantities, correlations)
    except DualcarbonError as exc:
        raise InputError([InputProblem(source, str(exc), field="model")]) from None


def _input(name: str, spec: object) -> InputQuantity:
    if not isinstance(spec, dict):
        raise ValueError("each input is a mapping, e.g. {value: 1.0, u: 0.1}")
    if "observations" in spec:
        observations = spec["observations"]
        if set(spec) != {"observations"} or not isinstance(observations, list):
            raise ValueError("a Type A input has only 'observations: [...]'")
        return dist.type_a(name, [float(x) for x in observations])
    kind = spec.get("distribution", "normal" if "u" in spec else "constant")
    fields = {k: v for k, v in spec.items() if k != "distribution"}
    if kind == "constant":
        if set(fields) != {"value"}:
            raise ValueError("give u (normal), a distribution, or value alone for a constant")
        return dist.constant(name, float(fields["value"]))
    if kind not in _FIELDS:
        raise ValueError(f"unknown distribution {kind!r} (known: {', '.join(_FIELDS)})")
    required, optional = _FIELDS[kind]
    missing = required - set(fields)
    unknown = set(fields) - required - optional
    if missing or unknown:
        raise ValueError(
            f"{kind}: "
            + "; ".join(
                part
                for part in (
                    f"missing {', '.join(sorted(missing))}" if missing else "",
                    f"unknown {', '.join(sorted(unknown))}" if unknown else "",
                )
                if part
            )
        )
    f = {k: float(v) for k, v in fields.items()}
    if kind == "normal":
        return dist.normal(name, f["value"], f["u"], f.get("dof", float("inf")))
    if kind == "t":
        return dist.t_distribution(name, f["value"], f["u"], f["dof"])
    if kind == "rectangular":
        if {"lower", "upper"} <= set(f) and not {"value", "half_width"} & set(f):
            return dist.rectangular(name, f["lower"], f["upper"])
        if {"value", "half_width"} <= set(f) and not {"lower", "upper"} & set(f):
            return dist.rectangular(
                name, f["value"] - f["half_width"], f["value"] + f["half_width"]
            )
        raise ValueError("rectangular: give value and half_width, or lower and upper")
    if kind == "triangular":
        return dist.triangular(name, f["lower"], f["upper"], f.get("mode"))
    if kind == "trapezoidal":
        return dist.trapezoidal(name, f["lower"], f["upper"], f["beta"])
    if kind == "arcsine":
        return dist.arcsine(name, f["value"], f["half_width"])
    if kind == "curvilinear_trapezoid":
        return dist.curvilinear_trapezoid(
            name, f["value"], f["half_width"], f["half_width_uncertainty"]
        )
    return dist.lognormal(name, f["value"], f["u"])


def run_budget(
    model: MeasurementModel,
    *,
    method: str = "both",
    coverage: float = 0.95,
    trials: int | None = 1_000_000,
    seed: int | None = None,
) -> BudgetRun:
    gum = law_of_propagation(model, coverage) if method in ("gum", "both") else None
    mcm = (
        monte_carlo(model, coverage=coverage, trials=trials, seed=seed)
        if method in ("mcm", "both")
        else None
    )
    return BudgetRun(model, gum, mcm, coverage)
