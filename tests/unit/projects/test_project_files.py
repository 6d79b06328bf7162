"""Project files: the workbook template round trip, the examples, and mistakes named where
they are (sheet, row, field)."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from dualcarbon.cli.main import app
from dualcarbon.errors import DualcarbonError, InputError
from dualcarbon.io.excel import write_template
from dualcarbon.io.project_files import read_project
from dualcarbon.io.project_workbook import write_project_template
from dualcarbon.io.register_files import read_register
from dualcarbon.methodologies.definition import get_methodology
from dualcarbon.projects.engine import account_project
from dualcarbon.reports.monitoring_report import render_monitoring_report

runner = CliRunner()


def examples(folder: Path) -> dict[str, Path]:
    result = runner.invoke(app, ["projects", "examples", "--dir", str(folder), "--lang", "en"])
    assert result.exit_code == 0, result.output
    return {path.name: path for path in folder.iterdir()}


def filled_workbook(path: Path) -> Path:
    """The template with its example, completed as a project would complete it."""
    write_project_template(get_methodology("ccer-01-002-v01"), path, example=True)
    book = openpyxl.load_workbook(path)
    project = book["project"]
    keys = {row[0].value: row[1] for row in project.iter_rows(min_row=2)}
    keys["grid"].value = "华东"
    keys["distance_km"].value = 45
    keys["depth_m"].value = 12
    book["grid_margins"].append([2025, 0.8, 0.4, "测试用公布值"])
    plan = book["monitoring_plan"]
    plan.delete_rows(3, 2)
    plan.append(["export", "EXP-1", None, "上网关口"])
    plan.append(["import", "IMP-1", None, None])
    book.save(path)
    return path


REGISTER = """
instruments:
  - {id: EXP-1, quantity: 有功电能, energy: electricity, level: site, kind: electricity_meter,
     accuracy: "0.5", interval_months: 12}
  - {id: IMP-1, quantity: 有功电能, energy: electricity, level: site, kind: electricity_meter,
     accuracy: "0.5", interval_months: 12}
calibrations:
  - {instrument: EXP-1, date: 2024-12-01, result: pass}
  - {instrument: IMP-1, date: 2024-12-01, result: pass}
"""


def test_workbook_template_round_trip_by_hand(tmp_path: Path) -> None:
    """The template's example month (98 500 MWh out, 45.2 MWh in) at CM = 0.6:
    (98 500 − 45.2) × 0.6 tCO2 (CCER-01-002-V01 equations (1)–(3))."""
    (tmp_path / "meters.yaml").write_text(REGISTER, encoding="utf-8")
    inventory = read_project(filled_workbook(tmp_path / "project.xlsx"))
    assert inventory.header.facts == {"distance_km": 45.0, "depth_m": 12.0}
    result = account_project(inventory, register=read_register(tmp_path / "meters.yaml"))
    assert result.total == pytest.approx((98_500 - 45.2) * 0.6, rel=1e-12)


def test_workbook_template_leaves_out_what_the_engine_fills(tmp_path: Path) -> None:
    path = write_project_template(get_methodology("ccer-01-002-v01"), tmp_path / "t.xlsx")
    names = [cell.value for cell in openpyxl.load_workbook(path)["grid_supply"][1]]
    assert names[:1] == ["year"] and "export" in names
    assert not {"grid", "om_default", "bm_default"} & set(names)


def test_workbook_mistakes_are_named_by_sheet_row_and_field(tmp_path: Path) -> None:
    path = filled_workbook(tmp_path / "project.xlsx")
    book = openpyxl.load_workbook(path)
    book["grid_supply"]["A3"] = 1999.5
    start = next(
        row[0].row for row in book["project"].iter_rows() if row[0].value == "crediting_start"
    )
    book["project"].cell(start, 2).value = "not a date"
    book.save(path)
    with pytest.raises(InputError) as caught:
        read_project(path)
    places = {(p.sheet, p.row, p.field) for p in caught.value.problems}
    assert ("grid_supply", 3, "year") in places
    assert ("project", start, "crediting_start") in places


def test_an_enterprise_workbook_is_not_written_for_a_project_methodology(tmp_path: Path) -> None:
    with pytest.raises(DualcarbonError, match="projects template"):
        write_template(get_methodology("ccer-01-002-v01"), tmp_path / "x.xlsx")


def test_the_examples_account_and_report(tmp_path: Path) -> None:
    files = examples(tmp_path)
    out = runner.invoke(
        app,
        [
            "projects",
            "account",
            str(files["光热项目.yaml"]),
            "--register",
            str(files["光热计量器具.yaml"]),
            "--json",
            "--lang",
            "en",
        ],
    )
    assert out.exit_code == 0, out.output
    document = json.loads(out.stdout)
    assert document["methodology"]["ref"] == "ccer-01-001-v01@1"
    year = document["by_year"][0]
    assert year["total"] == pytest.approx(year["baseline"] - year["project"])
    # the gas flowmeter was never calibrated: every month with gas is taken × 1.015
    assert {c["parameter"] for c in document["conservative_corrections"]} == {"fuel"}
    assert all(c["factor"] == pytest.approx(1.015) for c in document["conservative_corrections"])
    assert document["uncertainty"]["U"] > 0


def test_monitoring_report_in_both_languages(tmp_path: Path) -> None:
    files = examples(tmp_path)
    inventory = read_project(files["海上风电项目.yaml"])
    result = account_project(inventory, register=read_register(files["海上风电计量器具.yaml"]))
    chinese = render_monitoring_report(result, uncertainty=result.uncertainty())
    english = render_monitoring_report(result, lang="en")
    assert "未按期检定计量器具读数的保守处理" in chinese and "102,664.260" in chinese
    assert "CCER-01-002-V01 2（适用条件）" in chinese
    assert "Readings of meters not calibrated in time" in english
    assert f"{result.total:,.2f}" in chinese
    assert result.accounting.meta.inventory_digest in english


def test_account_refuses_a_project_methodology(tmp_path: Path) -> None:
    inventory = tmp_path / "inv.yaml"
    inventory.write_text(
        "inventory: {organisation: t, year: 2025, methodology: ccer-01-002-v01}\n"
        "grid_supply:\n  - {month: 1, export: 10, import: 0, export_ref: x, import_ref: y}\n",
        encoding="utf-8",
    )
    out = runner.invoke(app, ["account", str(inventory), "--lang", "en"])
    assert out.exit_code == 1
    assert "dualcarbon projects account" in out.output


def test_check_names_the_clause_of_a_project_not_applicable(tmp_path: Path) -> None:
    files = examples(tmp_path)
    project = files["海上风电项目.yaml"]
    project.write_text(
        project.read_text(encoding="utf-8").replace(
            "facts: {distance_km: 42, depth_m: 18}", "facts: {distance_km: 25, depth_m: 18}"
        ),
        encoding="utf-8",
    )
    out = runner.invoke(
        app,
        [
            "projects",
            "check",
            str(project),
            "--register",
            str(files["海上风电计量器具.yaml"]),
            "--lang",
            "zh",
        ],
    )
    assert out.exit_code == 1
    assert "不适用：CCER-01-002-V01 2（适用条件）" in out.output
