"""Reading enterprises' results for a roll-up (CSV or Parquet, columns of
:data:`dualcarbon.rollup.rollup.RESULT_SCHEMA`), the province of each organisation (for results
read from the platform's store, which keeps none), and writing the roll-up."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from dualcarbon.errors import InputError, InputProblem
from dualcarbon.rollup.rollup import RESULT_SCHEMA

SUFFIXES = (".csv", ".parquet")


def read_results(path: Path) -> pa.Table:
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            types = {f.name: f.type for f in RESULT_SCHEMA}
            return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=types))
        if suffix == ".parquet":
            return pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as error:
        raise InputError([InputProblem(str(path), f"not readable: {error}")]) from None
    raise InputError(
        [InputProblem(str(path), f"a results file is {' or '.join(SUFFIXES)}", value=suffix)]
    )


PROVINCE_HEADINGS = {
    "organisation": "organisation",
    "单位": "organisation",
    "企业": "organisation",
    "province": "province",
    "省份": "province",
    "省": "province",
}
"""Row 1's names of the two columns, in either language and any case."""
MAX_PROVINCE_ROWS = 1_000_000


def read_provinces(path: Path) -> dict[str, str]:
    """``organisation,province`` per row (UTF-8 CSV, as a spreadsheet exports it: blank rows and
    trailing empty cells are skipped); each organisation once."""
    source = str(path)
    try:
        grid = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    except UnicodeDecodeError:
        raise InputError([InputProblem(source, "file is not UTF-8 text")]) from None
    except csv.Error as error:
        raise InputError(
            [InputProblem(source, f"not a readable CSV: {error}", rule_zh="不是可读的 CSV")]
        ) from None
    if len(grid) > MAX_PROVINCE_ROWS + 1:
        raise InputError([InputProblem(source, f"more than {MAX_PROVINCE_ROWS} rows")])
    rows = []
    for number, row in enumerate(grid, start=1):
        cells = [cell.strip() for cell in row]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            rows.append((number, cells))
    heading = [PROVINCE_HEADINGS.get(cell.casefold()) for cell in rows[0][1]] if rows else []
    if heading != ["organisation", "province"]:
        raise InputError(
            [
                InputProblem(
                    source,
                    "the first row must be: organisation,province",
                    row=rows[0][0] if rows else 1,
                    rule_zh="第一行须为：organisation,province（或 单位,省份）",
                )
            ]
        )
    found: dict[str, str] = {}
    first: dict[str, int] = {}
    problems: list[InputProblem] = []
    for number, cells in rows[1:]:
        if len(cells) != 2 or not all(cells):
            problems.append(
                InputProblem(
                    source,
                    "an organisation and its province, nothing else",
                    row=number,
                    rule_zh="每行一个单位及其所在省份",
                )
            )
            continue
        organisation, province = cells
        if organisation in found and found[organisation] != province:
            problems.append(
                InputProblem(
                    source,
                    f"given another province in row {first[organisation]}",
                    field="province",
                    row=number,
                    value=province,
                    rule_zh=f"第 {first[organisation]} 行已给出另一个省份",
                )
            )
        else:
            found[organisation] = province
            first.setdefault(organisation, number)
    if problems:
        raise InputError(problems)
    return found


def write_rollup(table: pa.Table, path: Path) -> Path:
    """CSV or Parquet by the suffix, written in one step (a partial file renamed into place)."""
    partial = path.with_name(f".{path.name}.partial")
    if path.suffix.lower() == ".parquet":
        pq.write_table(table, partial)
    else:
        pacsv.write_csv(table, partial)
    partial.replace(path)
    return path
