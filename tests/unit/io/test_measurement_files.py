"""Reading a file of measurements: every broken rule of every row at once, each with its row and
column, and nothing read; an implausible value warned."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

from dualcarbon.errors import InputError
from dualcarbon.factors import default_catalogue
from dualcarbon.io.measurement_files import read_measurements

EXAMPLE = Path(__file__).parents[3] / "examples" / "factor-validation" / "measurements-2024.csv"
COAL = "cn-mee-power-2022/carbon_content_per_heat/coal_unmeasured"
OXIDATION = "cn-mee-power-2022/oxidation_rate/coal"
HEADER = "default,value,unit,u,holder,year,ref\n"


def _csv(tmp_path: Path, rows: str, name: str = "m.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def test_the_example_reads_whole() -> None:
    found, warnings = read_measurements(EXAMPLE, default_catalogue())
    assert warnings == []
    assert len(found) == len(EXAMPLE.read_text(encoding="utf-8").splitlines()) - 1
    assert {o.default.split("@")[0] for o in found} >= {
        COAL,
        "gbt-32151-common-fuels/net_calorific_value/natural_gas",
        "cn-mee-power-2022/oxidation_rate/coal",
    }


def test_every_broken_rule_is_named_with_its_row_and_field(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        f"no-such/factor,1,tC/GJ,,甲,2024,\n"
        f"{COAL},abc,tC/GJ,,甲,2024,\n"
        f"{COAL},26.1,tC/TJ,-1,甲,2024,\n"
        f"{COAL},26.1,GJ/t,0.2,甲,2024,\n"
        f"{COAL},26.1,tC/TJ,0.2,,1999,\n"
        f"{COAL},26.1,tC/TJ,0.2,甲,2024,fine\n"
        f"{COAL},0,tC/TJ,0.2,甲,2024,\n"
        f"{COAL},-26.1,tC/TJ,0.2,甲,2024²,\n"
        f"{COAL},2_6,tC/TJ,0.2,甲,2024,\n"
        f"{OXIDATION},99.1,%,0.2,甲,2024,\n"
        f"{OXIDATION},101,%,0.2,甲,2024,\n",
    )
    with pytest.raises(InputError) as caught:
        read_measurements(path, default_catalogue())
    problems = {(p.row, p.field) for p in caught.value.problems}
    assert problems == {
        (2, "default"),
        (3, "value"),
        (4, "u"),
        (5, "unit"),
        (6, "holder"),
        (6, "year"),
        (8, "value"),
        (9, "value"),
        (9, "year"),
        (10, "value"),
        (12, "value"),  # an oxidation rate above 100 %
    }
    assert all(p.file == str(path) for p in caught.value.problems)
    assert all(re.search(r"[\u4e00-\u9fff]", p.chinese()) for p in caught.value.problems)


def test_a_value_far_from_its_default_is_warned(tmp_path: Path) -> None:
    """26.6 written in tC/GJ where tC/TJ was meant: 860 times the default."""
    path = _csv(tmp_path, f"{COAL},26.6,tC/GJ,0.2,甲,2024,\n{COAL},26.6,tC/TJ,0.2,乙,2024,\n")
    found, warnings = read_measurements(path, default_catalogue())
    assert len(found) == 2
    assert [(w.row, w.field) for w in warnings] == [(2, "value")]
    assert "check the unit" in warnings[0].rule


def test_an_unknown_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text(f"default,value,unit,holder,colour\n{COAL},26,tC/TJ,甲,red\n", "utf-8")
    with pytest.raises(InputError) as caught:
        read_measurements(path, default_catalogue())
    assert any(p.field == "colour" for p in caught.value.problems)


@pytest.mark.parametrize(
    ("name", "content", "rule"),
    [
        ("m.csv", "默认".encode("gbk"), "not UTF-8"),
        ("m.txt", b"default,value\n", ".csv or .xlsx"),
        ("m.csv", HEADER.encode(), "no measurements"),
    ],
)
def test_unreadable_files_are_refused(tmp_path: Path, name: str, content: bytes, rule: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=rule):
        read_measurements(path, default_catalogue())


def test_a_workbook_reads_like_a_csv(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["缺省值因子", "实测值", "单位", "标准不确定度", "企业"])
    sheet.append([COAL, 26.4, "tC/TJ", 0.27, "甲电厂"])
    book.save(tmp_path / "m.xlsx")
    (found,), warnings = read_measurements(tmp_path / "m.xlsx", default_catalogue())
    assert warnings == []
    assert (found.value, found.unit, found.u, found.holder) == (26.4, "tC/TJ", 0.27, "甲电厂")
    assert found.origin == "m.xlsx row 2"


def test_a_repeated_row_counts_once_and_is_warned(tmp_path: Path) -> None:
    row = f"{COAL},26.6,tC/TJ,0.2,乙,2024,C-7\n"
    path = _csv(tmp_path, row + f"{COAL},26.4,tC/TJ,0.2,乙,2024,C-8\n" + row)
    found, warnings = read_measurements(path, default_catalogue())
    assert len(found) == 2
    assert [(w.row, "row 2" in w.rule) for w in warnings] == [(4, True)]


def test_a_field_too_long_for_csv_is_refused(tmp_path: Path) -> None:
    path = _csv(tmp_path, f"{COAL},26.6,tC/TJ,0.2,{'甲' * 200_000},2024,\n")
    with pytest.raises(InputError, match="not a readable CSV"):
        read_measurements(path, default_catalogue())
