"""Reading a park (PARK.yaml, docs/parks.md) and its members' inventories, and accounting it.

Member files are named relative to PARK.yaml. Every problem of every file is reported at once,
each naming its own file; nothing is accounted half."""

from __future__ import annotations

from pathlib import Path

from dualcarbon.accounting.engine import account
from dualcarbon.energy.assessment import assess
from dualcarbon.energy.balance import energy_balance
from dualcarbon.energy.grade import GradeResult
from dualcarbon.errors import InputError, InputProblem
from dualcarbon.guards.yaml_file import read_yaml_mapping
from dualcarbon.io import read_inventory
from dualcarbon.io.energy_conditions import read_conditions
from dualcarbon.parks.account import MemberInput, ParkAccount, account_park
from dualcarbon.parks.definition import Park, park_from_mapping
from dualcarbon.parks.evaluation import indicator_system


def read_park(path: Path) -> Park:
    raw = read_yaml_mapping(path, "a mapping with park, members and transfers")
    return park_from_mapping(raw, source=str(path))


def account_park_file(path: Path) -> ParkAccount:
    """The park of ``path``, its members accounted from their own files."""
    park = read_park(path)
    base = path.parent
    problems: list[InputProblem] = []
    members: list[MemberInput] = []
    for index, member in enumerate(park.members, start=1):
        file = (base / member.inventory).resolve()
        if not file.is_file():
            problems.append(
                InputProblem(
                    str(path),
                    "no such file",
                    field=f"members[{index}].inventory",
                    value=member.inventory,
                    rule_zh="找不到该文件",
                )
            )
            continue
        try:
            inventory = read_inventory(file)
            result = account(inventory)
            grades: tuple[GradeResult, ...] = ()
            if member.conditions:
                conditions = read_conditions((base / member.conditions).resolve())
                assessed = assess(inventory, result, conditions)
                grades = tuple(g.result for g in assessed.grades)
                balance = assessed.balance
            else:
                balance = energy_balance(inventory, result)
        except InputError as error:
            problems += error.problems
            continue
        members.append(
            MemberInput(member.name, inventory, result, balance, grades, bool(member.conditions))
        )
    if problems:
        raise InputError(problems)
    return account_park(park, members, source=str(path), clean_fuels=indicator_system().clean_fuels)
