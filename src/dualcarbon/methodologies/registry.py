"""The calculator registry: every formula a methodology can name, declared once as data.

A calculator is read from ``methodologies/data/calculators/*.yaml``. It has input slots (name,
the standard's symbol, unit, accepted tiers, a ``derive`` rule for a value computed from other
slots when a default applies), the table it reads, its formula in the standard's symbols and the
same formula as an ``equation`` over the slot names. The equation is compiled by
:mod:`dualcarbon.uncertainty.expression`, so it can be evaluated on the lines of a result and
differentiated exactly (docs/decisions/0014-calculator-registry.md).

Methodology files name a calculator per source; a file that names one not registered does not
load (it names the calculator and the registered ones).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dualcarbon.datum import Tier
from dualcarbon.errors import DualcarbonError, FactorDataError
from dualcarbon.guards.safe_yaml import safe_load
from dualcarbon.methodologies.bands import Band
from dualcarbon.methodologies.tables import TABLES
from dualcarbon.uncertainty.expression import Equation, ModelError, parse_equation
from dualcarbon.units import conversion_factor

IDENTIFIER = r"^[a-z][a-z0-9_]*$"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Derivation(_Frozen):
    """A slot's value computed from other slots when its tier is ``when`` (e.g. carbon content
    from the heat value and a default carbon per unit heat)."""

    when: Tier
    equation: str
    signed: bool = Field(
        default=False,
        description="the value may be below zero (a month that took more from the grid than it "
        "supplied); otherwise a negative result refuses the row",
    )


class Slot(_Frozen):
    """One input of a calculator."""

    name: str = Field(pattern=IDENTIFIER, description="the name the equation uses")
    symbol: str = Field(description="the standard's symbol, e.g. FC_i")
    name_zh: str
    name_en: str
    unit: str = Field(description="the unit the value is taken in, as a reader writes it")
    line_column: str | None = Field(
        default=None,
        description="the column of a result's lines holding the value, for the calculators "
        "with an evaluator of their own (engine.IMPLEMENTATIONS); None: the line's inputs",
    )
    column: str | None = Field(
        default=None,
        description="the table column holding the value, for calculators the equation evaluator "
        "computes; None where only a default or a derivation gives it",
    )
    unit_column: str | None = Field(
        default=None, description="the table column naming the unit the value is typed in"
    )
    tier_column: str | None = Field(
        default=None, description="the table column naming the value's tier (else the first)"
    )
    u_column: str | None = Field(
        default=None, description="the table column holding the value's standard uncertainty"
    )
    mpe_column: str | None = Field(
        default=None,
        description="the table column holding the meter's maximum permissible error in % "
        "(u = MPE·|x|/√3, rectangular: JCGM 100 4.3.7), used where no u is typed",
    )
    evidence_column: str | None = Field(
        default=None,
        description="the inventory column naming the value's evidence (instrument, report, or a "
        "typed default's source); None where the engine supplies it (a catalogue factor)",
    )
    tiers: tuple[Tier, ...] = Field(min_length=1, description="tiers accepted, best first")
    derive: Derivation | None = None
    used_by: Literal["equation", "derive"] = Field(
        default="equation", description="whether the main equation or a derivation reads it"
    )
    plausible: Band | None = Field(
        default=None,
        description="where the value is believable (outside ``warn``: a warning to acknowledge) "
        "and possible (outside ``refuse``: an error), in the slot's unit",
    )
    from_source: bool = Field(
        default=False,
        description="the methodology names this slot's factor on the source (`factor:`, "
        "`factor_by_year:`), as it does a grid factor",
    )


class Calculator(_Frozen):
    """One formula: its inputs, the table it reads and where it comes from."""

    id: str = Field(pattern=IDENTIFIER)
    name_zh: str
    name_en: str
    formula: str = Field(description="the formula in the standard's symbols, as printed")
    equation: str = Field(description="``emission = …`` over the slot names")
    clause: str
    table: str = Field(description="the inventory table it reads by default")
    gas: str | None = Field(default=None, description="the gas, or None: the row's gas column")
    slots: tuple[Slot, ...] = Field(min_length=1)
    source_options: tuple[Literal["direction"], ...] = Field(
        default=(), description="what a methodology's source must say to use it (e.g. direction)"
    )
    item_column: str | None = Field(
        default=None,
        description="the table column naming what a line is about (a clinker type, a material); "
        "None: the source's name",
    )
    activity: str | None = Field(
        default=None,
        description="the slot that is the line's metered activity (its instrument is looked up "
        "in the register; reports show it first); None: the first slot",
    )

    @model_validator(mode="after")
    def _equations_name_their_slots(self) -> Self:
        names = [slot.name for slot in self.slots]
        if len(set(names)) != len(names):
            raise ValueError(f"slot names repeat: {names}")
        main = self.compiled()
        if main.output != "emission":
            raise ValueError(f"the equation must give `emission`, not {main.output!r}")
        direct = {s.name for s in self.slots if s.used_by == "equation"}
        if set(main.inputs) != direct:
            raise ValueError(
                f"the equation reads {sorted(main.inputs)}; the slots it should read are "
                f"{sorted(direct)}"
            )
        mixed = {slot.line_column is None for slot in self.slots}
        if len(mixed) > 1:
            raise ValueError(
                "either every slot names a line column (an evaluator of its own) or none does "
                "(the equation evaluator)"
            )
        if self.by_equation:
            self._columns_in_table()
        if self.activity is not None and self.activity not in names:
            raise ValueError(f"activity {self.activity!r} is not a slot")
        for slot in self.slots:
            if slot.derive is None:
                continue
            derived = parse_equation(slot.derive.equation, names)
            if derived.output != slot.name:
                raise ValueError(f"slot {slot.name}: its derivation gives {derived.output!r}")
        return self

    def _columns_in_table(self) -> None:
        table = TABLES.get(self.table)
        if table is None:
            raise ValueError(f"no inventory table {self.table!r} (methodologies/data/tables)")
        for slot in self.slots:
            for kind in (
                "column",
                "unit_column",
                "tier_column",
                "u_column",
                "mpe_column",
                "evidence_column",
            ):
                name = getattr(slot, kind)
                if name is not None and not table.has(name):
                    raise ValueError(f"slot {slot.name}: {kind} {name!r} is not in {table.name}")
            if slot.column is not None and slot.unit_column is None:
                fixed = table.column(slot.column).unit
                if fixed is not None and fixed != slot.unit:
                    conversion_factor(fixed, slot.unit)  # raises on a unit of the wrong kind
        if self.item_column is not None and not table.has(self.item_column):
            raise ValueError(f"item_column {self.item_column!r} is not in {table.name}")

    def compiled(self) -> Equation:
        return _compile(self.equation, tuple(slot.name for slot in self.slots))

    def derivation(self, slot: Slot) -> Equation | None:
        if slot.derive is None:
            return None
        return _compile(slot.derive.equation, tuple(s.name for s in self.slots))

    @property
    def by_equation(self) -> bool:
        """Whether the generic equation evaluator computes it: its slots name table columns
        rather than line columns (decision 0014)."""
        return all(slot.line_column is None for slot in self.slots)

    @property
    def activity_slot(self) -> Slot:
        return self.slot(self.activity) if self.activity else self.slots[0]

    def slot(self, name: str) -> Slot:
        found = next((s for s in self.slots if s.name == name), None)
        if found is None:
            raise KeyError(f"calculator {self.id} has no slot {name!r}")
        return found


@cache
def _compile(text: str, known: tuple[str, ...]) -> Equation:
    return parse_equation(text, known)


INDICATORS: dict[str, str] = {"power_unit": "production"}
"""Production indicators a methodology can ask for, by id, and the inventory table each reads:
``power_unit`` is the power guideline's unit indicators (supply coal rate, intensity, heat
rate), computed from the ``production`` table beside the emission lines."""


class CalculatorNotFoundError(DualcarbonError, LookupError):
    def __init__(self, calculator_id: str, available: list[str]) -> None:
        self.calculator_id = calculator_id
        self.available = tuple(available)
        super().__init__(
            f"no calculator {calculator_id!r}; registered: {', '.join(self.available)}"
        )


def _data_folder() -> Path:
    return Path(str(resources.files("dualcarbon.methodologies").joinpath("data", "calculators")))


def load_calculator_file(path: Path) -> list[Calculator]:
    """The calculators of one file (a list); a bad one names the file, its index and the rule."""
    try:
        raw = safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise FactorDataError(str(path), None, str(exc)) from None
    if not isinstance(raw, list):
        raise FactorDataError(str(path), None, "a calculator file is a list of calculators")
    found = []
    for index, entry in enumerate(raw):
        try:
            found.append(Calculator.model_validate(entry))
        except (ValidationError, ModelError, DualcarbonError) as exc:
            name = entry.get("id") if isinstance(entry, dict) else None
            raise FactorDataError(str(path), str(name or f"#{index + 1}"), str(exc)) from None
    return found


@cache
def calculators() -> dict[str, Calculator]:
    """Every registered calculator by id. Shipped data: a bad file fails loudly (the tests load
    it), a repeated id too."""
    found: dict[str, Calculator] = {}
    for path in sorted(_data_folder().glob("*.yaml")):
        for calculator in load_calculator_file(path):
            if calculator.id in found:
                raise FactorDataError(str(path), calculator.id, "calculator id registered twice")
            found[calculator.id] = calculator
    return found


def get_calculator(calculator_id: str) -> Calculator:
    try:
        return calculators()[calculator_id]
    except KeyError:
        raise CalculatorNotFoundError(calculator_id, sorted(calculators())) from None
