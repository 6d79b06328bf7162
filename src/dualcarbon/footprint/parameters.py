"""Parameters and formulas of a product system, evaluated: system parameters, then each
process's own, in dependency order; then every exchange amount and the reference flow."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from dualcarbon.errors import InputError, InputProblem
from dualcarbon.footprint.problems import problem, process_sheet
from dualcarbon.uncertainty.expression import Equation, parse_equation

if TYPE_CHECKING:
    from dualcarbon.footprint.model import Parameter, ProductSystem, ReferenceFlow


@dataclasses.dataclass
class Evaluation:
    system_values: dict[str, float]
    amounts: dict[str, tuple[float, ...]]
    reference_amount: float
    problems: list[InputProblem]


def _evaluate_scope(
    parameters: Sequence[Parameter],
    outer: Mapping[str, float],
    overrides: Mapping[str, float],
    sheet: str | None,
    problems: list[InputProblem],
) -> dict[str, float]:
    """Values of ``parameters`` given the names of ``outer``; formulas in dependency order."""
    values = dict(outer)
    known = set(outer) | {p.name for p in parameters}
    pending: dict[str, tuple[int, Equation]] = {}
    failed: set[str] = set()
    for index, parameter in enumerate(parameters):
        field = f"parameters[{index + 1}].formula"
        if parameter.name in overrides:
            values[parameter.name] = overrides[parameter.name]
        elif parameter.value is not None:
            values[parameter.name] = parameter.value
        else:
            equation = parameter.equation()
            assert equation is not None
            unknown = [name for name in equation.inputs if name not in known]
            if unknown:
                problems.append(
                    problem(
                        f"unknown name(s) {', '.join(unknown)}",
                        field,
                        parameter.formula,
                        sheet=sheet,
                    )
                )
                failed.add(parameter.name)
            else:
                pending[parameter.name] = (index, equation)
    while pending:
        progressed = False
        for name, (index, equation) in list(pending.items()):
            if any(i in failed for i in equation.inputs):
                failed.add(name)
            elif all(i in values for i in equation.inputs):
                value = float(equation.evaluate(values))
                if math.isfinite(value):
                    values[name] = value
                else:
                    failed.add(name)
                    problems.append(
                        problem(
                            f"the formula gives {value}",
                            f"parameters[{index + 1}].formula",
                            equation.text,
                            sheet=sheet,
                        )
                    )
            else:
                continue
            del pending[name]
            progressed = True
        if not progressed:
            problems.append(
                problem(
                    "formulas depend on each other in a circle",
                    "parameters",
                    sorted(pending),
                    sheet=sheet,
                )
            )
            failed.update(pending)
            break
    return values


def evaluate(
    system: ProductSystem, overrides: Mapping[str, float] | None, *, raise_problems: bool
) -> Evaluation:
    problems: list[InputProblem] = []
    overrides = dict(overrides or {})
    names = {p.name for p in system.parameters}
    for name in sorted(set(overrides) - names):
        problems.append(problem("no system parameter of this name to override", "parameters", name))
    system_values = _evaluate_scope(system.parameters, {}, overrides, "parameters", problems)
    amounts: dict[str, tuple[float, ...]] = {}
    for process in system.processes:
        sheet = process_sheet(process.id)
        scope = _evaluate_scope(process.parameters, system_values, {}, sheet, problems)
        values: list[float] = []
        for index, exchange in enumerate(process.exchanges):
            if exchange.amount is not None:
                values.append(exchange.amount)
                continue
            assert exchange.formula is not None
            equation = parse_equation(f"amount = {exchange.formula}")
            unknown = [name for name in equation.inputs if name not in scope]
            amount = math.nan
            if unknown:
                known = set(names) | {p.name for p in process.parameters}
                rule = (
                    f"unknown name(s) {', '.join(unknown)}"
                    if any(u not in known for u in unknown)
                    else "depends on a parameter that could not be evaluated"
                )
                problems.append(
                    problem(rule, "formula", exchange.formula, sheet=sheet, row=index + 1)
                )
            else:
                amount = float(equation.evaluate(scope))
                if not (math.isfinite(amount) and amount >= 0):
                    problems.append(
                        problem(
                            f"the formula gives {amount:g}; "
                            "amounts are finite and not signed (≥ 0)",
                            "formula",
                            exchange.formula,
                            sheet=sheet,
                            row=index + 1,
                        )
                    )
            values.append(amount)
        amounts[process.id] = tuple(values)
    reference_amount = _reference_amount(system.reference_flow, system_values, problems)
    if raise_problems and problems:
        raise InputError(problems)
    return Evaluation(system_values, amounts, reference_amount, problems)


def _reference_amount(
    flow: ReferenceFlow, values: Mapping[str, float], problems: list[InputProblem]
) -> float:
    if flow.amount is not None:
        return flow.amount
    assert flow.formula is not None
    equation = parse_equation(f"amount = {flow.formula}")
    unknown = [name for name in equation.inputs if name not in values]
    if unknown:
        problems.append(
            problem(
                f"unknown or unevaluated name(s) {', '.join(unknown)}",
                "reference_flow.formula",
                flow.formula,
            )
        )
        return math.nan
    amount = float(equation.evaluate(values))
    if not (math.isfinite(amount) and amount > 0):
        problems.append(
            problem(
                f"the formula gives {amount:g}; a reference flow is finite and > 0",
                "reference_flow.formula",
                flow.formula,
            )
        )
    return amount
