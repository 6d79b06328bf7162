"""Register files: Excel, CSV and YAML, read strictly and written back.

One layout in three forms (docs/metrology-instruments.md):

* **Excel** (``.xlsx``): sheets ``instruments``, ``calibrations`` and, optionally, ``points`` (the
  metering points the unit should have) and ``register`` (column A a key, column B its value:
  ``organisation``). In each table sheet row 1 names the columns (the machine name, or its
  Chinese or English label), data start at row 2; fully empty rows are skipped. A sheet named
  ``说明 README`` is not read.
* **CSV**: a folder holding ``instruments.csv``, ``calibrations.csv`` and optionally
  ``points.csv``, UTF-8 (a byte-order mark is accepted), header in line 1.
* **YAML**: ``register: {organisation: …}`` and lists ``instruments``, ``calibrations``,
  ``points`` of mappings.

Reading is all or nothing: every problem found is reported in one :class:`InputError` naming the
file, sheet, row, field and rule, and no register is returned. Row numbers are Excel rows, CSV
lines, or the record's position (from 1) in a YAML list.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import yaml
from openpyxl.styles import Font, PatternFill
from pydantic import BaseModel, ValidationError

from dualcarbon.errors import InputError, InputProblem
from dualcarbon.guards.safe_yaml import SafeLoader
from dualcarbon.guards.yaml_file import refuse_nul
from dualcarbon.io.excel import load_grids
from dualcarbon.io.sheets import (
    FORMULA_RULE,
    PLAIN,
    Heading,
    blank,
    normal,
    read_key_sheet,
    read_sheet,
)
from dualcarbon.metrology.calibration import CalibrationRecord
from dualcarbon.metrology.instruments import (
    ENERGY_TYPES,
    Accuracy,
    BoundaryLevel,
    Instrument,
    InstrumentKind,
    MeteringPoint,
)
from dualcarbon.metrology.register import Register

INSTRUMENTS = "instruments"
CALIBRATIONS = "calibrations"
POINTS = "points"
HEADER = "register"
README = "说明 README"
TABLES = (INSTRUMENTS, CALIBRATIONS, POINTS)
HEADER_KEYS = ("organisation",)

# -- columns -------------------------------------------------------------------------------------

Parser = Callable[[object], object]


@dataclass(frozen=True)
class Column:
    """One column of a register table: its machine name, labels, and how a cell is read."""

    name: str
    label_zh: str
    label_en: str
    parse: Parser
    required: bool = False
    help: str = ""


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        raise ValueError("expected text, not a date")
    return str(value).strip()


def _int(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError("expected a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise ValueError("expected a whole number")


def _float(value: object) -> float:
    if isinstance(value, bool):
        raise ValueError("expected a number")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    raise ValueError("expected a number")


def _date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            raise ValueError("expected a date without a time of day")
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip().replace("/", "-")
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise ValueError("expected a date written YYYY-MM-DD")


def _choice(options: Mapping[str, str], what: str) -> Parser:
    """Accept a machine value or one of its labels; the machine value is returned."""

    def parse(value: object) -> str:
        text = _text(value)
        key = options.get(text) or options.get(text.casefold())
        if key is None:
            shown = ", ".join(dict.fromkeys(options.values()))
            raise ValueError(f"unknown {what} (known: {shown})")
        return key

    return parse


def _aliases(values: Mapping[str, Sequence[str]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, labels in values.items():
        found[key] = key
        for label in labels:
            found[label] = key
            found[label.casefold()] = key
    return found


_LEVELS = _aliases({level.value: (level.label_zh, level.label_en) for level in BoundaryLevel})
_KINDS = _aliases({kind.value: (kind.label_zh, kind.label_en) for kind in InstrumentKind})
_ENERGIES = _aliases({key: (zh,) for key, (zh, _) in ENERGY_TYPES.items()})
_RESULTS = _aliases({"pass": ("合格", "passed"), "fail": ("不合格", "failed")})


def _accuracy(value: object) -> Accuracy:
    if isinstance(value, bool):
        raise ValueError("expected an accuracy class or MPE")
    if isinstance(value, int | float):
        return Accuracy.parse(value)
    return Accuracy.parse(_text(value))


COLUMNS: dict[str, tuple[Column, ...]] = {
    INSTRUMENTS: (
        Column("id", "管理编号", "id", _text, True, "the unit's own number, e.g. BS-101"),
        Column("name", "名称", "name", _text),
        Column("quantity", "测量参数", "measured quantity", _text, True),
        Column("energy", "能源种类", "energy", _choice(_ENERGIES, "energy type"), True),
        Column("unit", "机组/设施", "unit or facility", _text),
        Column("level", "计量层级", "level", _choice(_LEVELS, "level"), True),
        Column("kind", "器具类型", "type", _choice(_KINDS, "instrument type"), True),
        Column(
            "accuracy",
            "准确度等级/最大允许误差",
            "accuracy class or MPE",
            _accuracy,
            True,
            "0.5, 0.2S, ±0.5%, ±1 °C",
        ),
        Column("range_min", "测量范围下限", "range min", _float),
        Column("range_max", "测量范围上限", "range max", _float),
        Column("range_unit", "测量范围单位", "range unit", _text),
        Column("serial", "出厂编号", "serial number", _text),
        Column("owner", "责任人/部门", "owner", _text),
        Column("interval_months", "检定周期（月）", "interval (months)", _int, True),
        Column(
            "application",
            "准确度要求（GB 17167）",
            "accuracy requirement (GB 17167)",
            _text,
            help="e.g. electricity_ac_class_I; see the requirements file",
        ),
        Column("note", "备注", "note", _text),
    ),
    CALIBRATIONS: (
        Column("instrument", "计量器具编号", "instrument", _text, True),
        Column("date", "检定/校准日期", "date", _date, True),
        Column("institute", "检定/校准机构", "institute", _text),
        Column("certificate", "证书编号", "certificate", _text),
        Column("result", "结论", "result", _choice(_RESULTS, "result"), True, "pass / fail"),
        Column("traceable_to", "溯源标准", "traceable to", _text),
        Column("next_due", "有效期至", "next due", _date, help="else date + interval"),
        Column("expanded_uncertainty", "扩展不确定度 U", "expanded uncertainty U", _float),
        Column("uncertainty_unit", "U 的单位", "unit of U", _text, help="% of reading by default"),
        Column("coverage_factor", "包含因子 k", "coverage factor k", _float),
        Column(
            "error_found",
            "实测最大基本误差 %",
            "basic error found, %",
            _float,
            help="a meter out of tolerance: the largest error found, % of the reading",
        ),
    ),
    POINTS: (
        Column("id", "计量点编号", "point id", _text, True),
        Column("energy", "能源种类", "energy", _choice(_ENERGIES, "energy type"), True),
        Column("level", "计量层级", "level", _choice(_LEVELS, "level"), True),
        Column("unit", "机组/设施", "unit or facility", _text),
        Column("description", "说明", "description", _text),
        Column("instrument", "配备的计量器具", "instrument", _text),
    ),
}
"""The columns of each table, in the order files are written."""


def _column_lookup(table: str) -> dict[str, Column]:
    lookup: dict[str, Column] = {}
    for column in COLUMNS[table]:
        for name in (column.name, column.label_zh, column.label_en):
            lookup[normal(name)] = column
    return lookup


# -- rows to a register --------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    cells: dict[str, object]
    """Column name → raw value (blank cells left out)."""
    reported: set[str] = dataclasses.field(default_factory=set)
    """Columns whose cell was already reported (a formula): not reported again as missing."""


@dataclass
class _Table:
    sheet: str
    file: str
    rows: list[_Row]


def _record(table: _Table, row: _Row, problems: list[InputProblem]) -> dict[str, Any] | None:
    """A row's cells parsed by their columns, keyed by model field; ``None`` if one broke a rule."""
    values: dict[str, Any] = {}
    broken: set[str] = set(row.reported)
    for column in COLUMNS[table.sheet]:
        if column.name not in row.cells:
            continue
        raw = row.cells[column.name]
        try:
            parsed = column.parse(raw)
        except ValueError as exc:
            problems.append(_problem(table, str(exc), column.name, row.number, raw))
            broken.add(column.name)
            continue
        if parsed != "":
            values[_field(table.sheet, column.name)] = parsed
    for column in COLUMNS[table.sheet]:
        missing = _field(table.sheet, column.name) not in values
        if column.required and missing and column.name not in broken:
            problems.append(_problem(table, "required value is missing", column.name, row.number))
            broken.add(column.name)
    return None if broken else values


def _field(sheet: str, column: str) -> str:
    """The model field a column fills (a calibration's ``instrument`` is ``instrument_id``)."""
    return "instrument_id" if sheet == CALIBRATIONS and column == "instrument" else column


def _problem(
    table: _Table, rule: str, field: str | None, row: int | None, value: object = None
) -> InputProblem:
    return InputProblem(table.file, rule, field=field, sheet=table.sheet, row=row, value=value)


def _model[M: BaseModel](
    model: type[M], values: dict[str, Any], table: _Table, row: _Row, problems: list[InputProblem]
) -> M | None:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]) or None
            if field == "instrument_id":
                field = "instrument"
            rule = error["msg"].removeprefix("Value error, ")
            value = row.cells.get(field) if field else None
            problems.append(_problem(table, rule, field, row.number, value))
        return None


def _build_register(
    tables: Mapping[str, _Table], organisation: str | None, problems: list[InputProblem]
) -> Register:
    """Parse every row, check the cross-references; raise :class:`InputError` if anything broke."""
    instruments = _unique_rows(
        tables.get(INSTRUMENTS), Instrument, lambda i: i.id, "instrument id", "id", problems
    )
    known = {instrument.id for _, instrument in instruments}
    rejected = _rejected_ids(tables.get(INSTRUMENTS))
    records = _unique_rows(
        tables.get(CALIBRATIONS),
        CalibrationRecord,
        lambda r: (r.instrument_id, r.date, r.certificate),
        "the same calibration (instrument, date, certificate)",
        "certificate",
        problems,
    )
    points = _unique_rows(
        tables.get(POINTS), MeteringPoint, lambda p: p.id, "metering point id", "id", problems
    )
    records = [
        (row, record)
        for row, record in records
        if _instrument_known(
            tables[CALIBRATIONS], row, record.instrument_id, known, rejected, problems
        )
    ]
    points = [
        (row, point)
        for row, point in points
        if not point.instrument
        or _instrument_known(tables[POINTS], row, point.instrument, known, rejected, problems)
    ]
    if problems:
        order = {name: index for index, name in enumerate((HEADER, *TABLES))}
        problems.sort(key=lambda p: (order.get(p.sheet or "", -1), p.row or 0))
        raise InputError(problems)
    return Register(
        organisation=organisation or None,
        instruments=tuple(instrument for _, instrument in instruments),
        calibrations=tuple(record for _, record in records),
        points=tuple(point for _, point in points),
    )


def _unique_rows[M: BaseModel](
    table: _Table | None,
    model: type[M],
    key: Callable[[M], object],
    what: str,
    field: str,
    problems: list[InputProblem],
) -> list[tuple[int, M]]:
    """Every row of ``table`` parsed as ``model``; a key given twice is a problem on the second."""
    if table is None:
        return []
    found: list[tuple[int, M]] = []
    first_row: dict[object, int] = {}
    for row in table.rows:
        values = _record(table, row, problems)
        parsed = None if values is None else _model(model, values, table, row, problems)
        if parsed is None:
            continue
        identity = key(parsed)
        if identity in first_row:
            shown = identity if isinstance(identity, str) else getattr(parsed, field, None)
            problems.append(
                _problem(
                    table,
                    f"{what} given twice (first in row {first_row[identity]})",
                    field,
                    row.number,
                    shown or None,
                )
            )
            continue
        first_row[identity] = row.number
        found.append((row.number, parsed))
    return found


def _instrument_known(
    table: _Table,
    row: int,
    instrument: str,
    known: set[str],
    rejected: set[str],
    problems: list[InputProblem],
) -> bool:
    """Does ``instrument`` name a register row? Unknown ids are reported once, not for bad rows."""
    if instrument in known:
        return True
    if instrument not in rejected:
        problems.append(
            _problem(
                table,
                f"unknown instrument: no row of sheet {INSTRUMENTS!r} has this id",
                "instrument",
                row,
                instrument,
            )
        )
    return False


def _rejected_ids(table: _Table | None) -> set[str]:
    """Ids of instrument rows that broke a rule: records naming them are not reported twice."""
    if table is None:
        return set()
    ids = set()
    for row in table.rows:
        raw = row.cells.get("id")
        if raw is not None:
            try:
                ids.add(_text(raw))
            except ValueError:
                continue
    return ids


# -- reading -------------------------------------------------------------------------------------


def read_register(path: Path) -> Register:
    """Read a register from an ``.xlsx`` workbook, a ``.yaml`` file, or a folder of CSV files.

    A path to one of the CSV files reads its whole folder.
    """
    suffix = path.suffix.lower()
    if path.is_dir() or suffix == ".csv":
        return read_register_csv(path if path.is_dir() else path.parent)
    if suffix in (".yaml", ".yml"):
        return read_register_yaml(path)
    if suffix in (".xlsx", ".xlsm", ".xltx", ".xltm", ".xls"):
        return read_register_excel(path)
    raise InputError(
        [
            InputProblem(
                str(path),
                "unknown register format: give an .xlsx workbook, a .yaml file, or a folder of "
                "CSV files (instruments.csv, calibrations.csv, points.csv)",
            )
        ]
    )


def read_register_excel(path: Path) -> Register:
    source = str(path)
    grids = load_grids(path)
    problems: list[InputProblem] = []
    tables: dict[str, _Table] = {}
    organisation: str | None = None
    for sheet, grid in grids.items():
        if sheet == README:
            continue
        if sheet == HEADER:
            organisation = _read_header_sheet(grid, source, problems)
            continue
        if sheet not in COLUMNS:
            problems.append(
                InputProblem(
                    source,
                    f"unknown sheet (known: {', '.join(TABLES)}, {HEADER}, {README})",
                    sheet=sheet,
                )
            )
            continue
        tables[sheet] = _grid_table(sheet, grid, source, problems)
    if INSTRUMENTS not in tables:
        problems.append(InputProblem(source, "missing sheet of instruments", sheet=INSTRUMENTS))
    return _build_register(tables, organisation, problems)


def _read_header_sheet(
    grid: Sequence[tuple[object, ...]], source: str, problems: list[InputProblem]
) -> str | None:
    found, read = read_key_sheet(
        grid, HEADER_KEYS, source=source, sheet=HEADER, titles=("key", "名称")
    )
    problems += read
    organisation = found.values.get("organisation")
    return None if organisation is None else _text(organisation)


def _grid_table(
    sheet: str,
    grid: Sequence[Sequence[object]],
    source: str,
    problems: list[InputProblem],
) -> _Table:
    """A table from rows of cells: row 1 names the columns (by name or label), data follow."""
    headings = [Heading(c.name, c.label_zh, c.label_en, c.required) for c in COLUMNS[sheet]]
    found, layout_problems = read_sheet(grid, headings, source=source, sheet=sheet, layout=PLAIN)
    problems += layout_problems
    formulas: dict[int, set[str]] = {}
    for problem in layout_problems:
        if problem.rule == FORMULA_RULE and problem.row is not None and problem.field:
            formulas.setdefault(problem.row, set()).add(problem.field)
    return _Table(
        sheet,
        source,
        [_Row(number, cells, formulas.get(number, set())) for number, cells in found.rows],
    )


def read_register_csv(folder: Path) -> Register:
    problems: list[InputProblem] = []
    tables: dict[str, _Table] = {}
    for name in TABLES:
        path = folder / f"{name}.csv"
        if not path.is_file():
            if name == INSTRUMENTS:
                problems.append(
                    InputProblem(str(path), "missing file of instruments", sheet=INSTRUMENTS)
                )
            continue
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            problems.append(InputProblem(str(path), "file is not UTF-8 text", sheet=name))
            continue
        grid = [tuple(row) for row in csv.reader(io.StringIO(text))]
        tables[name] = _grid_table(name, grid, str(path), problems)
    return _build_register(tables, None, problems)


class _TextDatesLoader(SafeLoader):
    """Safe YAML with dates left as text, so a bad date is reported by record and field
    (PyYAML itself raises on ``2024-02-30`` while parsing, before any row is known)."""


_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_register_yaml(path: Path) -> Register:
    source = str(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_TextDatesLoader)
    except UnicodeDecodeError:
        raise InputError([InputProblem(source, "file is not UTF-8 text")]) from None
    except yaml.YAMLError as exc:
        raise InputError([InputProblem(source, f"not valid YAML: {exc}")]) from None
    if not isinstance(raw, dict):
        raise InputError([InputProblem(source, "top level must be a mapping")])
    refuse_nul(raw, source)
    return register_from_mapping(raw, source=source)


def register_from_mapping(raw: Mapping[str, Any], *, source: str) -> Register:
    """A register from parsed YAML (or JSON): ``register``, ``instruments``, ``calibrations``,
    ``points``."""
    problems: list[InputProblem] = []
    organisation: str | None = None
    tables: dict[str, _Table] = {}
    for key, value in raw.items():
        if key == HEADER:
            if not isinstance(value, dict) or set(value) - set(HEADER_KEYS):
                problems.append(
                    InputProblem(
                        source, f"must be a mapping of {', '.join(HEADER_KEYS)}", field=HEADER
                    )
                )
                continue
            found = value.get("organisation")
            organisation = None if found is None else str(found)
            continue
        if key not in COLUMNS:
            problems.append(
                InputProblem(
                    source, f"unknown table (known: {HEADER}, {', '.join(TABLES)})", field=str(key)
                )
            )
            continue
        if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
            problems.append(InputProblem(source, "must be a list of records", sheet=key))
            continue
        tables[key] = _records_table(key, value, source, problems)
    if INSTRUMENTS not in tables:
        problems.append(InputProblem(source, "missing list of instruments", sheet=INSTRUMENTS))
    return _build_register(tables, organisation, problems)


def _records_table(
    sheet: str, records: list[dict[str, Any]], source: str, problems: list[InputProblem]
) -> _Table:
    table = _Table(sheet, source, [])
    lookup = _column_lookup(sheet)
    for number, record in enumerate(records, start=1):
        cells: dict[str, object] = {}
        for key, value in record.items():
            column = lookup.get(normal(str(key)))
            if column is None:
                known = ", ".join(c.name for c in COLUMNS[sheet])
                problems.append(
                    _problem(table, f"unknown field (known: {known})", str(key), number)
                )
                continue
            if not blank(value):
                cells[column.name] = value
        table.rows.append(_Row(number, cells))
    return table


# -- writing -------------------------------------------------------------------------------------


def _cells(register: Register) -> dict[str, list[list[object]]]:
    """Every table as rows of plain values (dates as dates, numbers as numbers), no header."""
    instruments: list[list[object]] = [
        [
            i.id,
            i.name,
            i.quantity,
            i.energy,
            i.unit,
            i.level.value,
            i.kind.value,
            str(i.accuracy),
            i.range_min,
            i.range_max,
            i.range_unit,
            i.serial,
            i.owner,
            i.interval_months,
            i.application,
            i.note,
        ]
        for i in register.instruments
    ]
    calibrations: list[list[object]] = [
        [
            r.instrument_id,
            r.date,
            r.institute,
            r.certificate,
            r.result.value,
            r.traceable_to,
            r.next_due,
            r.expanded_uncertainty,
            r.uncertainty_unit if r.expanded_uncertainty is not None else None,
            r.coverage_factor,
            r.error_found,
        ]
        for r in register.calibrations
    ]
    points: list[list[object]] = [
        [p.id, p.energy, p.level.value, p.unit, p.description, p.instrument]
        for p in register.points
    ]
    return {INSTRUMENTS: instruments, CALIBRATIONS: calibrations, POINTS: points}


_HEAD_FONT = Font(bold=True, color="FFFFFF")
_HEAD_FILL = PatternFill("solid", fgColor="305496")


def write_register_excel(register: Register, path: Path) -> Path:
    """Write the register as a workbook that :func:`read_register_excel` reads back."""
    workbook = openpyxl.Workbook()
    header = workbook.active
    header.title = HEADER
    header.append(["key", "value"])
    header.append(["organisation", register.organisation])
    for sheet_name, rows in _cells(register).items():
        if sheet_name == POINTS and not rows:
            continue
        sheet = workbook.create_sheet(sheet_name)
        sheet.append([column.name for column in COLUMNS[sheet_name]])
        for cell in sheet[1]:
            cell.font = _HEAD_FONT
            cell.fill = _HEAD_FILL
        for row in rows:
            sheet.append(["" if value is None else value for value in row])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
        sheet.freeze_panes = "A2"
        for index, column in enumerate(COLUMNS[sheet_name], start=1):
            letter = openpyxl.utils.get_column_letter(index)
            sheet.column_dimensions[letter].width = max(len(column.name) + 4, 14)
    readme = workbook.create_sheet(README)
    readme.append(["表 sheet", "字段 column", "名称", "name", "必填 required", "说明 notes"])
    for sheet_name, columns in COLUMNS.items():
        for column in columns:
            readme.append(
                [
                    sheet_name,
                    column.name,
                    column.label_zh,
                    column.label_en,
                    "是 yes" if column.required else "",
                    column.help,
                ]
            )
    workbook.save(path)
    return path


def write_register_csv(register: Register, folder: Path) -> Path:
    """Write ``instruments.csv``, ``calibrations.csv`` (and ``points.csv``) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for sheet_name, rows in _cells(register).items():
        if sheet_name == POINTS and not rows:
            continue
        # A byte-order mark, so that Excel opens the Chinese text as UTF-8.
        with (folder / f"{sheet_name}.csv").open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([column.name for column in COLUMNS[sheet_name]])
            for row in rows:
                writer.writerow([_csv_value(value) for value in row])
    return folder


def _csv_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def register_to_mapping(register: Register) -> dict[str, Any]:
    """The register as plain data, the form :func:`register_from_mapping` reads."""
    data: dict[str, Any] = {}
    if register.organisation:
        data[HEADER] = {"organisation": register.organisation}
    for sheet_name, rows in _cells(register).items():
        if sheet_name == POINTS and not rows:
            continue
        names = [column.name for column in COLUMNS[sheet_name]]
        data[sheet_name] = [
            {
                name: value
                for name, value in zip(names, row, strict=True)
                if value is not None and value != ""
            }
            for row in rows
        ]
    return data


def write_register_yaml(register: Register, path: Path) -> Path:
    path.write_text(
        yaml.safe_dump(register_to_mapping(register), allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    return path


def write_register(register: Register, path: Path) -> Path:
    """Write ``register`` in the form the path asks for: ``.xlsx``, ``.yaml``, else a CSV folder."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return write_register_excel(register, path)
    if suffix in (".yaml", ".yml"):
        return write_register_yaml(register, path)
    if suffix == "":
        return write_register_csv(register, path)
    raise ValueError(
        f"cannot write a register as {suffix!r}: use .xlsx, .yaml, or a folder name for CSV files"
    )
