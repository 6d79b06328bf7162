"""A project's monitoring data: who and what the project is, its periods, its monitoring plan and
its monthly records (docs/projects.md)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Self

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dualcarbon.errors import InputProblem
from dualcarbon.methodologies.tables import Column, Table

YEAR = "year"
"""The column every project table carries beside ``month``: a monitoring period crosses years,
and each year y has its own BE_y and grid factor."""

GRIDS: dict[str, str] = {
    "north": "华北区域电网",
    "northeast": "东北区域电网",
    "east": "华东区域电网",
    "central": "华中区域电网",
    "northwest": "西北区域电网",
    "south": "南方区域电网",
    "southwest": "西南区域电网",
}
"""The regional grids of the project baseline factors, by id (the 2024 edition has seven, with
西南; earlier editions six)."""

GRID_ALIASES: dict[str, str] = {
    **{name: grid for grid, name in GRIDS.items()},
    **{name.removesuffix("区域电网"): grid for grid, name in GRIDS.items()},
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Period(_Frozen):
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end < self.start:
            raise ValueError("the period ends before it starts")
        return self

    def contains(self, other: Period) -> bool:
        return self.start <= other.start and other.end <= self.end

    def overlaps(self, other: Period) -> bool:
        return self.start <= other.end and other.start <= self.end

    def months(self) -> list[tuple[int, int]]:
        """(year, month) of every month the period touches, in order."""
        found = []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            found.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return found

    def __str__(self) -> str:
        return f"{self.start} – {self.end}"


class TypedMargins(_Frozen):
    """Operating and build margins of one year typed by the project, with the notice they are
    read in (while the catalogue holds no edition for the year)."""

    om: float = Field(gt=0, le=2.0, description="EF_grid,OM,y [tCO2/MWh]")
    bm: float = Field(gt=0, le=2.0, description="EF_grid,BM,y [tCO2/MWh]")
    source: str = Field(min_length=2, description="the published notice, edition and table")


class ProjectHeader(_Frozen):
    id: str = Field(min_length=1, max_length=64, description="registry number or own reference")
    name: str = Field(min_length=1, max_length=200)
    owner: str = Field(min_length=1, max_length=200)
    methodology: str
    plant: str | None = Field(
        default=None,
        max_length=100,
        description="the generating plant's code in the green-certificate system (国家绿证核发"
        "交易系统项目编码), under which a MWh is claimed once across the platform; None: the "
        "project's id",
    )
    grid: str | None = Field(default=None, description="regional grid id (north … southwest)")
    grid_connected: dt.date | None = None
    crediting_period: Period | None = Field(
        default=None, description="required by a credited methodology (CCER)"
    )
    monitoring_period: Period
    facts: dict[str, float | bool] = Field(default_factory=dict)
    grid_margins: dict[int, TypedMargins] = Field(
        default_factory=dict, description="year → OM and BM typed with their notice"
    )

    @property
    def plant_code(self) -> str:
        return self.plant or self.id

    @field_validator("id", "name", "owner", "methodology")
    @classmethod
    def _printable(cls, value: str) -> str:
        if any(ord(c) < 32 for c in value):
            raise ValueError("control characters are not allowed in names")
        return value.strip()

    @field_validator("facts")
    @classmethod
    def _finite_facts(cls, value: dict[str, float | bool]) -> dict[str, float | bool]:
        for name, fact in value.items():
            if not isinstance(fact, bool) and not math.isfinite(fact):
                raise ValueError(f"fact {name} must be a finite number")
        return value

    @field_validator("grid", mode="before")
    @classmethod
    def _grid(cls, value: object) -> object:
        if isinstance(value, str):
            value = GRID_ALIASES.get(value.strip(), value.strip())
            if value not in GRIDS:
                raise ValueError(
                    f"unknown grid {value!r}; one of {', '.join([*GRIDS, *GRIDS.values()])}"
                )
        return value


class PlanEntry(_Frozen):
    """One line of the monitoring plan: which register instrument measures a parameter."""

    parameter: str
    meter: str = Field(min_length=1)
    point: str | None = Field(
        default=None,
        description="the metering point (the table's `unit`) it serves; None: every point",
    )
    note: str = ""


@dataclass(frozen=True)
class ProjectInventory:
    """A project file read: header, monitoring plan, and tables with ``year`` and ``month``."""

    header: ProjectHeader
    plan: tuple[PlanEntry, ...]
    tables: Mapping[str, pl.DataFrame]
    source: str = "<memory>"
    sheets: Mapping[str, str] = field(default_factory=dict)
    plan_rows: tuple[int, ...] = ()
    """Row of each plan entry in its file (sheet row or list position), for messages."""

    def meters_for(self, parameter: str) -> list[PlanEntry]:
        return [entry for entry in self.plan if entry.parameter == parameter]


def with_year(table: Table, *, typed_only: bool = False) -> Table:
    """A project table: the inventory table with ``year`` before its columns (with
    ``typed_only``, without the columns the engine fills in, as a template shows it)."""
    year = Column(YEAR, pl.Int64, "年份", "year", required=True, help_zh="如 2025")
    columns = [c for c in table.columns if not (typed_only and c.computed)]
    return Table(
        table.name,
        table.label_zh,
        table.label_en,
        (year, *columns),
        tuple({YEAR: 2025, **row} for row in table.example),
    )


def year_problems(frame: pl.DataFrame, source: str, sheet: str) -> list[InputProblem]:
    """Rows whose year is not a plausible calendar year."""
    bad = frame.filter(pl.col(YEAR).is_not_null() & ~pl.col(YEAR).is_between(2000, 2100))
    return [
        InputProblem(
            source,
            "must be a year (2000–2100)",
            field=YEAR,
            sheet=sheet,
            row=row,
            value=year,
            rule_zh="须为年份（2000–2100）",
        )
        for row, year in bad.select("_row", YEAR).iter_rows()
    ]
