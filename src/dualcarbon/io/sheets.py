"""One way to read a table out of a sheet: inventories, instrument registers and product models.

Every spreadsheet the project reads is a grid of cells (from a workbook, or a CSV file) whose
first row names the columns. This module finds the columns, refuses what would otherwise be lost
or misread, and hands each reader the raw cells of each data row by column name; the reader then
types the cells by its own schema (:mod:`dualcarbon.methodologies.tables` for inventories).

What it refuses, all at once and each with its sheet, row and column:

- a column row 1 does not know, or names twice;
- a formula anywhere (its cached value may be stale: paste values);
- with a label row (the templates dualcarbon writes: names in row 1, labels in row 2, data from
  row 3), anything in row 2 that is not the column's label;
- a value in a column row 1 does not name;
- a required column missing from row 1 while the sheet holds data.

Fully empty rows are skipped. Row numbers are the sheet's own (1 is the first row).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from dualcarbon.errors import InputProblem

FORMULA_RULE = "formulas are not accepted; paste values"


@dataclass(frozen=True)
class Heading:
    """A column as row 1 may name it."""

    name: str
    label_zh: str = ""
    label_en: str = ""
    required: bool = False


@dataclass(frozen=True)
class Layout:
    label_row: bool
    """Row 2 holds the labels (dualcarbon's templates) and data start at row 3; else data start
    at row 2."""
    labels_name_columns: bool = False
    """Row 1 may name a column by its Chinese or English label as well as by its name (files a
    user lays out by hand, such as a register exported from another system)."""

    @property
    def first_data_row(self) -> int:
        return 3 if self.label_row else 2


TEMPLATE = Layout(label_row=True)
"""The layout of the workbooks dualcarbon writes: names, labels, then data."""

PLAIN = Layout(label_row=False, labels_name_columns=True)
"""Names (or labels) in row 1, data from row 2."""


@dataclass
class SheetRows:
    """The data rows of one sheet: ``(row number, {column name: raw cell})``, blanks and
    formulas left out, and the names row 1 gave."""

    rows: list[tuple[int, dict[str, object]]] = field(default_factory=list)
    named: tuple[str, ...] = ()


def is_formula(value: object) -> bool:
    """A formula cell, as openpyxl gives it (text starting with ``=``, or an array formula)."""
    if isinstance(value, ArrayFormula | DataTableFormula):
        return True
    return isinstance(value, str) and value.startswith("=")


def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def as_text(value: object) -> str:
    """A cell as text; a whole number typed into a text column keeps no ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def normal(label: str) -> str:
    """A heading or label as compared: outer spaces, a trailing ``*`` (required) and case do not
    matter."""
    return label.strip().rstrip("*").strip().casefold()


def read_sheet(
    grid: Sequence[Sequence[object]],
    headings: Sequence[Heading],
    *,
    source: str,
    sheet: str,
    layout: Layout,
) -> tuple[SheetRows, list[InputProblem]]:
    """The sheet's data rows by column name, and every problem of its layout."""
    problems: list[InputProblem] = []

    def problem(rule: str, row: int | None, field: str | None = None, value: object = None) -> None:
        problems.append(InputProblem(source, rule, field=field, sheet=sheet, row=row, value=value))

    known = {heading.name: heading for heading in headings}
    by_label: dict[str, Heading] = {}
    if layout.labels_name_columns:
        for heading in headings:
            for text in (heading.name, heading.label_zh, heading.label_en):
                if text:
                    by_label.setdefault(normal(text), heading)
    names: dict[int, str] = {}
    named: set[int] = set()
    header = grid[0] if grid else ()
    for index, raw in enumerate(header):
        if blank(raw):
            continue
        named.add(index)
        if is_formula(raw):
            continue  # reported with the other formulas
        text = as_text(raw).strip()
        found_heading = known.get(text) or by_label.get(normal(text))
        letter = get_column_letter(index + 1)
        if found_heading is None:
            listed = ", ".join(known)
            problem(f"unknown column in row 1, column {letter} (known: {listed})", 1, text)
        elif found_heading.name in names.values():
            first = next(i for i, n in names.items() if n == found_heading.name)
            problem(
                f"column named twice in row 1 (columns {get_column_letter(first + 1)} and "
                f"{letter})",
                1,
                found_heading.name,
            )
        else:
            names[index] = found_heading.name

    def formulas(row: Sequence[object], number: int) -> None:
        for index, value in enumerate(row):
            if is_formula(value):
                shown = value if isinstance(value, str) else getattr(value, "text", None)
                field = names.get(index) or f"column {get_column_letter(index + 1)}"
                problem(FORMULA_RULE, number, field, shown)

    first = layout.first_data_row
    for number, row in enumerate(grid[: first - 1], start=1):
        formulas(row, number)
    if layout.label_row and len(grid) >= 2:
        labels = grid[1]
        for index, name in names.items():
            value = labels[index] if index < len(labels) else None
            if blank(value) or is_formula(value):
                continue
            heading = known[name]
            accepted = {normal(text) for text in (heading.label_zh, heading.label_en, name)}
            if normal(as_text(value)) not in accepted:
                problem(
                    "row 2 holds the column labels and is not read (data start at row 3); "
                    f"expected {heading.label_zh!r} or {heading.label_en!r}",
                    2,
                    name,
                    value,
                )
    found = SheetRows(named=tuple(names.values()))
    unnamed: dict[int, int] = {}
    for number, row in enumerate(grid[first - 1 :], start=first):
        if all(blank(value) for value in row):
            continue
        formulas(row, number)
        cells: dict[str, object] = {}
        for index, value in enumerate(row):
            if blank(value) or is_formula(value):
                continue
            if index in names:
                cells[names[index]] = value
            elif index not in named:
                unnamed.setdefault(index, number)
        found.rows.append((number, cells))
    for index, row_number in sorted(unnamed.items()):
        problem(
            f"column {get_column_letter(index + 1)} holds values (first in row {row_number}) but "
            "has no name in row 1",
            1,
        )
    if found.rows:
        for heading in headings:
            if heading.required and heading.name not in found.named:
                problem("required column is missing from row 1", 1, heading.name)
    return found, problems


@dataclass
class KeyValues:
    """A key sheet read: each key's value (blank values left out) and the row naming it."""

    values: dict[str, object] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)


def read_key_sheet(
    grid: Sequence[Sequence[object]],
    keys: Sequence[str],
    *,
    source: str,
    sheet: str,
    titles: Sequence[str] = ("key",),
) -> tuple[KeyValues, list[InputProblem]]:
    """A sheet of keys in column A and values in column B (an inventory's header, a register's
    organisation, a product model's system). Row 1 may hold the titles (one of ``titles`` in
    column A). Refused: a formula anywhere, a value without a key, a key not in ``keys``, a key
    given twice."""
    problems: list[InputProblem] = []
    found = KeyValues()

    def problem(rule: str, row: int, field: str | None = None, value: object = None) -> None:
        problems.append(InputProblem(source, rule, field=field, sheet=sheet, row=row, value=value))

    for number, row in enumerate(grid, start=1):
        key_cell = row[0] if row else None
        value = row[1] if len(row) > 1 else None
        key = "" if is_formula(key_cell) else as_text(key_cell).strip()
        for index, cell in enumerate(row):
            if is_formula(cell):
                shown = cell if isinstance(cell, str) else getattr(cell, "text", None)
                problem(
                    FORMULA_RULE, number, key or f"column {get_column_letter(index + 1)}", shown
                )
        if is_formula(key_cell):
            continue
        if not key:
            if not blank(value) and not is_formula(value):
                problem("value without a key in column A", number, value=value)
            continue
        if number == 1 and key in titles:
            continue
        if key not in keys:
            problem(f"unknown key in column A (known: {', '.join(keys)})", number, key)
            continue
        if key in found.rows:
            problem(f"key given twice (also in row {found.rows[key]})", number, key)
            continue
        found.rows[key] = number
        if not blank(value) and not is_formula(value):
            found.values[key] = value
    return found, problems
