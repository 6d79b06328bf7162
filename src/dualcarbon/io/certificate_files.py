"""Certificate files: the batches a holder imports into the ledger (docs/energy.md).

One row per batch of consecutive certificates, as an account statement of the national GEC
system lists them; CSV (UTF-8), Excel (.xlsx, first sheet) or YAML (a ``certificates:`` list).
Row 1 names the columns by name or by their Chinese label:

======================  ==============  ===================================================
column                  label           rule
======================  ==============  ===================================================
serial_from             起始证书编号    required; ends in digits
serial_to               终止证书编号    required; same length and prefix, not before the first
quantity                证书数量        required; equals the serials counted
plant                   项目代码        required; the plant's code in the GEC system
plant_name              项目名称
technology              类型            wind / solar_pv / solar_thermal / biomass / hydro …
production_month        生产年月        required; YYYY-MM
tradable                可交易          是/否 (default 是)
origin                  来源            gec (绿证) or green_power (绿电交易)
contract                绿电交易合同    required when origin is green_power
======================  ==============  ===================================================

Every problem is reported at once with file, row and column; nothing is imported half.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dualcarbon.certificates.model import (
    CertificateBatch,
    Origin,
    Technology,
    normal_plant,
    normal_serial,
    serial_range,
)
from dualcarbon.errors import InputError, InputProblem
from dualcarbon.guards.yaml_file import read_yaml_mapping
from dualcarbon.i18n import yes_no
from dualcarbon.io.sheets import PLAIN, Heading, as_text, blank, read_sheet

SHEET = "certificates"
HEADINGS = (
    Heading("serial_from", "起始证书编号", "first serial", required=True),
    Heading("serial_to", "终止证书编号", "last serial", required=True),
    Heading("quantity", "证书数量", "quantity", required=True),
    Heading("plant", "项目代码", "plant code", required=True),
    Heading("plant_name", "项目名称", "plant name"),
    Heading("technology", "类型", "technology", required=True),
    Heading("production_month", "生产年月", "production month", required=True),
    Heading("tradable", "可交易", "tradable"),
    Heading("origin", "来源", "origin"),
    Heading("contract", "绿电交易合同", "green-power contract"),
)
TECHNOLOGY_NAMES: dict[str, Technology] = {
    **{t.value: t for t in Technology},
    **{t.label_zh: t for t in Technology},
    "风电": Technology.WIND,
    "光伏": Technology.SOLAR_PV,
    "光热": Technology.SOLAR_THERMAL,
    "生物质": Technology.BIOMASS,
    "常规水电": Technology.HYDRO,
}
ORIGIN_NAMES: dict[str, Origin] = {
    **{o.value: o for o in Origin},
    "绿证": Origin.GEC,
    "绿电交易": Origin.GREEN_POWER,
    "绿电": Origin.GREEN_POWER,
}
_MONTH = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$")
MAX_ROWS = 100_000


def read_certificates(path: Path) -> list[CertificateBatch]:
    suffix = path.suffix.lower()
    source = str(path)
    if suffix in (".yaml", ".yml"):
        return certificates_from_mapping(read_yaml_mapping(path), source=source)
    if suffix == ".csv":
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise InputError([InputProblem(source, "file is not UTF-8 text")]) from None
        grid: Sequence[Sequence[object]] = [tuple(row) for row in csv.reader(io.StringIO(text))]
    elif suffix == ".xlsx":
        from dualcarbon.io.excel import load_grids

        grids = load_grids(path)
        grid = next(iter(grids.values()), [])
    else:
        raise InputError(
            [InputProblem(source, "a certificate file is .csv, .xlsx or .yaml", value=suffix)]
        )
    if len(grid) > MAX_ROWS + 1:
        raise InputError([InputProblem(source, f"more than {MAX_ROWS} rows")])
    found, problems = read_sheet(grid, HEADINGS, source=source, sheet=SHEET, layout=PLAIN)
    if problems:
        raise InputError(problems)
    return batches_from_records(found.rows, source=source, sheet=SHEET)


def certificates_from_mapping(raw: Mapping[str, Any], *, source: str) -> list[CertificateBatch]:
    """The YAML shape, ``{certificates: [{serial_from: …, …}, …]}`` (also a JSON body)."""
    records = raw.get("certificates")
    if not isinstance(records, list):
        raise InputError(
            [InputProblem(source, "needs a list under certificates:", field="certificates")]
        )
    unknown = [str(key) for key in raw if key != "certificates"]
    if unknown:
        raise InputError(
            [InputProblem(source, "unknown key (known: certificates)", field=k) for k in unknown]
        )
    if len(records) > MAX_ROWS:
        raise InputError([InputProblem(source, f"more than {MAX_ROWS} rows")])
    return batches_from_records(list(enumerate(records, start=1)), source=source, sheet=SHEET)


def batches_from_records(
    rows: Sequence[tuple[int, Any]], *, source: str, sheet: str
) -> list[CertificateBatch]:
    problems: list[InputProblem] = []
    batches: list[tuple[int, CertificateBatch]] = []
    known = {h.name for h in HEADINGS}
    for number, record in rows:

        def problem(
            rule: str, field: str | None, value: object = None, zh: str = "", row: int = number
        ) -> None:
            problems.append(
                InputProblem(
                    source,
                    rule,
                    field=field,
                    sheet=sheet,
                    row=row,
                    value=value,
                    rule_zh=zh or None,
                )
            )

        if not isinstance(record, Mapping):
            problem("must be a mapping of column: value", None, record)
            continue
        for key in record:
            if key not in known:
                problem(f"unknown column (known: {', '.join(sorted(known))})", str(key))
        batch = _batch(record, problem)
        if batch is not None:
            batches.append((number, batch))
    _repeated(batches, source, sheet, problems)
    if problems:
        raise InputError(problems)
    if not batches:
        raise InputError([InputProblem(source, "no certificates in the file", sheet=sheet)])
    return [batch for _, batch in batches]


def _batch(record: Mapping[str, Any], problem: Any) -> CertificateBatch | None:
    ok = True
    text = {key: as_text(record.get(key)).strip() for key in record}
    for heading in HEADINGS:
        if heading.required and blank(record.get(heading.name)):
            problem("required", heading.name, zh="必填")
            ok = False
    if not ok:
        return None
    for field in ("serial_from", "serial_to"):
        if isinstance(record.get(field), float):
            problem(
                "a serial is text: a number cell keeps only 15 digits (format the column as "
                "text and type the serials again)",
                field,
                record.get(field),
                "证书编号须为文本：数字单元格只保留 15 位有效数字"
                "（请将该列设为文本格式后重新录入）",
            )
            return None
    serial_from, serial_to = normal_serial(text["serial_from"]), normal_serial(text["serial_to"])
    if len(serial_from) > 40 or len(serial_to) > 40:
        problem("a serial number has at most 40 characters", "serial_from")
        return None
    try:
        serials = serial_range(serial_from, serial_to)
    except ValueError as exc:
        problem(str(exc), "serial_to", serial_to)
        return None
    raw_quantity = record.get("quantity")
    try:
        number = float(str(raw_quantity).replace(",", "").strip())
        if not number.is_integer():
            raise ValueError
        quantity = int(number)
    except (ValueError, OverflowError):
        problem("must be a whole number of certificates", "quantity", raw_quantity)
        return None
    if quantity <= 0 or quantity != serials.count:
        problem(
            f"the serials from {serial_from} to {serial_to} count {serials.count} certificates",
            "quantity",
            raw_quantity,
            f"从 {serial_from} 到 {serial_to} 共 {serials.count} 张证书，与证书数量不符",
        )
        return None
    technology = TECHNOLOGY_NAMES.get(text["technology"])
    if technology is None:
        problem(
            f"one of {', '.join(t.value for t in Technology)}", "technology", text["technology"]
        )
        return None
    produced = record.get("production_month")
    if isinstance(produced, dt.date):  # Excel turns a typed 2026-01 into a date
        text["production_month"] = f"{produced.year}-{produced.month:02d}"
    month = _MONTH.match(text["production_month"].replace(" ", ""))
    if month is None or not 1 <= int(month[2]) <= 12 or not 2015 <= int(month[1]) <= 2100:
        problem("a month as YYYY-MM", "production_month", record.get("production_month"))
        return None
    tradable = True
    if not blank(record.get("tradable")):
        answer = yes_no(record.get("tradable"))
        if answer is None:
            problem("是/否 (yes/no)", "tradable", record.get("tradable"))
            return None
        tradable = answer
    origin = Origin.GEC
    if not blank(record.get("origin")):
        found = ORIGIN_NAMES.get(text["origin"])
        if found is None:
            problem("gec (绿证) or green_power (绿电交易)", "origin", text["origin"])
            return None
        origin = found
    contract = text.get("contract", "")
    if origin is Origin.GREEN_POWER and not contract:
        problem(
            "certificates of a green-power trade name its contract",
            "contract",
            zh="绿电交易所得绿证须注明交易合同",
        )
        return None
    plant = normal_plant(text["plant"])
    if len(plant) > 100 or len(contract) > 100:
        problem("at most 100 characters", "plant")
        return None
    return CertificateBatch(
        serial_from=serial_from,
        serial_to=serial_to,
        quantity=quantity,
        plant=plant,
        plant_name=text.get("plant_name", "")[:200],
        technology=technology,
        production_year=int(month[1]),
        production_month=int(month[2]),
        tradable=tradable,
        origin=origin,
        contract=contract,
    )


def _repeated(
    batches: list[tuple[int, CertificateBatch]],
    source: str,
    sheet: str,
    problems: list[InputProblem],
) -> None:
    """Two rows of one file overlapping each other (sorted by serial: each run is compared with
    the furthest-reaching run before it, so a file of 100 000 rows is checked in n log n)."""
    ordered = sorted(batches, key=lambda item: (item[1].serials.prefix, item[1].serials.first))
    reach: CertificateBatch | None = None
    for number, batch in ordered:
        run = batch.serials
        if reach is not None and reach.serials.overlaps(run):
            problems.append(
                InputProblem(
                    source,
                    f"overlaps the certificates {reach.serial_from} – {reach.serial_to} "
                    "of another row",
                    field="serial_from",
                    sheet=sheet,
                    row=number,
                    value=batch.serial_from,
                    rule_zh=f"与另一行的证书 {reach.serial_from} – {reach.serial_to} 重叠",
                )
            )
        if reach is None or reach.serials.prefix != run.prefix or run.last > reach.serials.last:
            reach = batch


def example_rows(year: int) -> list[list[object]]:
    """Two batches for a worked example, produced in January and February of ``year`` (this
    year's, so that they are valid when the example runs): invented serials and plant codes,
    not real certificates."""
    wind = [f"GEC{year}W0000000001", f"GEC{year}W0000001200", 1200, "W-DEMO-0001"]
    solar = [f"GEC{year}P0000000001", f"GEC{year}P0000000800", 800, "P-DEMO-0002"]
    return [
        [*wind, "示例风电场", "wind", f"{year}-01", "是", "gec", ""],
        [*solar, "示例光伏电站", "solar_pv", f"{year}-02", "是", "green_power", f"LDJY-{year}-017"],
    ]


def write_certificate_template(path: Path, *, example: bool = False) -> Path:
    """A workbook to fill: row 1 the Chinese labels (read as the columns' names), data from
    row 2; lists for the technology and origin, and (``example``) two rows of invented batches."""
    import datetime as dt

    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    for index, heading in enumerate(HEADINGS, start=1):
        cell = sheet.cell(row=1, column=index, value=heading.label_zh)
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = 18
    for column, values in (("F", [t.value for t in Technology]), ("I", [o.value for o in Origin])):
        check = DataValidation(type="list", formula1=f'"{",".join(values)}"', allow_blank=True)
        check.add(f"{column}2:{column}10000")
        sheet.add_data_validation(check)
    if example:
        for row in example_rows(dt.date.today().year):
            sheet.append(row)
    book.save(path)
    return path
