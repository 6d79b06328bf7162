"""A park: a boundary drawn over member organisations and the utilities they share (PARK.yaml,
docs/parks.md).

The file names each member's inventory, the energy moved between members inside the boundary (a
CHP plant selling electricity and steam to its neighbours), the green electricity members hold,
and the indicators the park reports rather than computes (solid waste, waste heat, water).
Reading it checks that every transfer joins two members and every member is named once; the
energy figures are checked against the members' inventories when the park is accounted
(:mod:`dualcarbon.parks.account`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dualcarbon.errors import InputError, InputProblem

Carrier = Literal["electricity", "heat"]
CARRIER_UNITS: dict[str, str] = {"electricity": "MWh", "heat": "GJ"}
CARRIER_ZH: dict[str, str] = {"electricity": "电力", "heat": "热力"}
"""The unit each carrier's transfers are compared in (the inventories' own)."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ParkHeader(_Strict):
    name: str = Field(min_length=1, max_length=200)
    year: int = Field(ge=2000, le=2100)
    province: str = Field(default="", max_length=50)
    level: str = Field(default="", max_length=50)
    """The development zone's level (国家级 / 省级 …): the notice admits provincial and above."""
    grid_factor: str | None = None
    """A factor id of the catalogue for electricity crossing the boundary; by default the one the
    members' inventories used (they must agree)."""
    heat_factor: str | None = None


class Member(_Strict):
    name: str = Field(min_length=1, max_length=200)
    inventory: str = Field(
        min_length=1, description="the member's inventory file, relative to PARK.yaml"
    )
    utility: bool = False
    """A shared utility of the park (CHP, heating plant, waste-water plant)."""
    conditions: str | None = None
    """Grading conditions for its products' energy quotas (docs/energy.md), relative path."""


class Transfer(_Strict):
    from_member: str = Field(alias="from", min_length=1, max_length=200)
    to_member: str = Field(alias="to", min_length=1, max_length=200)
    carrier: Carrier
    amount: float = Field(gt=0)
    unit: str = Field(default="", max_length=20)
    evidence: str = Field(default="", max_length=500)


class Green(_Strict):
    member: str = Field(min_length=1, max_length=200)
    kind: Literal["certificates", "direct", "on_site"]
    """Green certificates held against electricity bought; green power bought directly (绿电直供,
    with its trade contract); renewable electricity generated and used on site."""
    mwh: float = Field(gt=0)
    evidence: str = Field(min_length=1, max_length=500)


class Declared(_Strict):
    value: float | None = None
    not_applicable: str | None = Field(default=None, max_length=500)
    """Why the indicator does not apply (the notice admits it for waste heat)."""
    evidence: str = Field(default="", max_length=500)


class Park(_Strict):
    park: ParkHeader
    members: tuple[Member, ...] = Field(min_length=1)
    transfers: tuple[Transfer, ...] = ()
    green_electricity: tuple[Green, ...] = ()
    declared: dict[str, Declared] = Field(default_factory=dict)

    def member(self, name: str) -> Member:
        return next(m for m in self.members if m.name == name)


DECLARED = ("solid_waste_utilisation", "waste_heat_utilisation", "water_reuse")
"""The indicators a park declares with their evidence (not computed from inventories)."""
NOT_APPLICABLE_ALLOWED = ("waste_heat_utilisation",)
"""Where the notice lets a park explain that the indicator does not apply."""


def _location(parts: Sequence[int | str]) -> str:
    """A pydantic location as the file's reader counts: ``transfers[1].amount`` (from 1)."""
    text = ""
    for part in parts:
        text += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def park_from_mapping(raw: Mapping[str, Any], *, source: str) -> Park:
    """The park of a PARK.yaml; every problem at once as an :class:`InputError`."""
    park, problems = checked_park(raw, source=source)
    if problems or park is None:
        raise InputError(problems)
    return park


def checked_park(raw: Mapping[str, Any], *, source: str) -> tuple[Park | None, list[InputProblem]]:
    """The park of a PARK.yaml and the problems of its cross-references (``None`` when it does
    not even read), so that a caller can add the problems of the members' files to them."""
    try:
        park = Park.model_validate(raw)
    except ValidationError as exc:
        return None, [
            InputProblem(
                source,
                str(error["msg"]),
                field=_location(error["loc"]),
                value=error.get("input") if not isinstance(error.get("input"), dict) else None,
            )
            for error in exc.errors()
        ]
    problems: list[InputProblem] = []
    names = [m.name for m in park.members]
    for index, name in enumerate(names):
        if names.index(name) != index:
            problems.append(
                InputProblem(
                    source,
                    "a member is named once",
                    field=f"members[{index + 1}].name",
                    value=name,
                    rule_zh="每个成员只能出现一次",
                )
            )
    known = set(names)
    for index, transfer in enumerate(park.transfers, start=1):
        for side, name in (("from", transfer.from_member), ("to", transfer.to_member)):
            if name not in known:
                problems.append(
                    InputProblem(
                        source,
                        f"not a member of the park ({', '.join(names)})",
                        field=f"transfers[{index}].{side}",
                        value=name,
                        rule_zh=f"不是园区成员（成员：{'、'.join(names)}）",
                    )
                )
        if transfer.from_member == transfer.to_member:
            problems.append(
                InputProblem(
                    source,
                    "a transfer joins two different members",
                    field=f"transfers[{index}]",
                    rule_zh="内部输送须在两个不同成员之间",
                )
            )
        expected = CARRIER_UNITS[transfer.carrier]
        if transfer.unit and transfer.unit != expected:
            problems.append(
                InputProblem(
                    source,
                    f"{transfer.carrier} is given in {expected}",
                    field=f"transfers[{index}].unit",
                    value=transfer.unit,
                    rule_zh=f"{CARRIER_ZH[transfer.carrier]}以 {expected} 计",
                )
            )
    for index, green in enumerate(park.green_electricity, start=1):
        if green.member not in known:
            problems.append(
                InputProblem(
                    source,
                    f"not a member of the park ({', '.join(names)})",
                    field=f"green_electricity[{index}].member",
                    value=green.member,
                    rule_zh=f"不是园区成员（成员：{'、'.join(names)}）",
                )
            )
    for key, declared in park.declared.items():
        if key not in DECLARED:
            problems.append(
                InputProblem(
                    source,
                    f"unknown indicator (known: {', '.join(DECLARED)})",
                    field=f"declared.{key}",
                    rule_zh=f"未知的指标（可用：{'、'.join(DECLARED)}）",
                )
            )
            continue
        if declared.not_applicable is not None and key not in NOT_APPLICABLE_ALLOWED:
            problems.append(
                InputProblem(
                    source,
                    "the notice admits 'not applicable' only for waste heat",
                    field=f"declared.{key}.not_applicable",
                    rule_zh="通知仅允许余热/余冷/余压综合利用率说明不适用",
                )
            )
        if declared.value is not None and not declared.evidence.strip():
            problems.append(
                InputProblem(
                    source,
                    "a declared value names its evidence",
                    field=f"declared.{key}.evidence",
                    rule_zh="申报的数值须注明证据（evidence）",
                )
            )
        if (declared.value is None) == (declared.not_applicable is None):
            problems.append(
                InputProblem(
                    source,
                    "give its value (%) or why it does not apply",
                    field=f"declared.{key}",
                    rule_zh="填写数值（%），或说明不适用的理由（not_applicable）",
                )
            )
        elif declared.value is not None and not 0 <= declared.value <= 100:
            problems.append(
                InputProblem(
                    source,
                    "a percentage between 0 and 100",
                    field=f"declared.{key}.value",
                    value=declared.value,
                    rule_zh="百分数须在 0 与 100 之间",
                )
            )
    return park, problems
