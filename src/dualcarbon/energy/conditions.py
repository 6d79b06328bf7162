"""What a grade needs besides the energy data: the site's and each unit's conditions.

A conditions file (YAML, read by :mod:`dualcarbon.io.energy_conditions`) holds the site's
numbers (altitude, atmospheric pressure) and, per process unit, its class under the standard
(``class: subc_600``) and the numbers its corrections read (clinker ratio, a declared Table 2
increment with ``table2_increment_clause``):

    site: {altitude_m: 2000, pressure_pa: 79500}
    units:
      "#1": {class: subc_600, table2_increment: 0, table2_increment_clause: 表2 湿冷机组}
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dualcarbon.errors import InputProblem

CLAUSE_SUFFIX = "_clause"


@dataclass(frozen=True)
class UnitConditions:
    quota_class: str | None = None
    numbers: Mapping[str, float] = field(default_factory=dict)
    clauses: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class GradingConditions:
    site: UnitConditions = field(default_factory=UnitConditions)
    units: Mapping[str, UnitConditions] = field(default_factory=dict)

    def for_unit(self, unit: str) -> UnitConditions:
        """The site's conditions overlaid by the unit's own (a facility-wide scope, ``""``,
        takes the site's, and the class when every unit shares one)."""
        own = self.units.get(unit)
        if own is None and not unit:
            classes = {u.quota_class for u in self.units.values() if u.quota_class}
            own = UnitConditions(quota_class=classes.pop() if len(classes) == 1 else None)
        own = own or UnitConditions()
        return UnitConditions(
            quota_class=own.quota_class or self.site.quota_class,
            numbers={**self.site.numbers, **own.numbers},
            clauses={**self.site.clauses, **own.clauses},
        )


def unit_conditions(
    raw: object, *, file: str, where: str, problems: list[InputProblem]
) -> UnitConditions:
    """One block of conditions: ``class``, numbers, and ``*_clause`` texts."""
    if raw is None:
        return UnitConditions()
    if not isinstance(raw, Mapping):
        problems.append(
            InputProblem(
                file,
                "must be a mapping of condition: value",
                field=where,
                rule_zh="应为“条件: 数值”的映射",
            )
        )
        return UnitConditions()
    quota_class: str | None = None
    numbers: dict[str, float] = {}
    clauses: dict[str, str] = {}
    for key, value in raw.items():
        name = str(key)
        if name == "class":
            quota_class = str(value).strip() or None
        elif name.endswith(CLAUSE_SUFFIX):
            clauses[name.removesuffix(CLAUSE_SUFFIX)] = str(value or "")
        else:
            number = _number(value)
            if number is None:
                problems.append(
                    InputProblem(
                        file,
                        "must be a finite number",
                        field=f"{where}.{name}",
                        value=value,
                        rule_zh="应为有限数值",
                    )
                )
            else:
                numbers[name] = number
    return UnitConditions(quota_class, numbers, clauses)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
