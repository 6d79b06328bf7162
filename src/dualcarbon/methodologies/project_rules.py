"""What a project methodology says beyond its formulas: the facts a project declares, when it
applies, how long it may be credited, and how each monitored parameter is metered.

A CCER methodology (《温室气体自愿减排项目方法学》) states its applicability conditions (§2), the
crediting period (§5.2), and for each monitored parameter the instrument, its accuracy, its
calibration duty and the conservative treatment of a reading when the meter was not calibrated in
time (§7). These are data on the methodology file (``project:``), read here, and checked by
:mod:`dualcarbon.projects`.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

IDENTIFIER = r"^[a-z][a-z0-9_]*$"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Fact(_Frozen):
    """One fact a project declares about itself (distance from shore, separate metering)."""

    name: str = Field(pattern=IDENTIFIER)
    type: Literal["number", "yes_no"]
    label_zh: str
    label_en: str
    unit: str | None = None
    evidence_zh: str = Field(default="", description="what the validation body reads it in")


class Condition(_Frozen):
    """A test of one fact: above, at least, below, or equal to a value."""

    fact: str
    above: float | None = None
    at_least: float | None = None
    below: float | None = None
    equals: bool | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Self:
        tests = [self.above, self.at_least, self.below, self.equals]
        if sum(t is not None for t in tests) != 1:
            raise ValueError("a condition gives exactly one of above, at_least, below, equals")
        return self

    def holds(self, value: float | bool) -> bool:
        if self.equals is not None:
            return value is self.equals
        number = float(value)
        if self.above is not None:
            return number > self.above
        if self.at_least is not None:
            return number >= self.at_least
        assert self.below is not None
        return number < self.below

    def describe(self, lang: str, label: str, unit: str | None) -> str:
        shown = f" {unit}" if unit else ""
        if self.equals is not None:
            yes = ("是" if self.equals else "否") if lang == "zh" else str(self.equals).lower()
            return f"{label} = {yes}"
        for value, sign in ((self.above, ">"), (self.at_least, "≥"), (self.below, "<")):
            if value is not None:
                return f"{label} {sign} {value:g}{shown}"
        raise AssertionError("unreachable")


class Applicability(_Frozen):
    """A clause of the methodology's applicability: met when any of its conditions holds."""

    clause: str
    rule_zh: str
    rule_en: str
    any_of: tuple[Condition, ...] = Field(min_length=1)


class MonitoredParameter(_Frozen):
    """A parameter measured during the crediting period, as the monitoring tables give it."""

    parameter: str = Field(pattern=IDENTIFIER, description="the monitoring plan's name for it")
    symbol: str
    name_zh: str
    name_en: str
    table: str
    column: str
    evidence_column: str
    mpe_column: str | None = None
    conservative: Literal["lower", "upper"] | None = Field(
        default=None,
        description="a reading of a meter not calibrated in time is taken × (1 − error) "
        "(lower: what earns reductions) or × (1 + error) (upper: what reduces them); None where "
        "the methodology states no such rule",
    )
    accuracy_class_max: float | None = Field(
        default=None, gt=0, description="the worst accuracy class the methodology accepts"
    )
    calibration_months_max: int | None = Field(
        default=None, gt=0, description="the longest calibration interval it accepts"
    )
    frequency_zh: str
    frequency_en: str
    clause: str


class Subtotal(_Frozen):
    """A sum of some of the methodology's sources reported beside the total (ISO 27916's
    m_stored beside the full chain's net figure)."""

    key: str = Field(pattern=IDENTIFIER)
    name_zh: str
    name_en: str
    sources: tuple[str, ...] = Field(min_length=1)
    clause: str


class ProjectRules(_Frozen):
    """The ``project:`` block of a project methodology."""

    name_zh: str = Field(description="the kind of project, as the methodology's title names it")
    name_en: str
    total_name_zh: str = Field(default="减排量", description="what the signed total is")
    total_name_en: str = "reductions"
    crediting_years_max: int | None = Field(
        default=None, gt=0, description="None: the project is reported, not credited"
    )
    crediting_clause: str = ""
    earliest_reduction: dt.date | None = Field(
        default=None,
        description="reductions arising before this day are not eligible (温室气体自愿减排交易"
        "管理办法（试行） Art. 17: after 2020-09-22)",
    )
    earliest_reduction_clause: str = ""
    period_within_year: bool = Field(
        default=False,
        description="a monitoring period lies inside one calendar year (a storage chain reports "
        "yearly, and its grid electricity takes the factor of its year)",
    )
    monthly_tables: tuple[str, ...] = Field(
        default=(), description="tables with a record for every month of the monitoring period"
    )
    subtotals: tuple[Subtotal, ...] = ()
    conservative_clause: str = Field(
        default="", description="the clause on readings of meters not calibrated in time"
    )
    grid_factor_clause: str = Field(
        default="", description="which year's published margins apply (Tables 6–9)"
    )
    facts: tuple[Fact, ...] = ()
    applicability: tuple[Applicability, ...] = ()
    monitoring: tuple[MonitoredParameter, ...] = ()
    project_emissions_zh: str = Field(
        default="", description="what the methodology counts as project emissions, in words"
    )
    project_emissions_en: str = ""
    leakage_zh: str = ""
    leakage_en: str = ""

    @model_validator(mode="after")
    def _facts_named(self) -> Self:
        known = {fact.name: fact for fact in self.facts}
        for clause in self.applicability:
            for condition in clause.any_of:
                fact = known.get(condition.fact)
                if fact is None:
                    raise ValueError(f"applicability names an undeclared fact {condition.fact!r}")
                if (condition.equals is None) != (fact.type == "number"):
                    raise ValueError(f"fact {fact.name}: its condition does not fit its type")
        names = [m.parameter for m in self.monitoring]
        if len(set(names)) != len(names):
            raise ValueError(f"monitored parameters repeat: {names}")
        return self

    def fact(self, name: str) -> Fact:
        return next(f for f in self.facts if f.name == name)

    def parameter(self, name: str) -> MonitoredParameter | None:
        return next((m for m in self.monitoring if m.parameter == name), None)
