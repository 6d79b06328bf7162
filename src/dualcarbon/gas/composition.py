"""A measured natural-gas composition: mole fractions, their standard uncertainties and the
correlations between them, checked against the ISO 6976:2016 table (``gas/table.py``).

A gas chromatograph's raw analysis does not sum to 1. Normalising it,
:math:`x_i = y_i / \\sum_k y_k`, correlates the fractions: by the law of propagation (JCGM 100
5.2) with independent raw amounts, :math:`\\mathrm{cov}(x) = J\\,\\mathrm{diag}(u^2(y))\\,J^T`,
:math:`J_{ik} = (\\delta_{ik} - x_i)/\\sum y`. ISO 6976:2016 takes the correlations as an input
(its Annex D example 3 gives a matrix from such a normalisation); :func:`normalised` computes them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dualcarbon.errors import InputError, InputProblem
from dualcarbon.gas.table import iso_6976

SUM_TOLERANCE = 1e-4
"""How far the fractions may sum from 1 before the composition is refused (an analysis reported to
four or five decimals sums to within a few 1e-5)."""


@dataclass(frozen=True)
class Composition:
    """Mole fractions by ISO 6976 component name, with their u and correlations."""

    fractions: dict[str, float]
    u: dict[str, float] = field(default_factory=dict)
    correlations: dict[frozenset[str], float] = field(default_factory=dict)
    source: str = "composition"

    def correlation(self, a: str, b: str) -> float:
        return 1.0 if a == b else self.correlations.get(frozenset((a, b)), 0.0)

    @property
    def without_uncertainty(self) -> tuple[str, ...]:
        """Components present whose fraction came without a standard uncertainty."""
        return tuple(name for name, x in self.fractions.items() if x and name not in self.u)


def composition(
    fractions: Mapping[str, float],
    u: Mapping[str, float] | None = None,
    correlations: Iterable[tuple[str, str, float]] = (),
    *,
    source: str = "composition",
    prefix: str = "",
) -> Composition:
    """A checked composition; every problem at once as an :class:`InputError` whose fields are
    ``prefix`` + the name given. Names may be English or Chinese; they are stored by their English
    table name."""
    table = iso_6976()
    problems: list[InputProblem] = []
    names: dict[str, str] = {}

    def canonical(given: str, field_prefix: str = prefix) -> str | None:
        component = table.find(given)
        if component is None:
            problems.append(
                InputProblem(
                    source,
                    "not a component of the ISO 6976:2016 table here "
                    f"({', '.join(f'{c.name} {c.zh}' for c in table.components.values())})",
                    field=f"{field_prefix}{given}",
                )
            )
            return None
        return component.name

    clean: dict[str, float] = {}
    for given, x in fractions.items():
        name = canonical(given)
        if name is None:
            continue
        if name in clean:
            problems.append(
                InputProblem(
                    source,
                    f"{name} is given twice ({names[name]}, {given})",
                    field=f"{prefix}{given}",
                )
            )
            continue
        names[name] = given
        if not isinstance(x, (int, float)) or not math.isfinite(x) or not 0.0 <= x <= 1.0:
            problems.append(
                InputProblem(
                    source,
                    "a mole fraction lies between 0 and 1",
                    field=f"{prefix}{given}",
                    value=x,
                )
            )
            continue
        clean[name] = float(x)
    numbers = [x for x in fractions.values() if isinstance(x, (int, float)) and math.isfinite(x)]
    total = math.fsum(numbers)
    if numbers and abs(total - 1.0) > SUM_TOLERANCE:
        problems.append(
            InputProblem(
                source,
                f"the mole fractions sum to {total:.6f}, not 1 (normalise the analysis, or give "
                "the raw analysis as such so that it is normalised with its correlations)",
                field="composition",
                value=total,
            )
        )
    if not fractions:
        problems.append(InputProblem(source, "no component given", field="composition"))
    clean_u: dict[str, float] = {}
    for given, value in (u or {}).items():
        where = f"{prefix}{given}.u" if prefix else f"u.{given}"
        component = table.find(given)
        if component is None or component.name not in names:
            if given not in fractions:  # an unknown name given a fraction is named once, above
                problems.append(
                    InputProblem(
                        source, "an uncertainty of a component not in the composition", field=where
                    )
                )
            continue
        name = component.name
        if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            problems.append(
                InputProblem(
                    source,
                    "a standard uncertainty is a number ≥ 0",
                    field=where,
                    value=value,
                )
            )
        else:
            clean_u[name] = float(value)
    pairs: dict[frozenset[str], float] = {}
    for a, b, r in correlations:
        first, second = canonical(a, "correlations."), canonical(b, "correlations.")
        if first is None or second is None:
            continue
        where = f"correlations.{a}/{b}"
        if first == second or first not in clean or second not in clean:
            problems.append(
                InputProblem(
                    source, "a correlation joins two components of the composition", field=where
                )
            )
        elif frozenset((first, second)) in pairs:
            problems.append(
                InputProblem(
                    source,
                    "a pair of components is correlated once",
                    field=where,
                    rule_zh="每对组分只能给出一个相关系数",
                )
            )
        elif isinstance(r, bool) or not isinstance(r, (int, float)) or not -1.0 <= r <= 1.0:
            problems.append(
                InputProblem(source, "a correlation lies in [−1, 1]", field=where, value=r)
            )
        else:
            pairs[frozenset((first, second))] = float(r)
    if pairs and not problems:
        order = list(clean)
        matrix = np.array(
            [[1.0 if a == b else pairs.get(frozenset((a, b)), 0.0) for b in order] for a in order]
        )
        if np.linalg.eigvalsh(matrix).min() < -1e-9:
            problems.append(
                InputProblem(
                    source,
                    "the correlation matrix is not positive semi-definite (no set of "
                    "measurements could have these correlations)",
                    field="correlations",
                )
            )
    if problems:
        raise InputError(problems)
    # within the tolerance, normalised exactly: ISO 6976 sums the fractions to one
    whole = math.fsum(clean.values())
    return Composition({k: v / whole for k, v in clean.items()}, clean_u, pairs, source)


RAW_TOTAL_RANGE = (0.98, 1.02)
"""How far a raw analysis may sum from 100 % before it is refused: a chromatograph's unnormalised
total so far off says the analysis (calibration, injection) is to be run again, not normalised."""


def normalised(
    raw: Mapping[str, float],
    u: Mapping[str, float] | None = None,
    *,
    source: str = "composition",
    prefix: str = "",
) -> Composition:
    """The composition a raw (unnormalised) analysis ``raw`` gives, with the fractions'
    uncertainties and correlations propagated through the normalisation (module docstring); the
    raw amounts' uncertainties are taken as independent, and a component given without one
    still takes the uncertainty the others' bring through the normalisation."""
    problems = [
        InputProblem(source, "a raw amount is a number ≥ 0", field=f"{prefix}{name}", value=value)
        for name, value in raw.items()
        if isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
    ]
    problems += [
        InputProblem(
            source,
            "a standard uncertainty is a number ≥ 0",
            field=f"{prefix}{name}.u" if prefix else f"u.{name}",
            value=value,
        )
        for name, value in (u or {}).items()
        if isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
    ]
    if problems:
        raise InputError(problems)
    total = math.fsum(raw.values())
    low, high = RAW_TOTAL_RANGE
    if not low <= total <= high:
        raise InputError(
            [
                InputProblem(
                    source,
                    f"the raw analysis sums to {total:.6f} ({total:.2%}), outside "
                    f"{low:.0%}–{high:.0%}: run the analysis again rather than normalise it",
                    field="composition",
                    value=total,
                )
            ]
        )
    names = list(raw)
    y = np.array([float(raw[n]) for n in names])
    u_y = np.array([float((u or {}).get(n, 0.0)) for n in names])
    x = y / total
    jacobian = (np.eye(len(names)) - x[:, None]) / total
    covariance = jacobian @ np.diag(u_y**2) @ jacobian.T
    u_x = np.sqrt(np.clip(np.diag(covariance), 0.0, None))
    correlations = [
        (names[i], names[j], float(covariance[i, j] / (u_x[i] * u_x[j])))
        for i in range(len(names))
        for j in range(i + 1, len(names))
        if u_x[i] > 0 and u_x[j] > 0
    ]
    return composition(
        {n: float(x[i]) for i, n in enumerate(names)},
        {n: float(u_x[i]) for i, n in enumerate(names) if u_x[i] > 0},
        [(a, b, max(-1.0, min(1.0, r))) for a, b, r in correlations],
        source=source,
        prefix=prefix,
    )


def composition_from_mapping(raw: Mapping[str, Any], *, source: str) -> Composition:
    """The ``composition:`` of a composition file (docs/gas-composition.md): each component as a
    number or as ``{x, u}``; ``unit: mol%`` or ``fraction``; ``normalised: false`` for a raw
    analysis; ``correlations:`` as ``[a, b, r]`` triples."""
    problems: list[InputProblem] = []
    entries = raw.get("composition")
    if not isinstance(entries, Mapping) or not entries:
        raise InputError(
            [
                InputProblem(
                    source,
                    "needs a 'composition' mapping: component → x or {x, u}",
                    field="composition",
                )
            ]
        )
    unit = str(raw.get("unit", "fraction")).strip()
    scales = {"fraction": 1.0, "mol%": 0.01, "%": 0.01, "mol/mol": 1.0}
    if unit not in scales:
        problems.append(
            InputProblem(source, f"one of {', '.join(scales)}", field="unit", value=unit)
        )
    scale = scales.get(unit, 1.0)
    fractions: dict[str, float] = {}
    uncertainties: dict[str, float] = {}
    for name, entry in entries.items():
        value, u = (entry.get("x"), entry.get("u")) if isinstance(entry, Mapping) else (entry, None)
        for part, number in (("x", value), ("u", u)):
            if number is not None and (
                isinstance(number, bool) or not isinstance(number, (int, float))
            ):
                problems.append(
                    InputProblem(
                        source, "a number", field=f"composition.{name}.{part}", value=number
                    )
                )
        if value is None:
            problems.append(InputProblem(source, "needs its amount x", field=f"composition.{name}"))
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            fractions[str(name)] = float(value) * scale
        if isinstance(u, (int, float)) and not isinstance(u, bool):
            uncertainties[str(name)] = float(u) * scale
    correlations: list[tuple[str, str, float]] = []
    for index, triple in enumerate(raw.get("correlations") or []):
        if (
            not isinstance(triple, (list, tuple))
            or len(triple) != 3
            or isinstance(triple[2], bool)
            or not isinstance(triple[2], (int, float))
        ):
            problems.append(
                InputProblem(
                    source,
                    "a correlation is [component, component, r]",
                    field=f"correlations[{index + 1}]",
                    value=triple,
                )
            )
            continue
        correlations.append((str(triple[0]), str(triple[1]), float(triple[2])))
    is_normalised = raw.get("normalised", True)
    if not isinstance(is_normalised, bool):
        problems.append(
            InputProblem(source, "true or false", field="normalised", value=is_normalised)
        )
    if is_normalised is not False:
        try:
            checked = composition(
                fractions, uncertainties, correlations, source=source, prefix="composition."
            )
        except InputError as error:
            problems += error.problems
        if problems:
            raise InputError(problems)
        return checked
    if correlations:
        problems.append(
            InputProblem(
                source,
                "a raw analysis gets its correlations from the normalisation; give correlations "
                "only with a normalised composition",
                field="correlations",
            )
        )
    if problems:
        raise InputError(problems)
    return normalised(fractions, uncertainties, source=source, prefix="composition.")
