"""Register files: strict all-or-nothing reading, every problem named; round trips."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from pydantic import ValidationError

from dualcarbon.errors import InputError, InputProblem
from dualcarbon.io.register_files import (
    read_register,
    register_to_mapping,
    write_register,
)
from dualcarbon.metrology import CalibrationRecord, Register

DEMO = Path(__file__).parents[3] / "src/dualcarbon/demo/data/demo-register.yaml"

INSTRUMENT_HEAD = [
    "id",
    "quantity",
    "energy",
    "unit",
    "level",
    "kind",
    "accuracy",
    "interval_months",
]
GOOD = ["BS-101", "质量", "coal", "#1", "secondary", "weigher_dynamic", "0.5", 12]


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def _problems(path: Path) -> list[InputProblem]:
    with pytest.raises(InputError) as caught:
        read_register(path)
    return list(caught.value.problems)


def _find(
    problems: list[InputProblem], sheet: str, row: int | None, field: str | None
) -> InputProblem:
    for problem in problems:
        if (problem.sheet, problem.row, problem.field) == (sheet, row, field):
            return problem
    raise AssertionError(f"no problem at {sheet} row {row} field {field}: {problems}")


# -- Excel ---------------------------------------------------------------------------------------


def test_excel_errors_name_sheet_row_field_and_rule(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "register.xlsx",
        {
            "instruments": [
                INSTRUMENT_HEAD,
                GOOD,
                ["BS-201", "质量", "coal", "#2", "plant", "weigher_dynamic", "0.5", 12],
                ["FO-1", "质量", "fuel_oil", "#1", "secondary", "oil_flowmeter", "±0.5%", None],
                GOOD,
                ["GK-01", "有功电能", "electricity", "", "site", "electricity_meter", "=A1", 72],
                ["FO-2", "质量", "fuel_oil", "#2", "secondary", "oil_flowmeter", "good", 12.5],
            ],
            "calibrations": [
                ["instrument", "date", "result", "certificate"],
                ["BS-101", dt.datetime(2024, 3, 1), "pass", "C-1"],
                ["ZZ-9", "2024-03-01", "pass", "C-2"],
                ["BS-101", "2024-13-01", "pass", "C-3"],
                ["BS-101", "yesterday", "合格", "C-4"],
                ["BS-101", "2024-03-05", "ok", "C-5"],
                ["BS-101", dt.datetime(2024, 3, 1), "pass", "C-1"],
            ],
            "points": [
                ["id", "energy", "level", "instrument"],
                ["P-1", "electric", "site", None],
                ["P-2", "coal", "secondary", "XX-1"],
            ],
        },
    )
    problems = _problems(path)
    assert all(problem.file == str(path) for problem in problems)
    assert "unknown level" in _find(problems, "instruments", 3, "level").rule
    assert _find(problems, "instruments", 4, "interval_months").rule == "required value is missing"
    assert "given twice (first in row 2)" in _find(problems, "instruments", 5, "id").rule
    assert "formulas are not accepted" in _find(problems, "instruments", 6, "accuracy").rule
    assert "accuracy" in _find(problems, "instruments", 7, "accuracy").rule
    assert "whole number" in _find(problems, "instruments", 7, "interval_months").rule
    unknown = _find(problems, "calibrations", 3, "instrument")
    assert "unknown instrument" in unknown.rule and unknown.value == "ZZ-9"
    assert "YYYY-MM-DD" in _find(problems, "calibrations", 4, "date").rule
    assert "YYYY-MM-DD" in _find(problems, "calibrations", 5, "date").rule
    assert "unknown result" in _find(problems, "calibrations", 6, "result").rule
    assert not any(p.row == 6 and p.rule == "required value is missing" for p in problems)
    assert "given twice" in _find(problems, "calibrations", 7, "certificate").rule
    assert "unknown energy type" in _find(problems, "points", 2, "energy").rule
    assert "unknown instrument" in _find(problems, "points", 3, "instrument").rule
    # the message a user reads names all four
    text = str(_find(problems, "calibrations", 3, "instrument"))
    assert text.startswith(f"{path}, sheet 'calibrations', row 3, field 'instrument':")


def test_rejected_instrument_is_not_reported_again_by_its_records(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "r.xlsx",
        {
            "instruments": [
                INSTRUMENT_HEAD,
                ["BS-101", "质量", "coal", "#1", "plant", "weigher_dynamic", "0.5", 12],
            ],
            "calibrations": [["instrument", "date", "result"], ["BS-101", "2024-03-01", "pass"]],
        },
    )
    problems = _problems(path)
    assert [(p.sheet, p.row, p.field) for p in problems] == [("instruments", 2, "level")]


def test_excel_sheet_and_column_problems(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "r.xlsx",
        {
            "calibrations": [["instrument", "date", "colour"], ["BS-101", "2024-03-01", "red"]],
            "notes": [["x"]],
        },
    )
    problems = _problems(path)
    assert "unknown sheet" in _find(problems, "notes", None, None).rule
    assert "missing sheet of instruments" in _find(problems, "instruments", None, None).rule
    assert "unknown column" in _find(problems, "calibrations", 1, "colour").rule
    assert "required column is missing" in _find(problems, "calibrations", 1, "result").rule


def test_excel_accepts_chinese_labels_and_organisation_sheet(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "r.xlsx",
        {
            "register": [["key", "value"], ["organisation", "示范能源集团有限公司"]],
            "instruments": [
                [
                    "管理编号",
                    "测量参数",
                    "能源种类",
                    "机组/设施",
                    "计量层级",
                    "器具类型",
                    "准确度等级/最大允许误差",
                    "检定周期（月）",
                ],
                [
                    "BS-101",
                    "质量",
                    "煤炭",
                    "#1",
                    "进出主要次级用能单位",
                    "动态衡器（皮带秤等）",
                    0.5,
                    12,
                ],
                [],
                ["GK-01", "有功电能", "电力", None, "进出用能单位", "电能表", "0.2S", 72],
            ],
            "calibrations": [
                ["计量器具编号", "检定/校准日期", "结论", "有效期至"],
                ["BS-101", dt.datetime(2023, 3, 1), "合格", dt.datetime(2024, 3, 1)],
                ["GK-01", "2021/05/18", "不合格", None],
            ],
            "说明 README": [["not read"]],
        },
    )
    register = read_register(path)
    assert register.organisation == "示范能源集团有限公司"
    assert [
        (i.id, i.energy, i.level.value, i.kind.value, str(i.accuracy)) for i in register.instruments
    ] == [
        ("BS-101", "coal", "secondary", "weigher_dynamic", "0.5"),
        ("GK-01", "electricity", "site", "electricity_meter", "0.2S"),
    ]
    first, second = register.calibrations
    assert (first.date, first.result.value, first.next_due) == (
        dt.date(2023, 3, 1),
        "pass",
        dt.date(2024, 3, 1),
    )
    assert (second.date, second.result.value) == (dt.date(2021, 5, 18), "fail")


def test_not_a_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.xlsx"
    path.write_text("id,quantity\n", encoding="utf-8")
    (problem,) = _problems(path)
    assert "not a readable Excel workbook" in problem.rule


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    path.write_text("x", encoding="utf-8")
    (problem,) = _problems(path)
    assert "unknown register format" in problem.rule


# -- CSV and YAML --------------------------------------------------------------------------------


def test_csv_errors_name_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "instruments.csv").write_text(
        ",".join(INSTRUMENT_HEAD) + "\n" + ",".join(str(v) for v in GOOD) + "\n",
        encoding="utf-8-sig",
    )
    (folder / "calibrations.csv").write_text(
        "instrument,date,result\nBS-101,2024-03-01,pass\n\nBS-102,2024-03-01,pass\n",
        encoding="utf-8",
    )
    problems = _problems(folder / "calibrations.csv")  # a path to one file reads the folder
    (problem,) = problems
    assert problem.file == str(folder / "calibrations.csv")
    assert (problem.sheet, problem.row, problem.field, problem.value) == (
        "calibrations",
        4,
        "instrument",
        "BS-102",
    )


def test_csv_folder_without_instruments(tmp_path: Path) -> None:
    (tmp_path / "calibrations.csv").write_text("instrument,date,result\n", encoding="utf-8")
    (problem,) = _problems(tmp_path)
    assert problem.rule == "missing file of instruments"


def test_yaml_errors_name_table_record_and_field(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(
        "register: {organisation: 甲}\n"
        "instruments:\n"
        "  - {id: BS-101, quantity: 质量, energy: coal, level: secondary, kind: weigher_dynamic,"
        " accuracy: '0.5', interval_months: 12}\n"
        "  - {id: BS-102, quantity: 质量, energy: coal, level: secondary, kind: weigher_dynamic,"
        " accuracy: '0.5', interval_months: 12, colour: red}\n"
        "calibrations:\n"
        "  - {instrument: BS-101, date: 2024-02-30, result: pass}\n"
        "gauges: []\n",
        encoding="utf-8",
    )
    problems = _problems(path)
    assert "unknown field" in _find(problems, "instruments", 2, "colour").rule
    assert "YYYY-MM-DD" in _find(problems, "calibrations", 1, "date").rule
    assert any(p.field == "gauges" and "unknown table" in p.rule for p in problems)


def test_bad_yaml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("instruments: [\n", encoding="utf-8")
    (problem,) = _problems(path)
    assert problem.rule.startswith("not valid YAML")


# -- round trips ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["register.xlsx", "register.yaml", "register-csv"])
def test_round_trip(tmp_path: Path, name: str) -> None:
    register = read_register(DEMO)
    written = write_register(register, tmp_path / name)
    back = read_register(written)
    if name.endswith("csv"):  # CSV files carry no organisation
        register = register.model_copy(update={"organisation": None})
    assert back == register
    assert register_to_mapping(back) == register_to_mapping(register)


def test_csv_export_opens_in_excel_as_utf8(tmp_path: Path) -> None:
    write_register(read_register(DEMO), tmp_path / "out")
    assert (tmp_path / "out" / "instruments.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert not (tmp_path / "out" / "register.csv").exists()


def test_unknown_export_suffix_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"use \.xlsx, \.yaml"):
        write_register(read_register(DEMO), tmp_path / "r.json")


# -- the register's own rules --------------------------------------------------------------------


def test_register_refuses_dangling_references() -> None:
    demo = read_register(DEMO)
    record = CalibrationRecord(
        instrument_id="XX-1",
        date=dt.date(2024, 1, 1),
        result="pass",  # type: ignore[arg-type]
    )
    with pytest.raises(ValidationError, match="unknown instrument"):
        Register(instruments=demo.instruments, calibrations=(record,))
    with pytest.raises(ValidationError, match="given twice"):
        Register(instruments=(demo.instruments[0], demo.instruments[0]))
