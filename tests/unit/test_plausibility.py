"""Plausibility and completeness findings (issue 14, item 1): each mistake a new user made in
the template is caught, named by sheet, row and field, in Chinese; clean inventories raise none.

The limits come from the data files (calculator slots, ``methodologies/data/sectors``); where a
test states a figure it derives it from the inventory by hand, with the bound's source:
- 1 kgce = 29.3076 MJ (GB/T 2589-2020), so a kWh at 100 % efficiency takes 3.6/29.3076 kgce =
  122.8 gce: a lower supply coal rate is impossible;
- the power guideline's default carbon per unit heat of coal (0.03085 tC/GJ here, the factor
  file cn-mee-power-2022) against a measured 0.5521 typed as a percentage (0.005521 tC/t ÷
  21.43 GJ/t = 0.000258 tC/GJ): 0.0083 times the default, far outside 0.2–5.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from dualcarbon.accounting.engine import account
from dualcarbon.accounting.findings import Acceptance, FindingsError, Severity
from dualcarbon.accounting.result import AccountingResult
from dualcarbon.demo import demo_inventory_path
from dualcarbon.errors import FactorDataError
from dualcarbon.io import read_inventory
from dualcarbon.io.yaml_inventory import inventory_from_mapping
from dualcarbon.methodologies.bands import Band
from dualcarbon.methodologies.definition import all_methodologies
from dualcarbon.methodologies.registry import calculators
from dualcarbon.methodologies.sectors import all_sector_checks, load_sector_file
from dualcarbon.methodologies.tables import TABLES

EXAMPLES = Path(__file__).parents[2] / "examples"
DEMO: dict[str, Any] = yaml.safe_load(demo_inventory_path().read_text(encoding="utf-8"))
CEMENT: dict[str, Any] = yaml.safe_load((EXAMPLES / "cement-2025.yaml").read_text("utf-8"))
NOW = dt.datetime(2026, 12, 6, 9, 30, tzinfo=dt.UTC)


def _demo() -> dict[str, Any]:
    return copy.deepcopy(DEMO)


def _refused(data: dict[str, Any], *, accept: list[Acceptance] | None = None) -> FindingsError:
    with pytest.raises(FindingsError) as raised:
        account(inventory_from_mapping(data, source="/home/someone/台账.yaml"), accept=accept or [])
    return raised.value


def _accounted(data: dict[str, Any], accept: list[Acceptance]) -> AccountingResult:
    return account(inventory_from_mapping(data, source="台账.yaml"), accept=accept)


def _open(error: FindingsError) -> set[tuple[str, str, str | None, int | None, str | None]]:
    return {(f.code, f.severity.value, f.sheet, f.row, f.field) for f in error.open}


def _row_of(data: dict[str, Any], table: str, **match: object) -> int:
    """The row number a YAML table's record gets (1-based, in file order)."""
    for number, record in enumerate(data[table], start=1):
        if all(record.get(k) == v for k, v in match.items()):
            return number
    raise AssertionError(f"no {table} record {match}")


# -- clean inventories ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [demo_inventory_path(), *sorted(EXAMPLES.glob("*-2025.yaml"))],
    ids=lambda p: Path(p).name,
)
def test_the_shipped_inventories_raise_no_error_and_no_warning(path: Path) -> None:
    result = account(read_inventory(path))
    assert all(f.severity is Severity.NOTE for f in result.findings), [
        f.message("en") for f in result.findings
    ]


# -- the mistakes of issue 14 -----------------------------------------------------------------


def test_carbon_content_typed_as_a_fraction_is_an_error_naming_row_and_field() -> None:
    data = _demo()
    data["fuel"][0]["carbon_content"] = 0.5521  # 55.21 % typed as a fraction
    error = _refused(data)
    assert ("carbon_per_heat", "error", "fuel", 1, "carbon_content") in _open(error)
    (finding,) = [f for f in error.open if f.code == "carbon_per_heat"]
    ratio = 0.005521 / 21.43 / 0.03085  # measured C/NCV over the coal default, by hand
    assert f"{ratio:.3g} 倍" in finding.rule_zh
    message = finding.message("zh")
    assert "第 1 行" in message and "字段 carbon_content" in message and "百分数" in message
    assert "/home/someone" not in message and "台账.yaml" in message


def test_coal_in_kilograms_labelled_tonnes_is_an_impossible_coal_rate() -> None:
    data = _demo()
    for record in data["fuel"]:
        if record["unit"] == "#1" and record["fuel"] == "coal":
            record["consumption"] *= 1000  # kg typed into a t column
    error = _refused(data)
    codes = {(f.code, f.field, f.key) for f in error.open if f.severity is Severity.ERROR}
    assert ("indicator_band", "supply_coal_rate_gce_kwh", "#1") in codes
    assert ("indicator_band", "supply_intensity", "#1") in codes
    assert not any(f.key == "#2" for f in error.open)  # the other unit is fine


def test_generation_in_kilowatt_hours_gives_a_rate_below_the_physical_bound() -> None:
    data = _demo()
    for record in data["production"]:
        if record["unit"] == "#2":
            for field in ("generation", "supply"):
                record[field] *= 1000  # kWh typed into MWh columns
    error = _refused(data)
    (rate,) = [f for f in error.open if f.field == "supply_coal_rate_gce_kwh"]
    assert rate.severity is Severity.ERROR and rate.key == "#2"
    assert isinstance(rate.value, float) and rate.value < 3600 / 29.3076


def test_a_row_entered_twice_is_a_warning_until_acknowledged() -> None:
    data = _demo()
    data["fuel"].append(dict(data["fuel"][3]))
    duplicate = len(data["fuel"])
    error = _refused(data)
    assert _open(error) == {("duplicate_row", "warning", "fuel", duplicate, None)}
    (finding,) = error.open
    assert "与第 4 行完全相同" in finding.rule_zh
    assert f"--accept duplicate_row:fuel:{duplicate}" in finding.message("zh")

    given = Acceptance.parse(
        f"duplicate_row:fuel:{duplicate}", by="张工", reason="两批次同量入炉，见皮带秤日报", at=NOW
    )
    result = _accounted(data, [given])
    (kept,) = [f for f in result.findings if f.code == "duplicate_row"]
    assert kept.accepted == given and not kept.open
    exported = result.to_json_dict()["findings"]
    assert {"by": "张工", "reason": "两批次同量入炉，见皮带秤日报", "at": NOW.isoformat()} in [
        f["accepted"] for f in exported
    ]
    json.dumps(exported, allow_nan=False)


def test_an_acceptance_that_matches_no_warning_is_refused() -> None:
    data = _demo()
    data["fuel"].append(dict(data["fuel"][3]))
    wrong = Acceptance.parse("duplicate_row:fuel:3", by="张工", reason="x", at=NOW)
    error = _refused(data, accept=[wrong])
    assert error.unused == (wrong,)
    assert any("没有对应的警告" in m for m in error.messages("zh"))


def test_an_acceptance_covers_warnings_not_errors() -> None:
    data = _demo()
    data["fuel"][0]["carbon_content"] = 0.5521
    everything = Acceptance.parse("carbon_per_heat", by="张工", reason="x", at=NOW)
    error = _refused(data, accept=[everything])
    assert any(f.code == "carbon_per_heat" and f.open for f in error.findings)


def test_generation_without_fuel_in_a_month_is_a_warning() -> None:
    data = _demo()
    march = _row_of(data, "fuel", unit="#1", month=3, fuel="coal")
    del data["fuel"][march - 1]
    error = _refused(data)
    found = {(f.code, f.sheet, f.key) for f in error.open}
    assert ("production_without_fuel", "production", "#1") in found
    (finding,) = [f for f in error.open if f.code == "production_without_fuel"]
    assert finding.row == _row_of(data, "production", unit="#1", month=3)
    assert "第 3 月有发电量" in finding.rule_zh


def test_fuel_burnt_in_a_month_without_generation_is_a_warning() -> None:
    data = _demo()
    data["fuel"].append(
        {
            "unit": "#2",
            "month": 3,  # #2 was down in March (generation 0)
            "fuel": "fuel_oil",
            "consumption": 5.0,
            "consumption_ref": "燃油流量计 FO-2",
        }
    )
    error = _refused(data)
    assert ("fuel_without_production", "warning", "fuel", len(data["fuel"]), "consumption") in (
        _open(error)
    )


def test_a_month_missing_inside_the_year_is_a_warning_and_at_its_ends_a_note() -> None:
    data = _demo()
    data["production"] = [
        r for r in data["production"] if not (r["unit"] == "#1" and r["month"] in (6, 12))
    ]
    data["fuel"] = [r for r in data["fuel"] if not (r["unit"] == "#1" and r["month"] in (6, 12))]
    error = _refused(data)
    assert {(f.code, f.key) for f in error.open} == {("missing_month", "#1@6")}
    accepted = Acceptance.parse("missing_month:#1@6", by="张工", reason="6月大修", at=NOW)
    result = _accounted(data, [accepted])
    notes = {(f.code, f.key, f.severity) for f in result.findings}
    assert ("months_not_reported", "#1", Severity.NOTE) in notes


def test_a_month_a_thousand_times_its_neighbours_is_a_jump() -> None:
    data = _demo()
    row = _row_of(data, "fuel", unit="#2", month=9, fuel="coal")
    data["fuel"][row - 1]["consumption"] *= 1000
    error = _refused(data)
    jumps = [f for f in error.open if f.code == "month_jump"]
    assert [(j.sheet, j.row, j.field) for j in jumps] == [("fuel", row, "consumption")]


def test_cement_cao_typed_as_a_fraction_and_kg_per_t_factor_are_errors() -> None:
    data = copy.deepcopy(CEMENT)
    data["clinker"][0]["cao_clinker"] = 0.6518  # 65.18 % typed as a fraction
    data["clinker"][1]["clinker_factor"] = 525.0  # kg/t into a t/t column
    data["clinker"][1]["clinker_factor_tier"] = "lab"
    data["clinker"][1]["clinker_factor_ref"] = "化验室 2025-02"
    error = _refused(data)
    found = {(f.code, f.severity.value, f.row, f.field) for f in error.open}
    assert ("slot_band", "error", 1, "cao_clinker") in found
    assert ("slot_band", "error", 2, "clinker_factor") in found
    # the factor derived from the bad CaO is not reported a second time
    assert not any(f.row == 1 and f.field == "clinker_factor" for f in error.open)


def test_cement_deduction_without_clinker_is_a_warning() -> None:
    data = copy.deepcopy(CEMENT)
    data["alternative_materials"].append(
        {"unit": "3#线", "month": 5, "material": "电石渣", "amount": 100, "amount_ref": "配料秤"}
    )
    error = _refused(data)
    (finding,) = error.open
    assert (finding.code, finding.sheet, finding.key) == (
        "deduction_without_clinker",
        "alternative_materials",
        "3#线",
    )


def test_the_english_message_names_the_same_place() -> None:
    data = _demo()
    data["fuel"].append(dict(data["fuel"][3]))
    (finding,) = _refused(data).open
    row = len(data["fuel"])
    assert finding.message("en").startswith(
        f"[warning duplicate_row] 台账.yaml, sheet fuel, row {row}: identical to row 4"
    )


def test_without_checks_a_result_says_it_is_not_for_reporting() -> None:
    data = _demo()
    data["fuel"][0]["carbon_content"] = 0.5521
    result = account(inventory_from_mapping(data, source="x.yaml"), plausibility=False)
    assert [f.code for f in result.findings] == ["not_checked"]


# -- the data the checks read -----------------------------------------------------------------


def test_bands_are_ordered_and_the_warning_band_lies_within_the_refusal() -> None:
    with pytest.raises(ValueError, match="inside"):
        Band(warn=(0.0, 2.0), refuse=(0.0, 1.0), basis_zh="x", basis_en="x")
    with pytest.raises(ValueError, match="order"):
        Band(warn=(2.0, 1.0), basis_zh="x", basis_en="x")


def test_every_sector_file_names_tables_and_columns_that_exist() -> None:
    from dualcarbon.methodologies.registry import INDICATORS

    sectors = all_sector_checks()
    assert {m.sector for m in all_methodologies().values()} <= set(sectors)
    for checks in sectors.values():
        for pair in checks.counterparts:
            assert TABLES[pair.table].has(pair.value)
            assert TABLES[pair.needs].has(pair.needs_value)
        for series in checks.series:
            table = TABLES[series.table]
            assert table.has(series.value) and all(table.has(name) for name in series.by)
        if checks.indicators:
            assert "power_unit" in INDICATORS


def test_every_band_sits_on_a_slot_a_reader_can_fill(tmp_path: Path) -> None:
    banded = [s for c in calculators().values() for s in c.slots if s.plausible]
    assert len(banded) >= 10
    bad = tmp_path / "power.yaml"
    bad.write_text("sector: power\nindicators: [{column: x}]\n", encoding="utf-8")
    with pytest.raises(FactorDataError):
        load_sector_file(bad)


def test_a_month_with_heat_but_no_heat_ratio_is_refused_not_taken_as_zero() -> None:
    """Issue 14, item 3: heat_ratio missing in one month was filled with 0, moving that month's
    heat emissions to power."""
    from dualcarbon.errors import InputError

    data = _demo()
    row = _row_of(data, "production", unit="#1", month=5)
    del data["production"][row - 1]["heat_ratio"]
    with pytest.raises(InputError) as raised:
        account(inventory_from_mapping(data, source="台账.yaml"))
    (problem,) = raised.value.problems
    assert (problem.sheet, problem.row, problem.field) == ("production", row, "heat_ratio")
    assert "供热比缺失" in problem.chinese()

    clean = _demo()
    down = _row_of(clean, "production", unit="#2", month=3)  # no heat supplied: may stay empty
    del clean["production"][down - 1]["heat_ratio"]
    account(inventory_from_mapping(clean, source="台账.yaml"))


def test_a_percentage_formatted_cell_reads_as_excel_shows_it(tmp_path: Path) -> None:
    """Issue 14: Excel stores "53.12%" as 0.5312; read into the carbon-content column (in %)
    that was 0.53 %, a hundredfold slip. It now reads 53.12; a ratio column keeps its fraction."""
    import openpyxl

    from dualcarbon.io.excel import write_template
    from dualcarbon.methodologies.definition import get_methodology

    path = write_template(
        get_methodology("cn-mee-power-2022"), tmp_path / "电厂.xlsx", example=True
    )
    book = openpyxl.load_workbook(path)
    fuel, production = book["fuel"], book["production"]
    columns = {cell.value: cell.column for cell in fuel[1]}
    typed = fuel.cell(3, columns["carbon_content"]).value
    fuel.cell(3, columns["carbon_content"]).value = typed / 100
    fuel.cell(3, columns["carbon_content"]).number_format = "0.00%"
    # its uncertainty, in the same unit, formatted alike (a review found it left 100× small)
    fuel.cell(3, columns["carbon_content_u"]).value = 0.0035
    fuel.cell(3, columns["carbon_content_u"]).number_format = "0.00%"
    ratios = {cell.value: cell.column for cell in production[1]}
    ratio = production.cell(3, ratios["heat_ratio"])
    ratio.number_format = "0.0%"
    book.save(path)
    inventory = read_inventory(path)
    assert inventory.table("fuel")["carbon_content"][0] == pytest.approx(typed)
    assert inventory.table("fuel")["carbon_content_u"][0] == pytest.approx(0.35)
    assert inventory.table("production")["heat_ratio"][0] == ratio.value


def test_an_impossible_value_is_reported_beside_a_merely_unusual_one() -> None:
    """A review found that an error in one slot hid behind a warning in another of the same row:
    every typed value is reported; only derived ones defer to the typed."""
    data = copy.deepcopy(CEMENT)
    data["clinker"][0]["cao_clinker"] = 72.0  # unusual (warning band 35–70 %)
    data["clinker"][0]["mgo_clinker"] = 35.0  # impossible (refused above 30 %)
    found = {(f.code, f.severity.value, f.field) for f in _refused(data).open}
    assert ("slot_band", "warning", "cao_clinker") in found
    assert ("slot_band", "error", "mgo_clinker") in found


def test_two_plants_with_a_unit_of_the_same_name_are_told_apart() -> None:
    data = _demo()
    for record in data["production"] + data["fuel"]:
        record["facility"] = "一厂" if record["unit"] == "#1" else "二厂"
        record["unit"] = "#1"
    data["production"] = [
        r for r in data["production"] if not (r["facility"] == "一厂" and r["month"] == 6)
    ]
    data["fuel"] = [r for r in data["fuel"] if not (r["facility"] == "一厂" and r["month"] == 6)]
    keys = {(f.code, f.key) for f in _refused(data).open}
    assert ("missing_month", "一厂/#1@6") in keys
    assert not any(key.startswith("二厂") for _, key in keys)


def test_an_excel_format_that_prints_a_percent_sign_is_not_a_percentage() -> None:
    from dualcarbon.guards.workbook_guard import _scales_as_percent

    assert _scales_as_percent("0.00%") and _scales_as_percent("[Red]0.0%")
    assert not _scales_as_percent('0.00"%"') and not _scales_as_percent("0.00\\%")
