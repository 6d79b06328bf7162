"""Whole-table checks of an inventory, vectorised; each problem names file, sheet, row, field."""

from __future__ import annotations

import polars as pl

from dualcarbon.accounting.inventory import ROW, Inventory
from dualcarbon.errors import InputProblem
from dualcarbon.methodologies.tables import TABLES, Table


def problems_where(
    inventory: Inventory,
    table: str,
    frame: pl.DataFrame,
    mask: pl.Expr,
    field: str,
    rule: str,
    rule_zh: str | None = None,
) -> list[InputProblem]:
    """One problem per row of ``frame`` where ``mask`` holds (``rule_zh``: the rule's Chinese,
    where the translation catalogue cannot give it)."""
    # one lazy query, not an eager filter then an eager select: each is a collect of its own
    hits = frame.lazy().filter(mask).select(ROW, pl.col(field).alias("_value")).collect()
    sheet = inventory.sheets.get(table, table)
    return [
        InputProblem(
            inventory.source, rule, field=field, sheet=sheet, row=row, value=value, rule_zh=rule_zh
        )
        for row, value in hits.iter_rows()
    ]


def fraction_problems(
    inventory: Inventory, table: str, frame: pl.DataFrame, field: str, what: str
) -> list[InputProblem]:
    """Rows where a fraction (purity, heat-supply ratio) exceeds 1."""
    return problems_where(
        inventory, table, frame, pl.col(field) > 1.0, field, f"{what} is a fraction between 0 and 1"
    )


IMPLAUSIBLE = 1e12
"""No single monthly figure of an inventory exceeds this in any unit the tables take (the whole
world burns about 10^9 t of coal a month); a larger number is a unit or typing mistake, and one
near the float limit would overflow the totals."""


def with_defaults(table: Table, frame: pl.DataFrame) -> pl.DataFrame:
    """Add missing optional columns and fill empty cells with each column's default."""
    missing = [
        pl.lit(None, dtype=column.dtype).alias(column.name)
        for column in table.columns
        if column.name not in frame.columns
    ]
    if missing:
        frame = frame.with_columns(missing)
    if ROW not in frame.columns:
        frame = frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
    fills = [
        pl.col(column.name).fill_null(pl.lit(column.default, dtype=column.dtype))
        for column in table.columns
        if column.default is not None
    ]
    if fills:
        frame = frame.with_columns(fills)
    # a word the table accepts for a choice (硅酸盐水泥熟料 for portland) becomes the choice
    named = [pl.col(c.name).replace(c.aliases) for c in table.columns if c.aliases]
    return frame.with_columns(named) if named else frame


def check_table(inventory: Inventory, name: str) -> tuple[pl.DataFrame, list[InputProblem]]:
    """The table with defaults filled, and the problems the generic rules find in it."""
    table = TABLES[name]
    frame = with_defaults(table, inventory.table(name))
    rules: list[tuple[pl.Expr, str, str]] = []  # (where it is broken, field, rule)
    for column in table.columns:
        if column.required:
            rules.append((pl.col(column.name).is_null(), column.name, "required value is missing"))
        if column.choices:
            rules.append(
                (
                    pl.col(column.name).is_not_null()
                    & ~pl.col(column.name).is_in(list(column.choices)),
                    column.name,
                    f"must be one of {', '.join(column.accepted)}",
                )
            )
        if column.dtype is pl.Float64 and column.name not in {"emission_factor"}:
            rules.append((pl.col(column.name) < 0, column.name, "must not be negative"))
        if column.unit == "%":
            rules.append((pl.col(column.name) > 100, column.name, "a percentage is at most 100"))
        if column.dtype is pl.Float64:
            rules.append(
                (
                    pl.col(column.name).abs() > IMPLAUSIBLE,
                    column.name,
                    f"implausibly large (over {IMPLAUSIBLE:.0e} in any unit): check the unit",
                )
            )
    rules.append(
        (
            ~pl.col("month").is_between(1, 12),
            "month",
            "month must be 1–12 within the inventory year",
        )
    )
    # One pass tells which rules any row breaks (a query per rule was most of accounting a small
    # inventory, issue 12); only those are then listed row by row, in the rules' order.
    broken = frame.select(
        [mask.any().alias(f"rule{i}") for i, (mask, _, _) in enumerate(rules)]
    ).row(0)
    problems: list[InputProblem] = []
    for hit, (mask, field, rule) in zip(broken, rules, strict=True):
        if hit:
            problems += problems_where(inventory, name, frame, mask, field, rule)
    return frame, problems
