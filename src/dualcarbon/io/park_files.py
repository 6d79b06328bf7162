"""Reading a park (PARK.yaml, docs/parks.md) and its members' inventories, and accounting it.

Member files are named relative to PARK.yaml. The problems of the park file and of every
member's files are reported together, each naming its own file; the transfers are checked
against the inventories once those read. Nothing is accounted half."""

from __future__ import annotations

from pathlib import Path

from dualcarbon.accounting.engine import account
from dualcarbon.energy.assessment import ScopedGrade, assess
from dualcarbon.energy.balance import energy_balance
from dualcarbon.errors import InputError, InputProblem
from dualcarbon.guards.yaml_file import read_yaml_mapping
from dualcarbon.io import read_inventory
from dualcarbon.io.energy_conditions import read_conditions
from dualcarbon.parks.account import MemberInput, ParkAccount, account_park
from dualcarbon.parks.definition import Park, checked_park, park_from_mapping
from dualcarbon.parks.evaluation import indicator_system


def read_park(path: Path) -> Park:
    raw = read_yaml_mapping(path, "a mapping with park, members and transfers")
    return park_from_mapping(raw, source=str(path))


def account_park_file(path: Path) -> ParkAccount:
    """The park of ``path``, its members accounted from their own files."""
    raw = read_yaml_mapping(path, "a mapping with park, members and transfers")
    park, problems = checked_park(raw, source=str(path))
    if park is None:
        raise InputError(problems)
    base = path.parent
    members: list[MemberInput] = []
    seen: dict[Path, int] = {}

    def missing(index: int, field: str, value: str) -> None:
        problems.append(
            InputProblem(
                str(path),
                "no such file",
                field=f"members[{index}].{field}",
                value=value,
                rule_zh="找不到该文件",
            )
        )

    for index, member in enumerate(park.members, start=1):
        file = (base / member.inventory).resolve()
        if not file.is_file():
            missing(index, "inventory", member.inventory)
            continue
        if file in seen:
            problems.append(
                InputProblem(
                    str(path),
                    f"the same inventory as members[{seen[file]}]: it would count twice",
                    field=f"members[{index}].inventory",
                    value=member.inventory,
                    rule_zh=f"与 members[{seen[file]}] 是同一份清单：会重复计算",
                )
            )
            continue
        seen[file] = index
        conditions_file = (base / member.conditions).resolve() if member.conditions else None
        if conditions_file is not None and not conditions_file.is_file():
            missing(index, "conditions", str(member.conditions))
            continue
        try:
            inventory = read_inventory(file)
            if inventory.header.year != park.park.year:
                problems.append(
                    InputProblem(
                        str(path),
                        f"the inventory is of {inventory.header.year}, the park's year is "
                        f"{park.park.year}",
                        field=f"members[{index}].inventory",
                        value=member.inventory,
                        rule_zh=f"该清单为 {inventory.header.year} 年，园区核算年度为 "
                        f"{park.park.year} 年",
                    )
                )
                continue
            result = account(inventory)
            grades: tuple[ScopedGrade, ...] = ()
            if conditions_file is not None:
                assessed = assess(inventory, result, read_conditions(conditions_file))
                grades = assessed.grades
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
