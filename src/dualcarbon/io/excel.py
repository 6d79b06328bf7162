"""The Excel inventory format: a template per methodology, and a strict reader.

Layout of a workbook (what :func:`write_template` writes and :func:`read_workbook` reads):

* sheet ``inventory`` — the header, one field a row: column A the field name (``organisation``,
  ``facility``, ``year``, ``methodology``, ``region``), column B its value, columns C and D the
  zh and en labels (not read). Row 1 holds the titles ``key | value | …``.
* one sheet per table the methodology uses, named by the table (``fuel``, ``electricity``, …):
  row 1 the machine column names (the reader keys on them), row 2 the labels (``*`` = required,
  not read), data from row 3. Fully empty rows are skipped; every message names the Excel row.
* sheet ``说明 README`` — what each column means, the methodology's fuels and their units (not
  read).

The reader takes values only: a formula in any cell it reads is a problem, as is a macro-enabled
workbook. It reports every problem it finds and raises one :class:`InputError`; nothing is
returned half-read.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import openpyxl
import polars as pl
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from pydantic import ValidationError

from dualcarbon.accounting.inventory import (
    ROW,
    Inventory,
    InventoryHeader,
    coerce_records,
    empty_frame,
)
from dualcarbon.errors import DualcarbonError, InputError, InputProblem
from dualcarbon.guards.workbook_guard import (
    WORKBOOK_LIMITS,
    PercentCell,
    WorkbookLimits,
    check_archive,
    load_checked,
    read_grids,
)
from dualcarbon.io.sheets import (
    TEMPLATE,
    Heading,
    as_text,
    blank,
    read_key_sheet,
    read_sheet,
)
from dualcarbon.methodologies.definition import Methodology
from dualcarbon.methodologies.tables import TABLES, Column, Table

HEADER_SHEET = "inventory"
README_SHEET = "说明 README"
NAME_ROW = 1
"""Row of the machine column names in a table sheet."""
LABEL_ROW = 2
"""Row of the human labels in a table sheet (not read)."""
FIRST_DATA_ROW = 3
LAST_VALIDATED_ROW = 1_048_576
"""Data validations cover a column from row 3 to the end of the sheet."""

HEADER_LABELS: dict[str, tuple[str, str]] = {
    "organisation": ("重点排放单位名称", "organisation"),
    "facility": ("设施名称", "facility"),
    "year": ("核算年度", "reporting year"),
    "methodology": ("核算方法（勿改）", "methodology id (do not change)"),
    "region": ("电网区域", "grid region (electricity factors)"),
}

_HEADER_TITLES = ("key", "value", "名称", "name")
_LIST_LIMIT = 255
"""Excel's limit on an inline list validation, quotes included; longer lists use a range."""
_MACRO_SUFFIXES = {".xlsm", ".xltm", ".xlam"}
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_NAME_FONT = Font(bold=True, color="FFFFFF")
_NAME_FILL = PatternFill("solid", fgColor="305496")
_LABEL_FONT = Font(bold=True)
_LABEL_FILL = PatternFill("solid", fgColor="D9E1F2")
_REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
_TITLE_FONT = Font(bold=True, size=14)
_SECTION_FONT = Font(bold=True, size=12)


def tables_for(methodology: Methodology) -> tuple[Table, ...]:
    """The tables a methodology reads, in the order of :data:`TABLES`."""
    names = methodology.tables
    return tuple(table for table in TABLES.values() if table.name in names)


# -- template ------------------------------------------------------------------------------------


def write_template[Target: (Path, IO[bytes])](
    methodology: Methodology,
    path: Target,
    *,
    lang: str = "zh",
    example: bool = False,
    organisation: str | None = None,
) -> Target:
    """Write an inventory workbook for ``methodology`` to a file or a binary stream; with
    ``example``, a few filled rows; with ``organisation``, its name in the header (the web
    page's download, ready for that organisation's upload)."""
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    if methodology.project is not None:
        raise DualcarbonError(
            f"{methodology.id} is a project methodology: its workbook is written by "
            "`dualcarbon projects template` / "
            "项目方法学的工作簿请用 dualcarbon projects template 生成"
        )
    tables = tables_for(methodology)
    workbook = openpyxl.Workbook()
    header_sheet = workbook.active
    header_sheet.title = HEADER_SHEET
    _write_header_sheet(
        header_sheet, methodology, lang=lang, example=example, organisation=organisation
    )
    sheets = {table.name: workbook.create_sheet(table.name) for table in tables}
    readme = workbook.create_sheet(README_SHEET)
    fuel_range = _write_readme(readme, methodology, tables)
    examples = _example_rows(methodology) if example else {}
    for table in tables:
        _write_table_sheet(
            sheets[table.name],
            table,
            methodology,
            lang=lang,
            fuel_range=fuel_range,
            rows=examples.get(table.name, ()),
        )
    workbook.save(path)
    return path


def _write_header_sheet(
    sheet: Any, methodology: Methodology, *, lang: str, example: bool, organisation: str | None
) -> None:
    sheet.append(list(_HEADER_TITLES))
    for cell in sheet[1]:
        cell.font = _NAME_FONT
        cell.fill = _NAME_FILL
    values: dict[str, object] = {"methodology": methodology.id}
    if example:
        values |= {
            "organisation": methodology.template_example.get("organisation", "示例有限公司"),
            "facility": methodology.template_example.get("facility", "示例工厂"),
            "year": max(methodology.reporting_years),
        }
    if organisation:
        values["organisation"] = organisation
    for row, (key, info) in enumerate(InventoryHeader.model_fields.items(), start=2):
        label_zh, label_en = HEADER_LABELS.get(key, (key, key))
        mark = "*" if info.is_required() else ""
        default = None if info.is_required() else info.get_default()
        value = values.get(key, default if default != "" else None)
        sheet.append([key, value, label_zh + mark, label_en + mark])
        sheet.cell(row, 1).font = _LABEL_FONT
        if info.is_required():
            sheet.cell(row, 2).fill = _REQUIRED_FILL
        if key == "year":
            years = methodology.reporting_years
            validation = DataValidation(
                type="whole",
                operator="between",
                formula1=str(min(years)),
                formula2=str(max(years)),
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=_pick(lang, "核算年度", "reporting year"),
                error=_pick(
                    lang,
                    f"{methodology.id} 适用于 {min(years)}–{max(years)} 年度的数据",
                    f"{methodology.id} governs data of {min(years)}–{max(years)}",
                ),
            )
            sheet.add_data_validation(validation)
            validation.add(f"B{row}")
    for letter, width in zip("ABCD", (16, 28, 22, 34), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"


def _write_table_sheet(
    sheet: Any,
    table: Table,
    methodology: Methodology,
    *,
    lang: str,
    fuel_range: str,
    rows: Sequence[dict[str, object]],
) -> None:
    sheet.append([column.name for column in table.columns])
    sheet.append(
        [_label(column, lang) + ("*" if column.required else "") for column in table.columns]
    )
    for index, column in enumerate(table.columns, start=1):
        name_cell = sheet.cell(NAME_ROW, index)
        name_cell.font = _NAME_FONT
        name_cell.fill = _NAME_FILL
        label_cell = sheet.cell(LABEL_ROW, index)
        label_cell.font = _LABEL_FONT
        label_cell.fill = _REQUIRED_FILL if column.required else _LABEL_FILL
        label_cell.alignment = Alignment(wrap_text=True, vertical="top")
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = min(
            max(display_width(column.name), display_width(_label(column, lang)) + 1, 8) + 2, 40
        )
        validation = _validation(table, column, methodology, lang=lang, fuel_range=fuel_range)
        if validation is not None:
            sheet.add_data_validation(validation)
            validation.add(f"{letter}{FIRST_DATA_ROW}:{letter}{LAST_VALIDATED_ROW}")
    for record in rows:
        sheet.append([record.get(column.name) for column in table.columns])
    sheet.freeze_panes = f"A{FIRST_DATA_ROW}"


def _validation(
    table: Table, column: Column, methodology: Methodology, *, lang: str, fuel_range: str
) -> DataValidation | None:
    label = _label(column, lang)
    if column.name == "month":
        return DataValidation(
            type="whole",
            operator="between",
            formula1="1",
            formula2="12",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=label,
            error=_pick(lang, "月份为 1–12 的整数", "month is a whole number 1–12"),
        )
    if table.name == "fuel" and column.name == "fuel":
        keys = list(methodology.fuels)
        return _list_validation(keys, label, lang, fallback_range=fuel_range)
    if column.choices:
        return _list_validation(list(column.accepted), label, lang)
    if column.dtype is pl.Boolean:
        return _list_validation(["是", "否"], label, lang)
    if column.dtype is pl.Float64:
        return DataValidation(
            type="decimal",
            operator="greaterThanOrEqual" if column.name != "emission_factor" else "between",
            formula1="0" if column.name != "emission_factor" else "-1E+300",
            formula2=None if column.name != "emission_factor" else "1E+300",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=label,
            error=_pick(
                lang, "请填写数值（不是文本或公式）", "enter a number (not text or a formula)"
            ),
        )
    return None


def _list_validation(
    values: Sequence[str], label: str, lang: str, *, fallback_range: str | None = None
) -> DataValidation | None:
    inline = ",".join(values)
    if len(inline) + 2 <= _LIST_LIMIT and not any("," in value or '"' in value for value in values):
        formula = f'"{inline}"'
    elif fallback_range is not None:
        formula = fallback_range
    else:
        return None
    return DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=label,
        error=_pick(lang, f"请从列表中选择：{inline}", f"choose from the list: {inline}"),
    )


def _write_readme(sheet: Any, methodology: Methodology, tables: Sequence[Table]) -> str:
    """Fill the README sheet; return the absolute range of the fuel keys (for validations)."""

    def line(*values: object, font: Font | None = None) -> int:
        sheet.append(list(values))
        row: int = sheet.max_row
        if font is not None:
            for cell in sheet[row]:
                cell.font = font
        return row

    line("dualcarbon 排放数据填报模板 / inventory template", font=_TITLE_FONT)
    line()
    line("核算方法 methodology", font=_SECTION_FONT)
    line("标识 id", methodology.ref)
    line("名称 title", methodology.title_zh)
    line("", methodology.title_en)
    line("文件 document", methodology.document)
    line("发布 issued", methodology.issued.isoformat())
    line("适用年度 reporting years", ", ".join(str(year) for year in methodology.reporting_years))
    line()
    line("排放源 emission sources", font=_SECTION_FONT)
    line("类型 kind", "名称", "name", "条款 clause", "公式 formula", font=_LABEL_FONT)
    for source in methodology.sources:
        line(source.kind, source.name_zh, source.name_en, source.clause, source.formula)
    line()
    line("填写规则 how to fill", font=_SECTION_FONT)
    for zh, en in _RULES:
        line(zh, en)
    line()
    line(f"工作表 {HEADER_SHEET} sheet: 基本信息 header", font=_SECTION_FONT)
    line("字段 key", "名称", "name", "必填 required", "默认值 default", font=_LABEL_FONT)
    for key, info in InventoryHeader.model_fields.items():
        label_zh, label_en = HEADER_LABELS.get(key, (key, key))
        default = "" if info.is_required() else info.get_default()
        line(key, label_zh, label_en, "是 yes" if info.is_required() else "", default)
    for table in tables:
        line()
        line(f"工作表 {table.name} sheet: {table.label_zh} {table.label_en}", font=_SECTION_FONT)
        line(
            "字段 column",
            "名称",
            "name",
            "必填 required",
            "默认值 default",
            "可选值 choices",
            "说明 notes",
            font=_LABEL_FONT,
        )
        for column in table.columns:
            choices = column.accepted
            if table.name == "fuel" and column.name == "fuel":
                choices = tuple(methodology.fuels)
            line(
                column.name,
                column.label_zh,
                column.label_en,
                "是 yes" if column.required else "",
                _shown(column.default),
                ", ".join(choices),
                _column_notes(column),
            )
    line()
    line("燃料 fuels", font=_SECTION_FONT)
    line(
        "燃料 fuel",
        "名称",
        "name",
        "类别 category",
        "消耗量单位 consumption unit",
        "低位发热量 NCV",
        "元素碳含量 carbon content",
        font=_LABEL_FONT,
    )
    first = sheet.max_row + 1
    for key, fuel in methodology.fuels.items():
        line(
            key,
            fuel.name_zh,
            fuel.name_en,
            fuel.category,
            fuel.consumption_unit,
            _parameter_note(fuel.net_calorific_value.fallback is not None),
            _parameter_note(fuel.carbon_content.fallback is not None),
        )
    last = max(sheet.max_row, first)
    for letter, width in zip("ABCDEFG", (30, 34, 34, 16, 20, 26, 36), strict=True):
        sheet.column_dimensions[letter].width = width
    return f"'{README_SHEET}'!$A${first}:$A${last}"


_RULES = (
    (
        "每个数据工作表第1行为字段名（程序据此读取，请勿修改），第2行为名称（* 为必填），"
        "数据从第3行开始。",
        "Row 1 of each data sheet holds the column names the reader keys on (do not change them); "
        "row 2 the labels (* = required); data start at row 3.",
    ),
    (
        "只接受数值：含公式的单元格会被拒绝，请“选择性粘贴 → 数值”。",
        "Values only: cells with formulas are rejected; paste values.",
    ),
    (
        "请保存为 Excel 工作簿 .xlsx（不含宏）。整行为空的行会被跳过。",
        "Save as an Excel workbook (.xlsx) without macros. Fully empty rows are skipped.",
    ),
    (
        "每行为一个设施/机组一个月的数据；单位可改写（如 万t、kWh），量纲不符的单位会被指出。",
        "One row per facility/unit and month; units may be changed (e.g. kWh), a unit of the wrong "
        "kind is reported.",
    ),
    (
        "文件有任何问题时整份文件不被采用，所有问题会按工作表、行号、字段一次列出。",
        "A file with any problem is rejected as a whole; every problem is listed by sheet, row "
        "and column.",
    ),
)


def _column_notes(column: Column) -> str:
    notes = [column.help_zh] if column.help_zh else []
    if column.dtype is pl.Float64:
        notes.append("数值 number")
    elif column.dtype is pl.Int64:
        notes.append("整数 whole number")
    elif column.dtype is pl.Boolean:
        notes.append("是/否 yes/no")
    return "; ".join(notes)


def _parameter_note(has_default: bool) -> str:
    return "可用缺省值 default available" if has_default else "须实测 must be measured"


def _example_rows(methodology: Methodology) -> dict[str, list[dict[str, object]]]:
    """A few plausible rows: coal for two units, a month of fuel oil, purchased electricity."""
    year = max(methodology.reporting_years)
    rows: dict[str, list[dict[str, object]]] = {}
    by_category: dict[str, tuple[str, str]] = {}
    for key, fuel in methodology.fuels.items():
        by_category.setdefault(fuel.category, (key, fuel.consumption_unit))
    fuel_rows: list[dict[str, object]] = []
    if "coal" in by_category:
        coal, unit = by_category["coal"]
        for number, (consumption, ncv, carbon) in enumerate(
            ((98_000.0, 20.91, 53.12), (87_500.0, 21.35, 54.03)), start=1
        ):
            row: dict[str, object] = {
                "unit": f"#{number}",
                "month": 1,
                "fuel": coal,
                "consumption": consumption,
                "consumption_unit": unit,
                "consumption_ref": f"入炉煤皮带秤 #{number}",
                "consumption_tier": "measured",
            }
            if unit == "t":
                row |= {
                    "ncv": ncv,
                    "ncv_unit": "GJ/t",
                    "ncv_ref": f"{year}-01 煤质化验报告 #{number}",
                    "carbon_content": carbon,
                    "carbon_content_unit": "%",
                    "carbon_content_basis": "ar",
                    "carbon_content_qualified": "是",
                    "carbon_content_ref": f"元素碳检测报告 C-01-{number}",
                }
            fuel_rows.append(row)
    if "oil" in by_category:
        oil, unit = by_category["oil"]
        fuel_rows.append(
            {
                "unit": "#1",
                "month": 1,
                "fuel": oil,
                "consumption": 12.5,
                "consumption_unit": unit,
                "consumption_ref": "点火油罐液位记录",
                "consumption_tier": "measured",
            }
        )
    if fuel_rows:
        rows["fuel"] = fuel_rows
    if methodology.source("purchased_electricity") is not None:
        rows["electricity"] = [
            {
                "month": 1,
                "direction": "purchased",
                "amount": 1520.0,
                "amount_unit": "MWh",
                "amount_ref": f"购电结算单 {year}-01",
                "amount_tier": "measured",
            }
        ]
    if "production" in methodology.tables:
        rows["production"] = [
            {
                "unit": "#1",
                "month": 1,
                "generation": 210_000.0,
                "supply": 198_500.0,
                "operating_hours": 700.0,
                "capacity": 300.0,
            },
            {
                "unit": "#2",
                "month": 1,
                "generation": 190_000.0,
                "supply": 179_800.0,
                "operating_hours": 640.0,
                "capacity": 300.0,
            },
        ]
    for table in tables_for(methodology):  # a sector's tables carry their example rows
        if table.example and table.name not in rows:
            rows[table.name] = [dict(row) for row in table.example]
    return rows


def _label(column: Column, lang: str) -> str:
    return column.label_en if lang == "en" else column.label_zh


def _pick(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def _shown(value: object) -> object:
    if value is True:
        return "是 yes"
    if value is False:
        return "否 no"
    return "" if value is None else value


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


# -- reader --------------------------------------------------------------------------------------

Grid = list[tuple[object, ...]]


def read_workbook(path: Path) -> Inventory:
    """Read an inventory workbook; raise :class:`InputError` listing every problem found."""
    source = str(path)
    grids = load_grids(path)
    problems: list[InputProblem] = []
    header: InventoryHeader | None = None
    if HEADER_SHEET in grids:
        header = _read_header(grids[HEADER_SHEET], source, problems)
    else:
        problems.append(
            InputProblem(
                source,
                f"missing sheet {HEADER_SHEET!r} (header: "
                f"{', '.join(InventoryHeader.model_fields)})",
                sheet=HEADER_SHEET,
            )
        )
    tables: dict[str, pl.DataFrame] = {}
    sheets: dict[str, str] = {}
    for sheet_name, grid in grids.items():
        if sheet_name in (HEADER_SHEET, README_SHEET):
            continue
        table = TABLES.get(sheet_name)
        if table is None:
            problems.append(
                InputProblem(
                    source,
                    f"unknown sheet (known: {HEADER_SHEET}, {', '.join(TABLES)}, {README_SHEET})",
                    sheet=sheet_name,
                )
            )
            continue
        tables[table.name] = _read_table(table, grid, source, sheet_name, problems)
        sheets[table.name] = sheet_name
    if problems or header is None:
        raise InputError(problems)
    return Inventory(header=header, tables=tables, source=source, sheets=sheets)


def load_grids(path: Path, limits: WorkbookLimits = WORKBOOK_LIMITS) -> dict[str, Grid]:
    """Every worksheet's cell values, row by row; refuses what is not a plain .xlsx workbook,
    and a workbook that unpacks past ``limits`` (:mod:`dualcarbon.guards.workbook_guard`) before
    reading more of it."""
    source = str(path)

    def refuse(rule: str) -> InputError:
        return InputError([InputProblem(source, rule)])

    if path.suffix.lower() in _MACRO_SUFFIXES:
        raise refuse(_MACRO_RULE)
    data = path.read_bytes()
    if data.startswith(_OLE_SIGNATURE):
        raise refuse(
            "not an .xlsx workbook: this is a legacy .xls or a password-protected workbook; "
            "save it unprotected as Excel Workbook (.xlsx)"
        )
    check_archive(data, source, limits)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            content_types = (
                archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else None
            )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError):
        raise refuse(_NOT_XLSX_RULE) from None
    if content_types is None:
        raise refuse(_NOT_XLSX_RULE)
    if b"macroEnabled" in content_types or any(n.lower().endswith("vbaproject.bin") for n in names):
        raise refuse(_MACRO_RULE)
    try:
        workbook = load_checked(data)
        try:
            return read_grids(workbook, source, limits)
        finally:
            workbook.close()
    except InputError:
        raise
    except Exception as exc:  # openpyxl raises anything from KeyError to XML parse errors
        raise refuse(f"{_NOT_XLSX_RULE} ({type(exc).__name__}: {exc})") from None


_NOT_XLSX_RULE = "not a readable Excel workbook (.xlsx); save the file as Excel Workbook (.xlsx)"
_MACRO_RULE = "macro-enabled workbooks are not accepted; save as Excel Workbook (.xlsx)"


def _read_header(grid: Grid, source: str, problems: list[InputProblem]) -> InventoryHeader | None:
    fields = InventoryHeader.model_fields
    found, read = read_key_sheet(
        grid, list(fields), source=source, sheet=HEADER_SHEET, titles=_HEADER_TITLES[:1]
    )
    problems += read
    rows = found.rows
    values = {
        key: as_text(value) if fields[key].annotation is str else value
        for key, value in found.values.items()
    }
    try:
        return InventoryHeader.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"])
            missing = error["type"] == "missing"
            if missing and field in rows:
                if not blank(_cell(grid[rows[field] - 1], 1)):
                    continue  # its value was a formula, already reported
                rule = "required header field has no value in column B"
            elif missing:
                rule = "required header field is missing (name in column A, value in column B)"
            else:
                rule = error["msg"]
            problems.append(
                InputProblem(
                    source,
                    rule,
                    field=field,
                    sheet=HEADER_SHEET,
                    row=rows.get(field),
                    value=None if missing else error.get("input"),
                )
            )
        return None


def _read_table(
    table: Table, grid: Grid, source: str, sheet: str, problems: list[InputProblem]
) -> pl.DataFrame:
    headings = [
        Heading(column.name, column.label_zh, column.label_en, column.required)
        for column in table.columns
    ]
    found, layout_problems = read_sheet(grid, headings, source=source, sheet=sheet, layout=TEMPLATE)
    known = {column.name: column for column in table.columns}
    frame, coerced = coerce_records(
        table,
        [
            {
                name: _typed(_as_seen(name, value, cells, known), known[name])
                for name, value in cells.items()
            }
            for _, cells in found.rows
        ],
        file=source,
        sheet=sheet,
        rows=[number for number, _ in found.rows],
    )
    if not found.rows:
        frame = empty_frame(table)
    problems += sorted(
        [*layout_problems, *coerced, *_range_problems(table, frame, source, sheet)],
        key=lambda problem: problem.row or 0,
    )
    return frame


def _range_problems(
    table: Table, frame: pl.DataFrame, source: str, sheet: str
) -> list[InputProblem]:
    """What the template's data validations allow, checked again: pasting bypasses them."""
    checks: list[tuple[str, pl.Expr, str]] = []
    if "month" in frame.columns:
        checks.append(
            (
                "month",
                ~pl.col("month").is_between(1, 12),
                "month must be 1–12 within the inventory year",
            )
        )
    for column in table.columns:
        if column.choices:
            checks.append(
                (
                    column.name,
                    ~pl.col(column.name).is_in(list(column.accepted)),
                    f"must be one of {', '.join(column.accepted)}",
                )
            )
    found = []
    for field, mask, rule in checks:
        hits = frame.filter(pl.col(field).is_not_null() & mask).select(ROW, field)
        found += [
            InputProblem(source, rule, field=field, sheet=sheet, row=row, value=value)
            for row, value in hits.iter_rows()
        ]
    return found


def _cell(row: Sequence[object], index: int) -> object:
    return row[index] if index < len(row) else None


def _as_seen(
    name: str, value: object, cells: dict[str, object], known: dict[str, Column]
) -> object:
    """A percentage-formatted cell in a percentage column as Excel shows it: "53.12%" is 53.12,
    not the 0.5312 Excel stores (read as 0.53 % it was a hundredfold slip, issue 14). In a
    fraction column (a heat-supply ratio shown as 35%) the stored fraction is right."""
    if not isinstance(value, PercentCell):
        return value
    # an uncertainty (``carbon_content_u``) is in its value's unit
    owner = name[: -len("_u")] if name.endswith("_u") and name[: -len("_u")] in known else name
    unit_column = known.get(f"{owner}_unit")
    row_unit = cells.get(f"{owner}_unit") if unit_column is not None else None
    in_percent = known[owner].unit == "%" or (
        unit_column is not None
        and as_text(row_unit if row_unit is not None else unit_column.default).strip() == "%"
    )
    return value.shown if in_percent else float(value)


def _typed(value: object, column: Column) -> object:
    if column.dtype is pl.String and isinstance(value, int | float) and not isinstance(value, bool):
        return as_text(value)
    return value
