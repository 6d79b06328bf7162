"""The Excel inventory format: template layout, round trip, and every rejected input."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from dualcarbon.accounting.engine import account
from dualcarbon.accounting.inventory import ROW
from dualcarbon.errors import InputError, InputProblem
from dualcarbon.io import read_inventory
from dualcarbon.io.excel import (
    HEADER_SHEET,
    README_SHEET,
    read_workbook,
    tables_for,
    write_template,
)
from dualcarbon.methodologies.definition import (
    Methodology,
    enterprise_methodologies,
    get_methodology,
)
from dualcarbon.methodologies.tables import TABLES

POWER = "cn-mee-power-2022"


@pytest.fixture(scope="module")
def power() -> Methodology:
    return get_methodology(POWER)


@pytest.fixture
def example(tmp_path: Path, power: Methodology) -> Path:
    return write_template(power, tmp_path / "example.xlsx", example=True)


def edited(path: Path, edit: Callable[[Any], None]) -> Path:
    """Open the workbook, apply ``edit`` to it, save it under a new name."""
    workbook = openpyxl.load_workbook(path)
    edit(workbook)
    out = path.with_name(f"edited-{path.name}")
    workbook.save(out)
    return out


def column_letter(sheet: Any, name: str) -> str:
    for cell in sheet[1]:
        if cell.value == name:
            return str(cell.column_letter)
    raise AssertionError(f"no column {name}")


def problems_of(path: Path) -> list[InputProblem]:
    with pytest.raises(InputError) as caught:
        read_workbook(path)
    return list(caught.value.problems)


def only(problems: list[InputProblem], **where: object) -> InputProblem:
    hits = [p for p in problems if all(getattr(p, k) == v for k, v in where.items())]
    assert len(hits) == 1, problems
    return hits[0]


# -- template ------------------------------------------------------------------------------------


def test_template_sheets_follow_the_methodology(tmp_path: Path, power: Methodology) -> None:
    path = write_template(power, tmp_path / "t.xlsx")
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == [HEADER_SHEET, "fuel", "electricity", "production", README_SHEET]
    header = workbook[HEADER_SHEET]
    rows = {row[0]: row[1:] for row in header.iter_rows(min_row=2, values_only=True)}
    assert list(rows) == ["organisation", "facility", "year", "methodology", "region"]
    assert rows["methodology"][0] == POWER
    assert rows["organisation"][1] == "重点排放单位名称*"


def test_table_sheet_layout(tmp_path: Path, power: Methodology) -> None:
    workbook = openpyxl.load_workbook(write_template(power, tmp_path / "t.xlsx"))
    sheet = workbook["fuel"]
    names = [cell.value for cell in sheet[1]]
    labels = [cell.value for cell in sheet[2]]
    assert names == [column.name for column in TABLES["fuel"].columns]
    assert labels[names.index("month")] == "月份*"
    assert labels[names.index("ncv")] == "收到基低位发热量"
    assert sheet.freeze_panes == "A3"
    assert sheet.max_row == 2
    assert sheet.column_dimensions["A"].width > 0
    validations = {str(dv.sqref).split(":")[0]: dv for dv in sheet.data_validations.dataValidation}
    month = validations[f"{column_letter(sheet, 'month')}3"]
    assert (month.type, month.formula1, month.formula2) == ("whole", "1", "12")
    fuel = validations[f"{column_letter(sheet, 'fuel')}3"]
    assert fuel.type == "list" and fuel.formula1 == f'"{",".join(power.fuels)}"'
    basis = validations[f"{column_letter(sheet, 'carbon_content_basis')}3"]
    assert basis.formula1 == '"ar,ad,d"'


def test_english_labels(tmp_path: Path, power: Methodology) -> None:
    workbook = openpyxl.load_workbook(write_template(power, tmp_path / "t.xlsx", lang="en"))
    sheet = workbook["electricity"]
    labels = [cell.value for cell in sheet[2]]
    assert "amount*" in labels and "month*" in labels
    with pytest.raises(ValueError, match="lang"):
        write_template(power, tmp_path / "x.xlsx", lang="fr")


def test_readme_explains_columns_and_fuels(tmp_path: Path, power: Methodology) -> None:
    workbook = openpyxl.load_workbook(write_template(power, tmp_path / "t.xlsx"))
    cells = [
        value
        for row in workbook[README_SHEET].iter_rows(values_only=True)
        for value in row
        if value
    ]
    assert power.title_zh in cells and power.document in cells and power.title_en in cells
    text = "\n".join(str(value) for value in cells)
    for column in TABLES["fuel"].columns:
        assert column.label_zh in text and column.label_en in text
    fuel_rows = [
        row for row in workbook[README_SHEET].iter_rows(values_only=True) if row[0] in power.fuels
    ]
    assert [(row[0], row[1], row[4]) for row in fuel_rows] == [
        (key, fuel.name_zh, fuel.consumption_unit) for key, fuel in power.fuels.items()
    ]


@pytest.mark.parametrize("methodology_id", sorted(enterprise_methodologies()))
def test_every_methodology_has_a_template_that_reads_back(
    tmp_path: Path, methodology_id: str
) -> None:
    methodology = get_methodology(methodology_id)
    path = write_template(methodology, tmp_path / "t.xlsx", example=True)
    inventory = read_workbook(path)
    assert set(inventory.tables) == {table.name for table in tables_for(methodology)}


# -- round trip ----------------------------------------------------------------------------------


def test_example_round_trips_and_accounts(example: Path) -> None:
    inventory = read_inventory(example)
    assert inventory.header.methodology == POWER
    assert inventory.header.organisation
    assert inventory.sheets == {
        "fuel": "fuel",
        "electricity": "electricity",
        "production": "production",
    }
    fuel = inventory.table("fuel")
    assert fuel["fuel"].to_list() == ["coal", "coal", "fuel_oil"]
    assert fuel["unit"].to_list() == ["#1", "#2", "#1"]
    assert fuel[ROW].to_list() == [3, 4, 5]
    assert fuel["ncv"].to_list()[:2] == [20.91, 21.35]
    assert fuel["carbon_content_qualified"].to_list()[:2] == [True, True]
    assert inventory.table("electricity")["amount"].to_list() == [1520.0]
    result = account(inventory)
    assert result.total() > 0
    coal = result.lines.filter(item="coal")
    assert coal["carbon_tier"].to_list() == ["lab", "lab"]
    assert sorted(coal["input_row"].to_list()) == [3, 4]


def test_empty_rows_are_skipped_and_rows_keep_their_excel_numbers(example: Path) -> None:
    def spread(workbook: Any) -> None:
        workbook["fuel"].insert_rows(4, amount=2)  # rows 4–5 empty; the #2 coal row is now 6

    inventory = read_workbook(edited(example, spread))
    assert inventory.table("fuel")[ROW].to_list() == [3, 6, 7]

    def spread_and_break(workbook: Any) -> None:
        spread(workbook)
        sheet = workbook["fuel"]
        sheet[f"{column_letter(sheet, 'consumption')}7"] = "lots"

    problem = only(problems_of(edited(example, spread_and_break)), field="consumption")
    assert (problem.sheet, problem.row, problem.rule) == ("fuel", 7, "must be a number")


# -- rejected inputs -----------------------------------------------------------------------------


def test_formula_cell_is_rejected(example: Path) -> None:
    def formula(workbook: Any) -> None:
        sheet = workbook["fuel"]
        sheet[f"{column_letter(sheet, 'consumption')}4"] = "=1000*98"

    problem = only(problems_of(edited(example, formula)), field="consumption")
    assert (problem.sheet, problem.row) == ("fuel", 4)
    assert problem.rule == "formulas are not accepted; paste values"
    assert problem.value == "=1000*98"
    assert "sheet 'fuel', row 4, field 'consumption'" in str(problem)


def test_formula_in_the_header_is_rejected(example: Path) -> None:
    def formula(workbook: Any) -> None:
        workbook[HEADER_SHEET]["B4"] = "=2022+1"

    problems = problems_of(edited(example, formula))
    assert len(problems) == 1
    assert (problems[0].sheet, problems[0].row, problems[0].field) == (HEADER_SHEET, 4, "year")


def test_bad_month_is_rejected(example: Path) -> None:
    def bad_month(workbook: Any) -> None:
        sheet = workbook["electricity"]
        sheet[f"{column_letter(sheet, 'month')}3"] = 13

    problem = only(problems_of(edited(example, bad_month)), field="month")
    assert (problem.sheet, problem.row, problem.value) == ("electricity", 3, 13)
    assert "1–12" in problem.rule


def test_text_in_a_number_column_is_rejected(example: Path) -> None:
    def text(workbook: Any) -> None:
        sheet = workbook["fuel"]
        sheet[f"{column_letter(sheet, 'ncv')}4"] = "about 21"

    problem = only(problems_of(edited(example, text)), field="ncv")
    assert (problem.sheet, problem.row, problem.value) == ("fuel", 4, "about 21")
    assert problem.rule == "must be a number"


def test_bad_choice_is_rejected(example: Path) -> None:
    def choice(workbook: Any) -> None:
        sheet = workbook["fuel"]
        sheet[f"{column_letter(sheet, 'carbon_content_basis')}3"] = "wet"

    problem = only(problems_of(edited(example, choice)), field="carbon_content_basis")
    assert (problem.sheet, problem.row) == ("fuel", 3)
    assert problem.rule == "must be one of ar, ad, d"


def test_unit_of_the_wrong_kind_is_caught_by_the_engine(example: Path) -> None:
    def gigajoules(workbook: Any) -> None:
        sheet = workbook["fuel"]
        sheet[f"{column_letter(sheet, 'consumption_unit')}4"] = "GJ"

    inventory = read_workbook(edited(example, gigajoules))
    with pytest.raises(InputError) as caught:
        account(inventory)
    problem = only(list(caught.value.problems), field="consumption_unit")
    assert (problem.sheet, problem.row, problem.value) == ("fuel", 4, "GJ")
    assert "sheet 'fuel', row 4, field 'consumption_unit'" in str(caught.value)


def test_unknown_column_is_rejected(example: Path) -> None:
    def unknown(workbook: Any) -> None:
        sheet = workbook["fuel"]
        sheet.cell(1, sheet.max_column + 1, "consumpton_note")
        sheet.cell(3, sheet.max_column, "misspelt")

    problem = only(problems_of(edited(example, unknown)), field="consumpton_note")
    assert (problem.sheet, problem.row) == ("fuel", 1)
    assert "unknown column" in problem.rule


def test_values_in_an_unnamed_column_are_rejected(example: Path) -> None:
    def stray(workbook: Any) -> None:
        sheet = workbook["fuel"]
        sheet.cell(4, len(TABLES["fuel"].columns) + 2, 42)

    problems = problems_of(edited(example, stray))
    assert len(problems) == 1
    assert (problems[0].sheet, problems[0].row) == ("fuel", 1)
    assert "first in row 4" in problems[0].rule


def test_missing_required_column_is_rejected(example: Path) -> None:
    def drop(workbook: Any) -> None:
        sheet = workbook["fuel"]
        sheet.delete_cols(TABLES["fuel"].columns.index(TABLES["fuel"].column("consumption")) + 1)

    problem = only(problems_of(edited(example, drop)), field="consumption")
    assert (problem.sheet, problem.row) == ("fuel", 1)


def test_data_in_the_label_row_is_rejected(example: Path) -> None:
    def no_labels(workbook: Any) -> None:
        workbook["electricity"].delete_rows(2)  # the first data row moves into the label row

    problems = problems_of(edited(example, no_labels))
    assert {p.row for p in problems} == {2}
    assert {p.sheet for p in problems} == {"electricity"}
    assert "month" in {p.field for p in problems}


def test_missing_inventory_sheet_is_rejected(example: Path) -> None:
    def drop(workbook: Any) -> None:
        del workbook[HEADER_SHEET]

    problems = problems_of(edited(example, drop))
    assert len(problems) == 1
    assert problems[0].sheet == HEADER_SHEET
    assert "missing sheet 'inventory'" in problems[0].rule


def test_missing_header_field_is_rejected(example: Path) -> None:
    def drop(workbook: Any) -> None:
        workbook[HEADER_SHEET].delete_rows(2)  # organisation

    problem = only(problems_of(edited(example, drop)), field="organisation")
    assert problem.sheet == HEADER_SHEET
    assert "missing" in problem.rule


def test_unknown_header_field_and_sheet_are_rejected(example: Path) -> None:
    def extra(workbook: Any) -> None:
        workbook[HEADER_SHEET].append(["organization", "x"])
        workbook.create_sheet("notes")["A1"] = "my notes"

    problems = problems_of(edited(example, extra))
    field = only(problems, field="organization")
    assert (field.sheet, field.row) == (HEADER_SHEET, 7)
    sheet = only(problems, sheet="notes")
    assert "unknown sheet" in sheet.rule


def test_all_problems_are_reported_at_once(example: Path) -> None:
    def many(workbook: Any) -> None:
        fuel = workbook["fuel"]
        fuel[f"{column_letter(fuel, 'month')}3"] = 0
        fuel[f"{column_letter(fuel, 'consumption')}5"] = "=A1"
        electricity = workbook["electricity"]
        electricity[f"{column_letter(electricity, 'amount')}3"] = "n/a"
        workbook[HEADER_SHEET]["B4"] = 1999

    problems = problems_of(edited(example, many))
    assert {(p.sheet, p.row, p.field) for p in problems} == {
        ("fuel", 3, "month"),
        ("fuel", 5, "consumption"),
        ("electricity", 3, "amount"),
        (HEADER_SHEET, 4, "year"),
    }


def test_text_file_renamed_to_xlsx_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "inventory.xlsx"
    path.write_text("organisation,year\nACME,2024\n", encoding="utf-8")
    problems = problems_of(path)
    assert len(problems) == 1 and "not a readable Excel workbook" in problems[0].rule


def test_zip_that_is_not_a_workbook_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "inventory.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert "not a readable Excel workbook" in problems_of(path)[0].rule


def test_broken_workbook_is_rejected(tmp_path: Path, example: Path) -> None:
    path = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(example) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]
            target.writestr(item, data)
    assert "not a readable Excel workbook" in problems_of(path)[0].rule


def test_legacy_xls_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "inventory.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    assert ".xls" in problems_of(path)[0].rule


def test_macro_enabled_workbooks_are_rejected(tmp_path: Path, example: Path) -> None:
    renamed = tmp_path / "inventory.xlsm"
    renamed.write_bytes(example.read_bytes())
    assert "macro" in problems_of(renamed)[0].rule

    smuggled = tmp_path / "smuggled.xlsx"
    with zipfile.ZipFile(example) as source, zipfile.ZipFile(smuggled, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("xl/vbaProject.bin", b"\x00" * 16)
    assert "macro" in problems_of(smuggled)[0].rule


def test_empty_template_reads_as_empty_tables(tmp_path: Path, power: Methodology) -> None:
    def fill_header(workbook: Any) -> None:
        sheet = workbook[HEADER_SHEET]
        sheet["B2"] = "ACME"
        sheet["B4"] = 2024

    path = edited(write_template(power, tmp_path / "t.xlsx"), fill_header)
    inventory = read_workbook(path)
    assert inventory.header.region == "CN"
    assert inventory.header.facility == ""
    assert all(frame.height == 0 for frame in inventory.tables.values())
    assert set(inventory.tables) <= set(TABLES)


def test_long_fuel_lists_validate_against_the_readme(tmp_path: Path, power: Methodology) -> None:
    coal = power.fuels["coal"]
    many = power.model_copy(update={"fuels": {f"fuel_number_{i:03d}": coal for i in range(40)}})
    workbook = openpyxl.load_workbook(write_template(many, tmp_path / "t.xlsx"))
    sheet = workbook["fuel"]
    fuel = next(
        dv
        for dv in sheet.data_validations.dataValidation
        if str(dv.sqref).startswith(f"{column_letter(sheet, 'fuel')}3")
    )
    reference = fuel.formula1
    assert reference.startswith(f"'{README_SHEET}'!$A$")
    first, last = (int(part.split("$")[-1]) for part in reference.split("!")[1].split(":"))
    readme = workbook[README_SHEET]
    assert [readme.cell(row, 1).value for row in range(first, last + 1)] == list(many.fuels)
