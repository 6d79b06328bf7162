"""The one sheet reader (issue 13, item 9): inventories, registers and product workbooks find
their columns and refuse a bad layout the same way (dualcarbon.io.sheets)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from dualcarbon.demo import demo_footprint_path, demo_register_path
from dualcarbon.errors import InputError
from dualcarbon.io.excel import read_workbook, write_template
from dualcarbon.io.product_workbook import read_product_workbook, write_product_workbook
from dualcarbon.io.product_yaml import read_product_system
from dualcarbon.io.register_files import read_register, write_register
from dualcarbon.io.sheets import PLAIN, TEMPLATE, Heading, Layout, SheetRows, read_sheet
from dualcarbon.methodologies.definition import get_methodology

HEADINGS = [Heading("amount", "数量", "amount", required=True), Heading("note", "说明", "note")]


def _read(grid: list[tuple[object, ...]], layout: Layout = TEMPLATE) -> tuple[SheetRows, list[str]]:
    found, problems = read_sheet(grid, HEADINGS, source="f.xlsx", sheet="s", layout=layout)
    return found, [f"{p.row}:{p.field}:{p.rule}" for p in problems]


def test_rows_by_name_blank_rows_skipped_numbers_kept() -> None:
    found, problems = _read(
        [("amount", "note"), ("数量", "说明"), (1.5, "a"), (None, None), (2.0, None)]
    )
    assert problems == []
    assert found.rows == [(3, {"amount": 1.5, "note": "a"}), (5, {"amount": 2.0})]


def test_every_layout_problem_at_once() -> None:
    _, problems = _read(
        [
            ("note", "note", "weight", None),
            ("说明", "x", None, None),
            ("=1+1", None, None, 7),
        ]
    )
    assert any(
        p.startswith("1:note:column named twice in row 1 (columns A and B)") for p in problems
    )
    assert any(p.startswith("1:weight:unknown column in row 1, column C") for p in problems)
    assert "3:note:formulas are not accepted; paste values" in problems
    assert any("column D holds values (first in row 3)" in p for p in problems)
    assert "1:amount:required column is missing from row 1" in problems


def test_a_label_row_holding_data_is_refused() -> None:
    _, problems = _read([("amount",), (12.0,), (13.0,)])
    assert any(p.startswith("2:amount:row 2 holds the column labels") for p in problems)


def test_plain_files_may_name_columns_by_label() -> None:
    found, problems = _read([("数量", "Note"), (4.0, "x")], PLAIN)
    assert problems == []
    assert found.rows == [(2, {"amount": 4.0, "note": "x"})]


def _add_unknown_column(path: Path, sheet: str) -> None:
    book = openpyxl.load_workbook(path)
    book[sheet].cell(1, book[sheet].max_column + 2, "mystery")
    book.save(path)


def test_the_three_readers_say_the_same_thing(tmp_path: Path) -> None:
    inventory = write_template(
        get_methodology("cn-mee-cement-2024"), tmp_path / "i.xlsx", example=True
    )
    register = write_register(read_register(demo_register_path()), tmp_path / "r.xlsx")
    product = write_product_workbook(
        read_product_system(demo_footprint_path("pv-module-simple.yaml")), tmp_path / "p.xlsx"
    )
    rules = []
    for path, sheet, read in (
        (inventory, "clinker", read_workbook),
        (register, "instruments", read_register),
        (product, "flows", read_product_workbook),
    ):
        _add_unknown_column(path, sheet)
        with pytest.raises(InputError) as raised:
            read(path)
        (problem,) = [p for p in raised.value.problems if p.field == "mystery"]
        rules.append(problem.rule.split(", column ")[0])
    assert rules == ["unknown column in row 1"] * 3
