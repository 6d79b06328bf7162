"""Methodologies as data: an executable standard, read from ``methodologies/data/<id>.yaml``.

A methodology names the document and clauses it implements, the emission sources it recognises,
the fuels it has defaults for, and for each parameter the tiers it accepts and what happens when a
better tier is missing. The formulas themselves live once, in :mod:`calculators`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dualcarbon.datum import Tier
from dualcarbon.errors import FactorDataError, MethodologyNotFoundError
from dualcarbon.guards.safe_yaml import safe_load
from dualcarbon.methodologies.processes import ProductionProcess, SharedLineRule
from dualcarbon.methodologies.project_rules import ProjectRules
from dualcarbon.methodologies.registry import (
    IDENTIFIER,
    INDICATORS,
    CalculatorNotFoundError,
    get_calculator,
)
from dualcarbon.methodologies.tables import TABLES

FuelCategory = Literal["coal", "oil", "gas", "other"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Fallback(_Frozen):
    """What the methodology does when no accepted measurement exists for a parameter."""

    factor: str = Field(description="factor id (or id@version) of the default")
    clause: str
    rule_zh: str = Field(description="the rule as a verifier reads it, Chinese")
    rule_en: str


class ParameterRule(_Frozen):
    """Tiers a methodology accepts for one parameter, best first, and the fallback."""

    accepts: tuple[Tier, ...]
    fallback: Fallback | None = None
    clause: str = ""

    @model_validator(mode="after")
    def _something_to_use(self) -> Self:
        if not self.accepts and self.fallback is None:
            raise ValueError("a parameter needs accepted tiers or a fallback")
        return self


class FuelRules(_Frozen):
    name_zh: str
    name_en: str
    category: FuelCategory
    consumption_unit: str = Field(description="unit FC is converted to before the formula")
    net_calorific_value: ParameterRule
    carbon_content: ParameterRule = Field(
        description="含碳量 per physical unit; its fallback is NCV × a default 单位热值含碳量"
    )
    oxidation_rate: ParameterRule


class ContractualRule(_Frozen):
    """Whether green certificates or green-power trades may lower a purchased-electricity source
    (the market-based figure), by the methodology's own clause. The location-based figure is
    always computed."""

    allowed: bool
    clause: str
    note_zh: str
    note_en: str


class SourceRule(_Frozen):
    """One emission source of a methodology: the calculator that computes it and what it reads."""

    kind: str = Field(
        pattern=IDENTIFIER, description="the source's id in results (fuel_combustion, process …)"
    )
    calculator: str = Field(description="id of a registered calculator (methodologies.registry)")
    table: str | None = Field(
        default=None, description="the inventory table read, when not the calculator's own"
    )
    direction: Literal["purchased", "exported"] | None = Field(
        default=None, description="which rows of an electricity or heat table: bought or sold"
    )
    name_zh: str
    name_en: str
    clause: str
    formula: str = Field(description="the formula with the standard's symbols, as printed")
    sign: Literal[1, -1] = 1
    factor: str | None = Field(
        default=None, description="default factor for indirect sources (grid, heat)"
    )
    factor_by_year: dict[int, str] = Field(default_factory=dict)
    reported_separately: bool = Field(
        default=False,
        description="reported beside the total but not added to it (e.g. indirect emissions)",
    )
    colour: str | None = Field(
        default=None,
        pattern=r"^#[0-9a-fA-F]{6}$",
        description="the source's colour in charts (#rrggbb); the same kind keeps one colour",
    )
    rows: dict[str, str] = Field(
        default_factory=dict,
        description="which rows of the table the source reads, by column value (a steel "
        "material's flow: input or output)",
    )
    defaults: dict[str, str] = Field(
        default_factory=dict,
        description="slot → factor id giving its default when the row has no value; ``{column}`` "
        "is replaced by the row's value (cn-mee-cement-2024/clinker/{clinker_type})",
    )
    contractual: ContractualRule | None = Field(
        default=None,
        description="purchased electricity: whether certificates may lower it, and the clause",
    )

    @model_validator(mode="after")
    def _calculator_registered_and_fed(self) -> Self:
        try:
            calculator = get_calculator(self.calculator)
        except CalculatorNotFoundError as exc:  # as a rule this file breaks, naming the others
            raise ValueError(str(exc)) from None
        missing = [name for name in calculator.source_options if getattr(self, name) is None]
        if missing:
            raise ValueError(f"calculator {calculator.id} needs the source to give {missing}")
        table = TABLES.get(self.table or calculator.table)
        if table is None:
            raise ValueError(f"no inventory table {self.table or calculator.table!r}")
        unknown = [column for column in self.rows if not table.has(column)]
        if unknown:
            raise ValueError(f"rows: table {table.name} has no column {unknown}")
        if (self.rows or self.defaults) and not calculator.by_equation:
            raise ValueError(
                f"rows and defaults are for calculators the equation evaluator computes; "
                f"{calculator.id} has an evaluator of its own"
            )
        slot_names = {slot.name for slot in calculator.slots}
        for slot_name, key in self.defaults.items():
            if slot_name not in slot_names:
                raise ValueError(f"defaults: {calculator.id} has no slot {slot_name!r}")
            named = [n for n in re.findall(r"\{(\w+)\}", key) if not table.has(n)]
            if named:
                raise ValueError(f"defaults: {key} names columns {table.name} has not: {named}")
        if (self.factor or self.factor_by_year) and not any(
            slot.from_source for slot in calculator.slots
        ):
            raise ValueError(
                f"a {self.kind} source takes no factor: its calculator {calculator.id} reads its "
                "factors per row of the inventory (or per fuel from the methodology's fuel rules)"
            )
        return self

    @property
    def table_name(self) -> str:
        return self.table or get_calculator(self.calculator).table


class Methodology(_Frozen):
    id: str
    version: int = Field(ge=1)
    title_zh: str
    title_en: str
    document: str
    issued: dt.date
    in_force: dt.date | None = None
    reporting_years: tuple[int, ...]
    supersedes: str | None = None
    alternative_to: str | None = Field(
        default=None,
        description="the methodology this one is a named alternative of (other fuel defaults): "
        "chosen by its id in an inventory, never by sector and year",
    )
    gases: tuple[str, ...] = ("CO2",)
    gwp_set: str | None = Field(default=None, description="factor source id of the GWP set")
    sector: str = Field(
        pattern=IDENTIFIER,
        description="the sector the methodology accounts (power, industry, cement …): free data",
    )
    sources: tuple[SourceRule, ...]
    fuels: dict[str, FuelRules] = Field(default_factory=dict)
    fuels_from: str | None = Field(
        default=None,
        description="id of the methodology whose fuel rules this one uses as printed (the "
        "sector guidelines share the common fuel table); filled in when the folder loads",
    )
    monthly_weighting: str = Field(
        default="",
        description="how daily or batch values are weighted into the month the inventory gives, "
        "as the guideline prints it (shown by `methodologies show`: the user prepares the data so)",
    )
    annual_weighting: str = Field(
        default="", description="how months make the year, as printed (shown likewise)"
    )
    notes: tuple[str, ...] = ()
    indicators: tuple[str, ...] = Field(
        default=(), description="production indicators computed beside the lines (registry)"
    )
    template_example: dict[str, str] = Field(
        default_factory=dict,
        description="header values of the example inventory template (organisation, facility)",
    )
    project: ProjectRules | None = Field(
        default=None,
        description="a project methodology's applicability, crediting period and monitoring "
        "(sector `project`); None for an enterprise guideline",
    )
    processes: tuple[ProductionProcess, ...] = Field(
        default=(),
        description="the guideline's process levels and their products, for attributing the "
        "inventory to products (methodologies.processes)",
    )
    shared_lines: SharedLineRule | None = Field(
        default=None, description="how facility-level lines are split between processes"
    )

    @model_validator(mode="after")
    def _processes_fit(self) -> Self:
        kinds = {source.kind for source in self.sources}
        seen: set[str] = set()
        for process in self.processes:
            if process.id in seen:
                raise ValueError(f"process {process.id} is declared twice")
            seen.add(process.id)
            unknown = [kind for kind in process.sources if kind not in kinds]
            if unknown:
                raise ValueError(f"process {process.id}: no source {unknown} in `sources`")
            product = process.product
            table = TABLES.get(product.table)
            if table is None or not table.has(product.column):
                raise ValueError(
                    f"process {process.id}: no column {product.column} in table {product.table}"
                )
        if self.processes and self.shared_lines is None:
            raise ValueError("a methodology with `processes` says how shared lines are split")
        return self

    @model_validator(mode="after")
    def _project_rules_fit(self) -> Self:
        if (self.sector == "project") != (self.project is not None):
            raise ValueError("a methodology of sector `project` has a `project:` block, no other")
        for parameter in self.project.monitoring if self.project else ():
            table = TABLES.get(parameter.table)
            if table is None or parameter.table not in self.tables:
                raise ValueError(f"monitoring {parameter.parameter}: no table {parameter.table}")
            for column in (parameter.column, parameter.evidence_column, parameter.mpe_column):
                if column is not None and not table.has(column):
                    raise ValueError(
                        f"monitoring {parameter.parameter}: {table.name} has no column {column}"
                    )
        return self

    @model_validator(mode="after")
    def _gases_covered(self) -> Self:
        for source in self.sources:
            gas = get_calculator(source.calculator).gas
            if gas is not None and gas not in self.gases:
                raise ValueError(
                    f"source {source.kind} computes {gas}, which `gases` {list(self.gases)} omits"
                )
        return self

    @model_validator(mode="after")
    def _indicators_known(self) -> Self:
        unknown = [name for name in self.indicators if name not in INDICATORS]
        if unknown:
            raise ValueError(f"no indicator {unknown}; known: {sorted(INDICATORS)}")
        return self

    @property
    def tables(self) -> frozenset[str]:
        """The inventory tables the methodology reads: its sources' and its indicators'."""
        return frozenset(
            {source.table_name for source in self.sources}
            | {INDICATORS[name] for name in self.indicators}
        )

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def source(self, kind: str) -> SourceRule | None:
        return next((s for s in self.sources if s.kind == kind), None)

    def factor_for(self, source: SourceRule, year: int) -> str | None:
        return source.factor_by_year.get(year, source.factor)


def load_methodology_file(path: Path) -> Methodology:
    try:
        raw = safe_load(path.read_text(encoding="utf-8"))
        methodology = Methodology.model_validate(raw)
    except (yaml.YAMLError, ValidationError) as exc:
        raise FactorDataError(str(path), None, str(exc)) from exc
    if methodology.id != path.stem:
        raise FactorDataError(str(path), "id", f"file must be named {methodology.id}.yaml")
    return methodology


def _data_folder() -> Path:
    return Path(str(resources.files("dualcarbon.methodologies").joinpath("data")))


@dataclass(frozen=True)
class Shipped:
    """Every methodology file read: those that load, and those that do not with the reason (a
    bad file names itself; it does not take the others down)."""

    methodologies: dict[str, Methodology]
    broken: dict[str, FactorDataError]


def load_folder(folder: Path) -> Shipped:
    """Read every ``*.yaml`` of ``folder`` one by one."""
    found: dict[str, Methodology] = {}
    broken: dict[str, FactorDataError] = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            methodology = load_methodology_file(path)
        except FactorDataError as exc:
            broken[path.name] = exc
            continue
        found[methodology.id] = methodology
    for name, methodology in list(found.items()):
        if methodology.fuels_from is None:
            continue
        lender = found.get(methodology.fuels_from)
        if lender is None or methodology.fuels or lender.fuels_from:
            del found[name]
            broken[f"{name}.yaml"] = FactorDataError(
                f"{name}.yaml",
                "fuels_from",
                f"fuels_from {methodology.fuels_from!r} must name a methodology that loads and "
                "has fuels of its own, and this one must declare none",
            )
            continue
        found[name] = methodology.model_copy(update={"fuels": lender.fuels})
    return Shipped(found, broken)


@cache
def shipped() -> Shipped:
    return load_folder(_data_folder())


def all_methodologies() -> dict[str, Methodology]:
    """The methodologies that load (see :func:`broken_methodologies` for the others)."""
    return shipped().methodologies


def enterprise_methodologies() -> dict[str, Methodology]:
    """The methodologies an enterprise inventory is accounted by (not the project ones)."""
    return {key: m for key, m in all_methodologies().items() if m.project is None}


def broken_methodologies() -> dict[str, FactorDataError]:
    """File name → why it does not load."""
    return shipped().broken


def get_methodology(methodology_id: str) -> Methodology:
    methodologies = all_methodologies()
    try:
        return methodologies[methodology_id]
    except KeyError:
        broken = broken_methodologies().get(f"{methodology_id}.yaml")
        if broken is not None:
            raise broken from None
        raise MethodologyNotFoundError(methodology_id, sorted(methodologies)) from None


def methodology_for_year(sector: str, year: int) -> Methodology:
    """The revision of a sector's methodology that governs data of ``year``."""
    candidates = [
        m
        for m in all_methodologies().values()
        if m.sector == sector and year in m.reporting_years and m.alternative_to is None
    ]
    if not candidates:
        raise MethodologyNotFoundError(f"{sector} for {year}", sorted(all_methodologies()))
    return max(candidates, key=lambda m: m.issued)


ALIASES = {
    "power-2022": "cn-mee-power-2022",
    "power": "cn-mee-power-2022",
    "industry": "gbt-32150-2025",
    "gbt32150": "gbt-32150-2025",
    "cement-2024": "cn-mee-cement-2024",
    "cement": "cn-mee-cement-2024",
    "steel-2024": "cn-mee-steel-2024",
    "steel": "cn-mee-steel-2024",
    "aluminium-2024": "cn-mee-aluminium-2024",
    "aluminium": "cn-mee-aluminium-2024",
}
"""Short names a user may type; each points at one methodology id."""


def resolve_methodology(name: str) -> Methodology:
    """A methodology by id, ``id@version`` or short alias (``power-2022``). A version must be the
    one shipped: ``cn-mee-power-2022@7`` is an error, not version 1."""
    methodology_id, _, version = name.partition("@")
    methodology = get_methodology(ALIASES.get(methodology_id, methodology_id))
    if version and version != str(methodology.version):
        raise MethodologyNotFoundError(
            name, [m.ref for m in sorted(all_methodologies().values(), key=lambda m: m.id)]
        )
    return methodology
