"""Measured values to check defaults against (a CSV or a workbook's first sheet, one measurement
per row; format in docs/measured-factors.md), and the measured-factor file a check publishes."""

from __future__ import annotations

import csv
import io
import math
import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

from dualcarbon.errors import (
    DualcarbonError,
    FactorNotFoundError,
    InputError,
    InputProblem,
    RefusedError,
)
from dualcarbon.factors.catalogue import FactorCatalogue, load_factor_file
from dualcarbon.factors.model import Factor
from dualcarbon.io.sheets import PLAIN, Heading, as_text, blank, read_sheet
from dualcarbon.measured_factors.observations import Observation
from dualcarbon.units import conversion_factor

SHEET = "measurements"
HEADINGS = (
    Heading("default", "缺省值因子", "default factor", required=True),
    Heading("value", "实测值", "measured value", required=True),
    Heading("unit", "单位", "unit", required=True),
    Heading("u", "标准不确定度", "standard uncertainty"),
    Heading("holder", "企业", "enterprise", required=True),
    Heading("year", "年份", "year"),
    Heading("ref", "检测报告", "report"),
)
MAX_ROWS = 200_000
MAX_BYTES = 64 * 1024 * 1024
REQUIRED = "required value is missing"
IMPLAUSIBLE_RATIO = 2.0
"""A measured value more than this many times above or below its default is most often a unit
mistake (kJ/kg written as MJ/kg): warned, not refused."""
FRACTIONS = ("oxidation_rate",)
"""Kinds whose value is a fraction of one: a measurement above 100 % is refused."""
SOURCE_ID = re.compile(r"^[a-z0-9]+(?:[-.][a-z0-9]+)*$")

Problem = Callable[..., None]


def _refused(source: str, rule: str, zh: str, value: object = None) -> InputError:
    return InputError([InputProblem(source, rule, value=value, rule_zh=zh)])


def _grid(path: Path) -> tuple[Sequence[Sequence[object]], str]:
    """The file's cells, and the name of the sheet they come from."""
    source = str(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise _refused(
            source, "a measurements file is .csv or .xlsx", "实测值文件须为 .csv 或 .xlsx", suffix
        )
    if path.stat().st_size > MAX_BYTES:
        raise _refused(
            source,
            f"larger than {MAX_BYTES // 2**20} MB",
            f"文件大于 {MAX_BYTES // 2**20} MB",
        )
    if suffix == ".xlsx":
        from dualcarbon.io.excel import load_grids

        grids = load_grids(path)
        # the sheet named for the measurements, else the first (a notes sheet may lead)
        name = next((n for n in grids if n.strip().casefold() in ("measurements", "实测值")), None)
        if name is None:
            name = next(iter(grids), SHEET)
        return grids.get(name, []), name
    try:
        text = path.read_text(encoding="utf-8-sig")
        return [tuple(row) for row in csv.reader(io.StringIO(text))], SHEET
    except UnicodeDecodeError:
        raise InputError([InputProblem(source, "file is not UTF-8 text")]) from None
    except csv.Error as error:
        raise _refused(source, f"not a readable CSV: {error}", f"不是可读的 CSV：{error}") from None


def read_measurements(
    path: Path, catalogue: FactorCatalogue
) -> tuple[list[Observation], list[InputProblem]]:
    """Every row as an observation, and warnings (implausible values, repeated rows, which are
    counted once); every broken rule of every row at once, and nothing read when one is broken."""
    source = str(path)
    grid, sheet = _grid(path)
    if len(grid) > MAX_ROWS + 1:
        raise _refused(source, f"more than {MAX_ROWS} rows", f"超过 {MAX_ROWS} 行")
    found, problems = read_sheet(grid, HEADINGS, source=source, sheet=sheet, layout=PLAIN)
    if problems:
        raise InputError(problems)
    observations: list[Observation] = []
    warnings: list[InputProblem] = []
    seen: dict[tuple[object, ...], int] = {}
    for number, cells in found.rows:
        row_problems: list[InputProblem] = []

        def problem(
            rule: str,
            field: str,
            value: object = None,
            zh: str | None = None,
            *,
            n: int = number,
            sink: list[InputProblem] = row_problems,
        ) -> None:
            sink.append(
                InputProblem(source, rule, field=field, sheet=sheet, row=n, value=value, rule_zh=zh)
            )

        default = _default(cells.get("default"), catalogue, problem)
        value = _number(cells.get("value"), "value", problem, required=True)
        if value is not None and value <= 0.0:
            problem("must be a positive number", "value", value, "须为正数")
        u = _number(cells.get("u"), "u", problem, required=False)
        if u is not None and u < 0.0:
            problem("must not be negative", "u", u)
        unit = as_text(cells.get("unit")).strip()
        scale = None
        if not unit:
            problem(REQUIRED, "unit")
        elif default is not None:
            try:
                scale = conversion_factor(unit, default.unit, quantity_name=default.kind)
            except DualcarbonError:
                problem(
                    f"not convertible to the default's unit {default.unit}",
                    "unit",
                    unit,
                    f"无法换算为缺省值的单位 {default.unit}",
                )
        converted = None if value is None or scale is None else value * scale
        if converted is not None and not math.isfinite(converted):
            problem("too large to convert to the default's unit", "value", value, "数值过大")
            converted = None
        fraction = default is not None and default.kind in FRACTIONS
        if converted is not None and fraction and converted > 1.0:
            problem("a fraction is at most 100 %", "value", value, "比率不能超过 100%")
        holder = as_text(cells.get("holder")).strip()
        if not holder:
            problem(REQUIRED, "holder")
        year = _year(cells.get("year"), problem)
        problems += row_problems
        if row_problems or default is None or value is None or converted is None:
            continue
        report = as_text(cells.get("ref")).strip()
        key = (default.ref, holder, value, unit, u, year, report)
        if key in seen:
            warnings.append(
                InputProblem(
                    source,
                    f"the same measurement as row {seen[key]}: counted once",
                    sheet=sheet,
                    row=number,
                    rule_zh=f"与第 {seen[key]} 行是同一个实测值：只计一次",
                )
            )
            continue
        seen[key] = number
        ratio = converted / default.value if default.value else 1.0
        if not 1.0 / IMPLAUSIBLE_RATIO <= ratio <= IMPLAUSIBLE_RATIO:
            warnings.append(
                InputProblem(
                    source,
                    f"{ratio:.2g} times the default {default.value:g} {default.unit}: "
                    "check the unit",
                    field="value",
                    sheet=sheet,
                    row=number,
                    value=value,
                    rule_zh=f"是缺省值 {default.value:g} {default.unit} 的 {ratio:.2g} 倍："
                    "请检查单位",
                )
            )
        observations.append(
            Observation(
                default.ref,
                value,
                unit,
                u,
                holder,
                year,
                f"{path.name} row {number}" + (f" ({report})" if report else ""),
            )
        )
    if problems:
        raise InputError(problems)
    if not observations:
        raise _refused(source, "no measurements in the file", "文件中没有实测值")
    return observations, warnings


def _default(cell: object, catalogue: FactorCatalogue, problem: Problem) -> Factor | None:
    text = as_text(cell).strip()
    if not text:
        problem(REQUIRED, "default")
        return None
    try:
        return catalogue.get(text)
    except FactorNotFoundError:
        problem(
            "no such factor in the catalogue (dualcarbon factors search)",
            "default",
            text,
            "因子库中没有这个因子（可用 dualcarbon factors search 查找）",
        )
        return None


def _number(cell: object, field: str, problem: Problem, *, required: bool) -> float | None:
    if blank(cell):
        if required:
            problem(REQUIRED, field)
        return None
    text = as_text(cell).strip()
    try:
        if "_" in text:  # Python reads 9_8 as 98: not a number anyone writes on purpose
            raise ValueError(text)
        number = float(text)
    except ValueError:
        problem("must be a number", field, cell)
        return None
    if not math.isfinite(number):
        problem("must be a finite number", field, cell)
        return None
    return number


def _year(cell: object, problem: Problem) -> int | None:
    if blank(cell):
        return None
    text = as_text(cell).strip()
    if not (text.isascii() and text.isdigit() and 2000 <= int(text) <= 2100):
        problem("a year from 2000 to 2100", "year", cell, "年份须在 2000 至 2100 之间")
        return None
    return int(text)


def write_factor_file(data: dict[str, Any], path: Path, catalogue: FactorCatalogue) -> list[Factor]:
    """Write a new factor file in one step, after checking that it loads and joins ``catalogue``:
    named after its source id (kebab-case, not one the catalogue holds), its entries valid, every
    supersession resolvable. An existing file is never replaced."""
    source_id = str(data["source"]["id"])
    expected = f"{source_id}.yaml"
    if not SOURCE_ID.match(source_id):
        raise RefusedError(
            f"来源编号 {source_id!r} 须由小写字母、数字和连字符组成（如 cn-measured-2024）",
            f"the source id {source_id!r} must be lower-case letters, digits and hyphens "
            "(cn-measured-2024)",
        )
    if path.name != expected:
        raise RefusedError(
            f"{path}：因子文件须以其来源编号命名：{expected}",
            f"{path}: a factor file is named after its source id: {expected}",
        )
    if any(factor.source.id == source_id for factor in catalogue):
        raise RefusedError(
            f"因子库中已有来源 {source_id}：实测因子须以新的来源编号发布",
            f"the catalogue holds a source {source_id} already: publish under a new source id",
        )
    if path.exists():
        raise RefusedError(f"{path} 已存在，未覆盖", f"{path} exists: not replaced")
    if not path.parent.is_dir():
        raise RefusedError(f"目录 {path.parent} 不存在", f"no folder {path.parent}")
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".publishing-") as folder:
        staged = Path(folder) / expected
        staged.write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100),
            encoding="utf-8",
        )
        factors = load_factor_file(staged)
        FactorCatalogue([*catalogue, *factors])
        staged.replace(path)
    return factors
