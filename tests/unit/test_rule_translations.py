"""Every rule an inventory can break reads in Chinese (issue 14, item 5): the validation rules
behind the heading, not only the heading. Bad inventories of every kind a new user makes are
read and accounted; each problem they raise must have its Chinese, from the code that found it
or the catalogue (src/dualcarbon/translations/rules.yaml)."""

from __future__ import annotations

import copy
import io
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from dualcarbon.accounting.engine import account
from dualcarbon.demo import demo_inventory_path
from dualcarbon.errors import InputError, InputProblem
from dualcarbon.io import read_inventory
from dualcarbon.io.excel import HEADER_SHEET, write_template
from dualcarbon.io.yaml_inventory import inventory_from_mapping
from dualcarbon.methodologies.definition import get_methodology
from dualcarbon.translations import rule_zh

CHINESE = re.compile(r"[\u4e00-\u9fff]")
DEMO: dict[str, Any] = yaml.safe_load(demo_inventory_path().read_text(encoding="utf-8"))
CEMENT = Path(__file__).parents[2] / "examples" / "cement-2025.yaml"


def _problems_of(data: dict[str, Any]) -> list[InputProblem]:
    with pytest.raises(InputError) as raised:
        account(inventory_from_mapping(data, source="台账.yaml"))
    return list(raised.value.problems)


def _bad_power() -> dict[str, Any]:
    data = copy.deepcopy(DEMO)
    fuel = data["fuel"]
    fuel[0]["month"] = 13
    fuel[1]["fuel"] = "木柴"
    fuel[2]["consumption"] = -5
    fuel[3]["consumption"] = 1e13
    fuel[4]["consumption_tier"] = "guessed"
    fuel[5]["consumption_ref"] = ""
    fuel[6]["carbon_content_basis"] = "ad"
    fuel[7]["moisture_ar"] = 120
    fuel[8]["consumption_unit"] = "GJ"
    del fuel[9]["fuel"]
    data["production"][0]["supply"] = 10**7
    data["production"][1]["heat_ratio"] = 1.5
    del data["production"][2]["heat_ratio"]
    return data


def _bad_cement() -> dict[str, Any]:
    data = yaml.safe_load(CEMENT.read_text(encoding="utf-8"))
    clinker = data["clinker"]
    del clinker[0]["mgo_noncarbonate"]  # a derivation given in part
    clinker[1].update(
        cao_clinker=1.0,
        cao_noncarbonate=60.0,
        mgo_clinker=0.1,
        mgo_noncarbonate=0.0,
        oxides_ref="化验室",
    )  # derived factor < 0
    clinker[2]["clinker_output_tier"] = "lab"  # a tier the slot does not take
    data["alternative_materials"][0]["amount_ref"] = ""
    return data


@pytest.mark.parametrize("build", [_bad_power, _bad_cement], ids=["power", "cement"])
def test_every_accounting_rule_reads_in_chinese(build: Any) -> None:
    problems = _problems_of(build())
    assert len(problems) >= 4
    english = [p.rule for p in problems if not CHINESE.search(p.chinese())]
    assert english == []


def test_the_methodology_year_and_unknown_table_read_in_chinese() -> None:
    data = copy.deepcopy(DEMO)
    data["inventory"]["year"] = 2031
    data["fule"] = []
    with pytest.raises(InputError) as raised:
        account(inventory_from_mapping(data, source="台账.yaml"))
    for problem in raised.value.problems:
        assert CHINESE.search(problem.chinese()), problem.rule


def _workbook(tmp_path: Path) -> bytes:
    book = openpyxl.load_workbook(
        write_template(get_methodology("cn-mee-power-2022"), tmp_path / "t.xlsx", example=True)
    )
    header = book[HEADER_SHEET]
    header["B2"] = None  # organisation left empty
    fuel = book["fuel"]
    fuel["D3"] = "=1+1"  # a formula
    fuel.cell(1, fuel.max_column + 2, "燃料价格")  # a column the table does not know
    fuel.cell(2, 1, "机组号码")  # row 2 is the labels row
    fuel.cell(5, fuel.max_column + 4, 7)  # a value under no heading
    book.create_sheet("其他")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_every_workbook_rule_reads_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "电厂.xlsx"
    path.write_bytes(_workbook(tmp_path))
    with pytest.raises(InputError) as raised:
        read_inventory(path)
    problems = raised.value.problems
    assert len(problems) >= 5
    assert [p.rule for p in problems if not CHINESE.search(p.chinese())] == []
    message = problems[0].message("zh")
    assert message.startswith("电厂.xlsx") and str(tmp_path) not in message


def test_the_catalogue_fills_in_what_the_rule_names() -> None:
    assert rule_zh("must be one of coal, fuel_oil") == "须为以下之一：coal, fuel_oil"
    assert rule_zh("a rule nobody wrote down") is None
    problem = InputProblem(
        "/srv/上传/台账.xlsx", "must not be negative", field="amount", row=4, sheet="fuel", value=-1
    )
    assert (
        problem.message("zh")
        == "台账.xlsx，工作表 fuel，第 4 行，字段 amount：不能为负数（填写的值：-1）"
    )
    assert (
        problem.message("en")
        == "台账.xlsx, sheet fuel, row 4, field amount: must not be negative (got -1)"
    )
