"""Measured values to check defaults against (a CSV or a workbook's first sheet, one measurement
per row; format in docs/measured-factors.md), and the measured-factor file a check publishes."""

from __future__ import annotations

import csv
import io
import math
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from dualcarbon.errors import DualcarbonError, FactorNotFoundError, InputError, InputProblem
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
REQUIRED = "required value is missing"
IMPLAUSIBLE_RATIO = 2.0
"""A measured value more than this many times above or below its default is most often a unit
mistake (kJ/kg written as MJ/kg): warned, not refused."""


def read_measurements(
    path: Path, catalogue: FactorCatalogue
) -> tuple[list[Observation], list[InputProblem]]:
    """Every row as an observation, and warnings for implausible values; every broken rule of
    every row at once (nothing is read when one is broken)."""
    source = str(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise InputError([InputProblem(source, "file is not UTF-8 text")]) from None
        grid: Sequence[Sequence[object]] = [tuple(row) for row in csv.reader(io.StringIO(text))]
    elif suffix == ".xlsx":
        from dualcarbon.io.excel import load_grids

        grid = next(iter(load_grids(path).values()), [])
    else:
        raise InputError(
            [
                InputProblem(
                    source,
                    "a measurements file is .csv or .xlsx",
                    value=suffix,
                    rule_zh="实测值文件须为 .csv 或 .xlsx",
                )
            ]
        )
    if len(grid) > MAX_ROWS + 1:
        raise InputError(
            [InputProblem(source, f"more than {MAX_ROWS} rows", rule_zh=f"超过 {MAX_ROWS} 行")]
        )
    found, problems = read_sheet(grid, HEADINGS, source=source, sheet=SHEET, layout=PLAIN)
    if problems:
        raise InputError(problems)
    observations: list[Observation] = []
    warnings: list[InputProblem] = []
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
            sink.append(InputProblem(source, rule, field=field, row=n, value=value, rule_zh=zh))

        default = _default(cells.get("default"), catalogue, problem)
        value = _finite(cells.get("value"), "value", problem, required=True)
        u = _finite(cells.get("u"), "u", problem, required=False)
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
        holder = as_text(cells.get("holder")).strip()
        if not holder:
            problem(REQUIRED, "holder")
        year = _year(cells.get("year"), problem)
        problems += row_problems
        if row_problems or default is None or value is None or scale is None:
            continue
        ratio = value * scale / default.value if default.value else 1.0
        if not 1.0 / IMPLAUSIBLE_RATIO <= ratio <= IMPLAUSIBLE_RATIO:
            warnings.append(
                InputProblem(
                    source,
                    f"{ratio:.2g} times the default {default.value:g} {default.unit}: "
                    "check the unit",
                    field="value",
                    row=number,
                    value=value,
                    rule_zh=f"是缺省值 {default.value:g} {default.unit} 的 {ratio:.2g} 倍："
                    "请检查单位",
                )
            )
        report = as_text(cells.get("ref")).strip()
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
        raise InputError(
            [InputProblem(source, "no measurements in the file", rule_zh="文件中没有实测值")]
        )
    return observations, warnings


def _default(cell: object, catalogue: FactorCatalogue, problem: Any) -> Factor | None:
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


def _finite(cell: object, field: str, problem: Any, *, required: bool) -> float | None:
    if blank(cell):
        if required:
            problem(REQUIRED, field)
        return None
    try:
        number = float(as_text(cell).strip())
    except (TypeError, ValueError):
        problem("must be a number", field, cell)
        return None
    if not math.isfinite(number):
        problem("must be a finite number", field, cell)
        return None
    return number


def _year(cell: object, problem: Any) -> int | None:
    if blank(cell):
        return None
    text = as_text(cell).strip()
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        problem("a year from 2000 to 2100", "year", cell, "年份须在 2000 至 2100 之间")
        return None
    return int(text)


def write_factor_file(data: dict[str, Any], path: Path, catalogue: FactorCatalogue) -> list[Factor]:
    """Write a factor file in one step, after checking that it loads and joins ``catalogue``:
    named after its source id, its entries valid, every supersession resolvable."""
    expected = f"{data['source']['id']}.yaml"
    if path.name != expected:
        raise DualcarbonError(f"{path}: a factor file is named after its source id: {expected}")
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
