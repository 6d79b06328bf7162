"""The conditions file of an energy grade (docs/energy.md): the site's and each unit's class and
correction numbers."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dualcarbon.energy.conditions import GradingConditions, UnitConditions, unit_conditions
from dualcarbon.errors import InputError, InputProblem
from dualcarbon.guards.yaml_file import read_yaml_mapping

KEYS = ("site", "units")


def read_conditions(path: Path) -> GradingConditions:
    return conditions_from_mapping(read_yaml_mapping(path), source=str(path))


def conditions_from_mapping(raw: Mapping[str, Any], *, source: str) -> GradingConditions:
    problems: list[InputProblem] = []
    for key in raw:
        if key not in KEYS:
            problems.append(
                InputProblem(
                    source,
                    f"unknown key (known: {', '.join(KEYS)})",
                    field=str(key),
                    rule_zh=f"未知的键（可用：{', '.join(KEYS)}）",
                )
            )
    site = unit_conditions(raw.get("site"), file=source, where="site", problems=problems)
    units: dict[str, UnitConditions] = {}
    raw_units = raw.get("units") or {}
    if not isinstance(raw_units, Mapping):
        problems.append(
            InputProblem(
                source,
                "must map each unit's name to its conditions",
                field="units",
                rule_zh="应为“机组/生产线名称: 条件”的映射",
            )
        )
        raw_units = {}
    for name, block in raw_units.items():
        units[str(name)] = unit_conditions(
            block, file=source, where=f"units.{name}", problems=problems
        )
    if problems:
        raise InputError(problems)
    return GradingConditions(site=site, units=units)
