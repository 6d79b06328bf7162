"""An inventory: who, which year, which methodology, and the tables of monthly records."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, field_validator

from dualcarbon.errors import InputProblem
from dualcarbon.i18n import YES_NO_RULE, yes_no
from dualcarbon.methodologies.tables import TABLES, Table

ROW = "_row"
"""Column holding the row number of each record in its source file (for error messages)."""


class InventoryHeader(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    organisation: str = Field(min_length=1)
    facility: str = Field(default="", description="facility or plant name shown in reports")
    year: int = Field(ge=2000, le=2100)
    methodology: str = Field(description="methodology id, e.g. cn-mee-power-2022")
    region: str = Field(default="CN", description="grid region for electricity factors")

    @field_validator("organisation", "facility", "methodology", "region")
    @classmethod
    def _printable(cls, value: str) -> str:
        # names are stored as text columns, which cannot hold U+0000 on PostgreSQL
        if any(ord(c) < 32 for c in value):
            raise ValueError("control characters are not allowed in names")
        return value


@dataclass(frozen=True)
class Inventory:
    header: InventoryHeader
    tables: Mapping[str, pl.DataFrame]
    source: str = "<memory>"
    sheets: Mapping[str, str] = field(default_factory=dict)
    """Where each table came from in the source file (sheet name or YAML key)."""

    def table(self, name: str) -> pl.DataFrame:
        frame = self.tables.get(name)
        if frame is None:
            return empty_frame(TABLES[name])
        return frame

    def digest(self) -> str:
        """SHA-256 over the header and tables, to recognise the same input later."""
        return self._digest

    @cached_property
    def _digest(self) -> str:
        # an inventory is immutable (frozen, its frames never edited in place), so once is enough
        sha = hashlib.sha256(self.header.model_dump_json().encode())
        for name in sorted(self.tables):
            frame = self.tables[name].drop(ROW, strict=False)
            sha.update(name.encode())
            sha.update(frame.write_csv().encode())
        return sha.hexdigest()


def empty_frame(table: Table) -> pl.DataFrame:
    return pl.DataFrame(schema={**table.schema, ROW: pl.Int64})


def coerce_records(
    table: Table,
    records: Sequence[Mapping[str, Any]],
    *,
    file: str,
    sheet: str | None = None,
    first_row: int = 1,
    rows: Sequence[int] | None = None,
) -> tuple[pl.DataFrame, list[InputProblem]]:
    """Type each cell of row dicts by the table's schema; report every cell that does not fit.

    Used by the YAML and Excel readers. Unknown keys are reported too, so a misspelt column is
    not silently ignored. Records are numbered from ``first_row``, or by ``rows`` (a sheet's own
    row numbers, blank rows skipped).
    """
    known = {column.name for column in table.columns}
    problems: list[InputProblem] = []
    columns: dict[str, list[Any]] = {column.name: [] for column in table.columns}
    numbers: list[int] = []
    for offset, record in enumerate(records):
        row = rows[offset] if rows is not None else first_row + offset
        numbers.append(row)
        for key in record:
            if key not in known:
                problems.append(
                    InputProblem(
                        file,
                        f"unknown column (known: {', '.join(sorted(known))})",
                        field=str(key),
                        sheet=sheet,
                        row=row,
                    )
                )
        for column in table.columns:
            raw = record.get(column.name)
            value, rule = _coerce(raw, column.dtype)
            if rule:
                problems.append(
                    InputProblem(file, rule, field=column.name, sheet=sheet, row=row, value=raw)
                )
            columns[column.name].append(value)
    data = {
        column.name: pl.Series(column.name, columns[column.name], dtype=column.dtype)
        for column in table.columns
    }
    data[ROW] = pl.Series(ROW, numbers, dtype=pl.Int64)
    return pl.DataFrame(data), problems


def _coerce(raw: Any, dtype: type[pl.DataType]) -> tuple[Any, str | None]:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    if dtype is pl.Float64:
        if isinstance(raw, bool):
            return None, "must be a number"
        if isinstance(raw, int | float):
            value = float(raw)
        else:
            try:
                value = float(str(raw).replace(",", "").strip())
            except ValueError:
                return None, "must be a number"
        if not math.isfinite(value):
            return None, "must be a finite number"
        return value, None
    if dtype is pl.Int64:
        if isinstance(raw, bool):
            return None, "must be a whole number"
        try:
            number = float(raw)
        except (TypeError, ValueError):
            return None, "must be a whole number"
        if not number.is_integer():
            return None, "must be a whole number"
        return int(number), None
    if dtype is pl.Boolean:
        answer = yes_no(raw)
        return (answer, None) if answer is not None else (None, YES_NO_RULE)
    return str(raw).strip(), None
