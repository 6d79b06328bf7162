"""Certificate files: every bad cell named by file, row and column, nothing read half."""

from __future__ import annotations

from pathlib import Path

import pytest

from dualcarbon.certificates.model import Origin, Technology
from dualcarbon.errors import InputError
from dualcarbon.io.certificate_files import read_certificates, write_certificate_template

HEADER = (
    "起始证书编号,终止证书编号,证书数量,项目代码,项目名称,类型,生产年月,可交易,来源,绿电交易合同\n"
)


def test_the_example_workbook_reads_back(tmp_path: Path) -> None:
    path = write_certificate_template(tmp_path / "绿证.xlsx", example=True)
    batches = read_certificates(path)
    assert [(b.quantity, b.technology, b.origin) for b in batches] == [
        (1200, Technology.WIND, Origin.GEC),
        (800, Technology.SOLAR_PV, Origin.GREEN_POWER),
    ]
    assert batches[1].contract.startswith("LDJY-")


def test_every_bad_cell_is_named(tmp_path: Path) -> None:
    path = tmp_path / "绿证.csv"
    path.write_text(
        HEADER
        + "A0001,A0100,99,W-1,风场,风电,2025-03,是,绿证,\n"  # 100 serials, 99 given
        + "B0001,B0010,10,W-1,风场,nuclear,2025-03,是,绿证,\n"  # not renewable
        + "C0001,C0010,10,W-1,风场,风电,2025-13,是,绿证,\n"  # no such month
        + "D0001,D0010,10,W-1,风场,风电,2025-03,也许,绿证,\n"
        + "E0001,E0010,10,W-1,风场,风电,2025-03,是,绿电交易,\n"  # contract missing
        + "F0001,F0010,10,,风场,风电,2025-03,是,绿证,\n",  # plant missing
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        read_certificates(path)
    found = {(p.row, p.field) for p in caught.value.problems}
    assert found == {
        (2, "quantity"),
        (3, "technology"),
        (4, "production_month"),
        (5, "tradable"),
        (6, "contract"),
        (7, "plant"),
    }
    assert all(p.file == str(path) for p in caught.value.problems)


def test_rows_overlapping_each_other_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "绿证.csv"
    path.write_text(
        HEADER + "A0001,A0100,100,W-1,,wind,2025-03,,,\nA0050,A0060,11,W-1,,wind,2025-03,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        read_certificates(path)
    (problem,) = caught.value.problems
    assert problem.row == 3 and "overlaps" in problem.rule


def test_an_unknown_column_and_a_missing_one_are_named(tmp_path: Path) -> None:
    path = tmp_path / "绿证.csv"
    path.write_text("serial_from,serial_to,数量x\nA1,A2,2\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_certificates(path)
    rules = " ".join(p.rule for p in caught.value.problems)
    assert "unknown column" in rules and "required column is missing" in rules


def test_a_serial_typed_as_a_number_in_excel_is_refused(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(
        ["serial_from", "serial_to", "quantity", "plant", "technology", "production_month"]
    )
    sheet.append([100000000000000001.0, 100000000000000010.0, 10, "w-1", "wind", "2025-03"])
    sheet.append(["A0001", "A0010", 10, " w-1 ", "wind", "2025-03"])
    path = tmp_path / "绿证.xlsx"
    book.save(path)
    with pytest.raises(InputError) as caught:
        read_certificates(path)
    (problem,) = caught.value.problems
    assert (problem.row, problem.field) == (2, "serial_from") and "text" in problem.rule


def test_plant_codes_and_serials_are_read_in_one_form(tmp_path: Path) -> None:
    path = tmp_path / "绿证.csv"
    path.write_text(HEADER + "gec-a0001,gec-a0010,10, w-1 ,,wind,2025-03,,,\n", encoding="utf-8")
    (batch,) = read_certificates(path)
    assert (batch.serial_from, batch.plant) == ("GEC-A0001", "W-1")


def test_a_misspelt_condition_in_a_conditions_file_is_refused() -> None:
    from dualcarbon.io.energy_conditions import conditions_from_mapping

    with pytest.raises(InputError) as caught:
        conditions_from_mapping(
            {"units": {"#1": {"class": "subc_600", "table2_incremnt": 4}}}, source="c.yaml"
        )
    assert caught.value.problems[0].field == "units.#1.table2_incremnt"
