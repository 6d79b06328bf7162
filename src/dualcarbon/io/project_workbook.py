"""The Excel project format: a template per project methodology, and a strict reader.

Layout (what :func:`write_project_template` writes and :func:`read_project_workbook` reads):

* sheet ``project`` — one field a row: column A the key, column B the value, columns C and D the
  zh and en labels (not read). Keys: ``id``, ``name``, ``owner``, ``methodology``, ``grid``,
  ``grid_connected``, ``crediting_start``, ``crediting_end``, ``monitoring_start``,
  ``monitoring_end``, then one row per fact the methodology's applicability reads.
* sheet ``grid_margins`` — the operating and build margins a project types with their notice
  while the catalogue holds no edition: ``year``, ``om``, ``bm``, ``source``.
* sheet ``monitoring_plan`` — ``parameter``, ``meter``, ``point``, ``note``.
* one sheet per table the methodology reads, laid out as an inventory's (row 1 the column
  names, row 2 the labels, data from row 3), with ``year`` first beside ``month``.

Every problem found is reported at once, naming sheet, row and field; nothing is half-read.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import IO, Any

import openpyxl
import polars as pl
from openpyxl.styles import Font, PatternFill
from pydantic import ValidationError

from dualcarbon.errors import DualcarbonError, InputError, InputProblem
from dualcarbon.io.excel import (
    _read_table,
    _write_table_sheet,
    load_grids,
    tables_for,
)
from dualcarbon.io.sheets import as_text, read_key_sheet
from dualcarbon.methodologies.definition import Methodology
from dualcarbon.methodologies.tables import Column, Table
from dualcarbon.projects.model import (
    GRIDS,
    YEAR,
    PlanEntry,
    ProjectHeader,
    ProjectInventory,
    with_year,
    year_problems,
)

PROJECT_SHEET = "project"
MARGINS_SHEET = "grid_margins"
PLAN_SHEET = "monitoring_plan"
README_SHEET = "说明 README"

FIELDS: dict[str, tuple[str, str, bool]] = {
    "id": ("项目编号", "project reference", True),
    "name": ("项目名称", "project name", True),
    "owner": ("项目业主", "project owner", True),
    "methodology": ("方法学（勿改）", "methodology id (do not change)", True),
    "plant": ("绿证系统项目编码（空白：同项目编号）", "plant code in the GEC system", False),
    "grid": ("区域电网（华北/东北/华东/华中/西北/南方/西南）", "regional grid", False),
    "grid_connected": ("并网日期", "grid connection date", False),
    "crediting_start": ("计入期开始日期", "crediting period start", False),
    "crediting_end": ("计入期结束日期", "crediting period end", False),
    "monitoring_start": ("监测期开始日期", "monitoring period start", True),
    "monitoring_end": ("监测期结束日期", "monitoring period end", True),
}

_NAME_FONT = Font(bold=True, color="FFFFFF")
_NAME_FILL = PatternFill("solid", fgColor="305496")
_REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")


_PLAN = Table(
    PLAN_SHEET,
    "监测计划",
    "monitoring plan",
    (
        Column("parameter", pl.String, "监测参数", "parameter", required=True),
        Column("meter", pl.String, "计量器具编号（台账）", "meter (register id)", required=True),
        Column("point", pl.String, "计量点（空白：全部）", "metering point (blank: all)"),
        Column("note", pl.String, "说明", "note"),
    ),
)
_MARGINS = Table(
    MARGINS_SHEET,
    "区域电网基准线排放因子",
    "grid baseline factors",
    (
        Column(YEAR, pl.Int64, "公布年份", "year published for", required=True),
        Column("om", pl.Float64, "EF_OM tCO2/MWh", "EF_OM tCO2/MWh", required=True),
        Column("bm", pl.Float64, "EF_BM tCO2/MWh", "EF_BM tCO2/MWh", required=True),
        Column("source", pl.String, "发布文件", "published in", required=True),
    ),
)


def write_project_template[Target: (Path, IO[bytes])](
    methodology: Methodology, path: Target, *, lang: str = "zh", example: bool = False
) -> Target:
    """A project workbook for ``methodology``; with ``example``, the methodology's example rows."""
    rules = methodology.project
    if rules is None:
        raise DualcarbonError(
            f"{methodology.id} is not a project methodology / {methodology.id} 不是项目方法学"
        )
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = PROJECT_SHEET
    sheet.append(["key", "value", "名称", "name"])
    for cell in sheet[1]:
        cell.font, cell.fill = _NAME_FONT, _NAME_FILL
    shown: dict[str, object] = {"methodology": methodology.id}
    if example:
        shown |= {
            "id": "DEMO-01",
            "name": methodology.template_example.get("facility", "示例项目"),
            "owner": methodology.template_example.get("organisation", "示例有限公司"),
            "crediting_start": dt.date(2024, 7, 1),
            "crediting_end": dt.date(2034, 6, 30),
            "monitoring_start": dt.date(2025, 1, 1),
            "monitoring_end": dt.date(2025, 1, 31),
        }
    rows = [(key, zh, en, required) for key, (zh, en, required) in FIELDS.items()]
    rows += [
        (
            fact.name,
            f"{fact.label_zh}{f'（{fact.unit}）' if fact.unit else ''}"
            + ("（是/否）" if fact.type == "yes_no" else ""),
            fact.label_en,
            True,
        )
        for fact in rules.facts
    ]
    for number, (key, zh, en, required) in enumerate(rows, start=2):
        sheet.append([key, shown.get(key), zh + ("*" if required else ""), en])
        if required:
            sheet.cell(number, 2).fill = _REQUIRED_FILL
    for letter, width in zip("ABCD", (18, 30, 40, 34), strict=True):
        sheet.column_dimensions[letter].width = width
    for table in (_MARGINS, _PLAN):
        example_rows: list[dict[str, object]] = (
            [
                {"parameter": p.parameter, "meter": f"{p.parameter.upper()}-01"}
                for p in rules.monitoring
            ]
            if example and table is _PLAN
            else []
        )
        _write_table_sheet(
            workbook.create_sheet(table.name),
            table,
            methodology,
            lang=lang,
            fuel_range="",
            rows=example_rows,
        )
    for table in tables_for(methodology):
        project_table = with_year(table, typed_only=True)
        _write_table_sheet(
            workbook.create_sheet(table.name),
            project_table,
            methodology,
            lang=lang,
            fuel_range="",
            rows=[dict(row) for row in project_table.example[:1]] if example else [],
        )
    readme = workbook.create_sheet(README_SHEET)
    readme.append([f"{methodology.document} {methodology.title_zh}"])
    readme.append([methodology.title_en])
    for clause in rules.applicability:
        readme.append([f"{clause.clause}: {clause.rule_zh} / {clause.rule_en}"])
    readme.append([f"{rules.crediting_clause}"])
    for parameter in rules.monitoring:
        readme.append([f"{parameter.symbol} {parameter.name_zh}: {parameter.clause}"])
    readme.append(["区域电网 grid: " + ", ".join(f"{v} = {k}" for k, v in GRIDS.items())])
    readme.column_dimensions["A"].width = 120
    workbook.save(path)
    return path


def read_project_workbook(path: Path) -> ProjectInventory:
    """Read a project workbook; raise :class:`InputError` listing every problem found."""
    source = str(path)
    grids = load_grids(path)
    problems: list[InputProblem] = []
    raw: dict[str, Any] = {}
    rows: dict[str, int] = {}
    if PROJECT_SHEET not in grids:
        problems.append(InputProblem(source, "missing sheet", sheet=PROJECT_SHEET))
    else:
        from dualcarbon.methodologies.definition import get_methodology

        found, read = read_key_sheet(
            grids[PROJECT_SHEET], _keys(grids[PROJECT_SHEET]), source=source, sheet=PROJECT_SHEET
        )
        problems += read
        raw, rows = found.values, found.rows
        try:
            rules = get_methodology(as_text(raw.get("methodology", "")).strip()).project
        except DualcarbonError:
            rules = None  # the header check names the methodology
        facts = {fact.name for fact in rules.facts} if rules else set()
        unknown = set(raw) - set(FIELDS) - facts
        for key in sorted(unknown):
            problems.append(
                InputProblem(
                    source, "unknown key in column A", field=key, sheet=PROJECT_SHEET, row=rows[key]
                )
            )
    header = _header(raw, rows, _margins(grids, source, problems), source, problems)
    plan: list[PlanEntry] = []
    plan_rows: list[int] = []
    if PLAN_SHEET in grids:
        frame = _read_table(_PLAN, grids[PLAN_SHEET], source, PLAN_SHEET, problems)
        for record in frame.iter_rows(named=True):
            try:
                plan.append(
                    PlanEntry(
                        parameter=record["parameter"] or "",
                        meter=record["meter"] or "",
                        point=record["point"] or None,
                        note=record["note"] or "",
                    )
                )
                plan_rows.append(record["_row"])
            except ValidationError:
                continue  # a required cell missing is reported by the sheet reader
    tables: dict[str, pl.DataFrame] = {}
    sheets: dict[str, str] = {}
    from dualcarbon.methodologies.tables import TABLES

    for sheet_name, grid in grids.items():
        if sheet_name in (PROJECT_SHEET, MARGINS_SHEET, PLAN_SHEET, README_SHEET):
            continue
        table = TABLES.get(sheet_name)
        if table is None:
            problems.append(InputProblem(source, "unknown sheet", sheet=sheet_name))
            continue
        tables[table.name] = _read_table(with_year(table), grid, source, sheet_name, problems)
        sheets[table.name] = sheet_name
    for name, frame in tables.items():
        problems += year_problems(frame, source, sheets[name])
    if problems or header is None:
        raise InputError(problems)
    return ProjectInventory(
        header=header,
        plan=tuple(plan),
        tables=tables,
        source=source,
        sheets={**sheets, "plan": PLAN_SHEET},
        plan_rows=tuple(plan_rows),
    )


def _keys(grid: list[tuple[object, ...]]) -> list[str]:
    """Every key column A names (the facts depend on the methodology, checked after)."""
    return [as_text(row[0]).strip() for row in grid if row and as_text(row[0]).strip()]


def _header(
    raw: dict[str, Any],
    rows: dict[str, int],
    margins: dict[int, dict[str, object]],
    source: str,
    problems: list[InputProblem],
) -> ProjectHeader | None:
    facts = {key: _fact(value) for key, value in raw.items() if key not in FIELDS}
    values: dict[str, Any] = {
        "id": as_text(raw.get("id", "")),
        "name": as_text(raw.get("name", "")),
        "owner": as_text(raw.get("owner", "")),
        "methodology": as_text(raw.get("methodology", "")),
        "plant": as_text(raw["plant"]) if raw.get("plant") is not None else None,
        "grid": as_text(raw["grid"]) if raw.get("grid") is not None else None,
        "grid_connected": _date(raw.get("grid_connected")),
        "crediting_period": {
            "start": _date(raw.get("crediting_start")),
            "end": _date(raw.get("crediting_end")),
        }
        if raw.get("crediting_start") is not None or raw.get("crediting_end") is not None
        else None,
        "monitoring_period": {
            "start": _date(raw.get("monitoring_start")),
            "end": _date(raw.get("monitoring_end")),
        },
        "facts": facts,
        "grid_margins": margins,
    }
    try:
        return ProjectHeader.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors():
            loc = [str(p) for p in error["loc"]]
            if loc[0] in ("crediting_period", "monitoring_period") and len(loc) > 1:
                key = f"{loc[0].split('_')[0]}_{loc[1]}"
            elif loc[0] == "facts" and len(loc) > 1:
                key = loc[1]
            else:
                key = loc[0]
            sheet = MARGINS_SHEET if key == "grid_margins" else PROJECT_SHEET
            problems.append(
                InputProblem(
                    source,
                    "required value is missing" if error["type"] == "missing" else error["msg"],
                    field=key,
                    sheet=sheet,
                    row=rows.get(key),
                    value=raw.get(key),
                )
            )
        return None


def _date(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _fact(value: object) -> object:
    if isinstance(value, str):
        from dualcarbon.i18n import yes_no

        answer = yes_no(value)
        if answer is not None:
            return answer
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _margins(
    grids: dict[str, list[tuple[object, ...]]], source: str, problems: list[InputProblem]
) -> dict[int, dict[str, object]]:
    if MARGINS_SHEET not in grids:
        return {}
    frame = _read_table(_MARGINS, grids[MARGINS_SHEET], source, MARGINS_SHEET, problems)
    return {
        year: {"om": om, "bm": bm, "source": text}
        for year, om, bm, text in frame.select(YEAR, "om", "bm", "source").iter_rows()
        if year is not None
    }
