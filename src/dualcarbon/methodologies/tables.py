"""The inventory's tables: one schema each, shared by the YAML and Excel formats and the engine.

An inventory is a header (who, which year, which methodology) and a few flat tables of monthly
records. Each table is declared once, as data, in ``methodologies/data/tables/<name>.yaml``
(docs/methodology-format.md): its columns with their type, labels, default, choices and the
words a user may type for a choice. The file readers, the Excel template, the validator and the
engine all read these declarations, so the formats cannot drift apart, and a new sector's table
is a file, not code.

Every table starts with the same three columns saying where a record belongs: facility, unit
(a power unit, a clinker line, a steel process, an electrolysis series — the table may name it)
and month.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dualcarbon.errors import FactorDataError
from dualcarbon.guards.safe_yaml import safe_load

IDENTIFIER = r"^[a-z][a-z0-9_]*$"


@dataclass(frozen=True)
class Column:
    name: str
    dtype: type[pl.DataType]
    label_zh: str
    label_en: str
    required: bool = False
    default: object = None
    help_zh: str = ""
    choices: tuple[str, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)
    """Words a user may type for a choice (the Chinese name of a clinker type), by choice."""
    unit: str | None = None
    """The unit the column's numbers are in, where the table fixes it (``%``, ``kg/t``)."""
    computed: bool = False
    """Filled in by the engine (a project's grid from its header), not typed: no template
    shows it."""

    @property
    def accepted(self) -> tuple[str, ...]:
        """What a cell may hold: the words a user types (Chinese first), then the choices."""
        return (*self.aliases, *self.choices)


@dataclass(frozen=True)
class Table:
    name: str
    label_zh: str
    label_en: str
    columns: tuple[Column, ...]
    example: tuple[dict[str, object], ...] = ()
    """Rows the Excel template shows with ``--example``."""

    @property
    def schema(self) -> dict[str, type[pl.DataType]]:
        return {column.name: column.dtype for column in self.columns}

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def has(self, name: str) -> bool:
        return any(c.name == name for c in self.columns)


_DTYPES: dict[str, type[pl.DataType]] = {
    "text": pl.String,
    "number": pl.Float64,
    "integer": pl.Int64,
    "yes_no": pl.Boolean,
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ColumnSpec(_Frozen):
    name: str = Field(pattern=IDENTIFIER)
    type: Literal["text", "number", "integer", "yes_no"]
    label_zh: str
    label_en: str
    required: bool = False
    default: str | float | bool | None = None
    help_zh: str = ""
    choices: tuple[str, ...] = ()
    aliases: dict[str, str] = Field(
        default_factory=dict, description="typed word → choice, e.g. 硅酸盐水泥熟料: portland"
    )
    unit: str | None = Field(default=None, description="the unit of its numbers, if fixed")
    computed: bool = Field(
        default=False, description="filled in by the engine, not typed (left out of templates)"
    )

    @model_validator(mode="after")
    def _aliases_name_choices(self) -> ColumnSpec:
        wrong = sorted(set(self.aliases.values()) - set(self.choices))
        if wrong:
            raise ValueError(f"column {self.name}: aliases point at no choice: {wrong}")
        if self.choices and self.default is not None and self.default not in self.choices:
            raise ValueError(f"column {self.name}: default {self.default!r} is not a choice")
        return self

    def column(self) -> Column:
        return Column(
            self.name,
            _DTYPES[self.type],
            self.label_zh,
            self.label_en,
            required=self.required,
            default=self.default,
            help_zh=self.help_zh,
            choices=self.choices,
            aliases=dict(self.aliases),
            unit=self.unit,
            computed=self.computed,
        )


class TableSpec(_Frozen):
    name: str = Field(pattern=IDENTIFIER)
    order: int = Field(description="position of its sheet in a workbook")
    label_zh: str
    label_en: str
    unit_label_zh: str = Field(default="机组/排放单元", description="what its `unit` column is")
    unit_label_en: str = "unit"
    columns: tuple[ColumnSpec, ...] = Field(min_length=1)
    example: tuple[dict[str, str | float | int | bool], ...] = Field(
        default=(), description="rows the Excel template shows with --example"
    )

    @model_validator(mode="after")
    def _names_once(self) -> TableSpec:
        names = [c.name for c in self.columns]
        repeated = sorted({n for n in names if names.count(n) > 1} | (set(names) & _PLACE))
        if repeated:
            raise ValueError(f"columns declared twice or shadowing facility/unit/month: {repeated}")
        return self

    def table(self) -> Table:
        place = (
            Column("facility", pl.String, "设施", "facility", default="main"),
            Column("unit", pl.String, self.unit_label_zh, self.unit_label_en, default="all"),
            Column("month", pl.Int64, "月份", "month", required=True, help_zh="1–12"),
        )
        return Table(
            self.name,
            self.label_zh,
            self.label_en,
            (*place, *(spec.column() for spec in self.columns)),
            tuple(dict(row) for row in self.example),
        )


_PLACE = {"facility", "unit", "month"}


def load_table_file(path: Path) -> TableSpec:
    """One table declaration; a bad one names the file and the rule."""
    try:
        raw: Any = safe_load(path.read_text(encoding="utf-8"))
        spec = TableSpec.model_validate(raw)
    except (yaml.YAMLError, ValidationError) as exc:
        raise FactorDataError(str(path), None, str(exc)) from None
    if spec.name != path.stem:
        raise FactorDataError(str(path), "name", f"file must be named {spec.name}.yaml")
    return spec


def _data_folder() -> Path:
    return Path(str(resources.files("dualcarbon.methodologies").joinpath("data", "tables")))


@cache
def _tables() -> dict[str, Table]:
    specs = sorted(
        (load_table_file(path) for path in _data_folder().glob("*.yaml")),
        key=lambda spec: (spec.order, spec.name),
    )
    return {spec.name: spec.table() for spec in specs}


TABLES: dict[str, Table] = _tables()
"""Every inventory table, in workbook order. Shipped data: a bad file fails at import (the
tests import it)."""
