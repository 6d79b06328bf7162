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
    problems += _unknown_names(site, units, source)
    if problems:
        raise InputError(problems)
    return GradingConditions(site=site, units=units)


def _unknown_names(
    site: UnitConditions, units: Mapping[str, UnitConditions], source: str
) -> list[InputProblem]:
    """A condition no quota standard reads is a typing mistake (``table2_incremnt``): refused,
    since a correction silently not applied looks like one applied."""
    from dualcarbon.energy.quotas import quota_standards

    known = {"altitude_m", "pressure_pa"} | {
        c.condition for s in quota_standards().values() for c in s.corrections
    }
    problems = []
    for where, block in (("site", site), *((f"units.{n}", u) for n, u in units.items())):
        for name in sorted({*block.numbers, *block.clauses} - known):
            problems.append(
                InputProblem(
                    source,
                    f"no quota correction reads {name!r} (known: {', '.join(sorted(known))})",
                    field=f"{where}.{name}",
                    rule_zh=f"没有任何限额修正读取 {name!r}（可用：{', '.join(sorted(known))}）",
                )
            )
    return problems
