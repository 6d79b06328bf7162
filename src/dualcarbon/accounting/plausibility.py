"""Plausibility and completeness of an inventory's figures, checked after they are computed.

Every check reads data, not code, for its limits: the bands of the calculators' input slots
(:mod:`dualcarbon.methodologies.registry`) and the sector's file
(:mod:`dualcarbon.methodologies.sectors`). What each finds (:mod:`dualcarbon.accounting.findings`):

- ``slot_band``: a typed or derived input outside its slot's band (CaO typed as a fraction in a
  percentage column; kg/t in a t/t column);
- ``carbon_per_heat``: measured carbon content ÷ NCV against the methodology's default carbon
  per unit heat of the fuel (a fraction typed as a percentage is a hundred times off);
- ``indicator_band``: a unit's derived indicator (supply coal rate, emission intensity) outside
  the sector's band, which catches kg-for-t and kWh-for-MWh slips;
- ``duplicate_row``: a row identical to an earlier one of the same sheet;
- a sector's counterparts (``production_without_fuel`` …): a record without the record it needs
  in the same unit and month;
- ``missing_month`` (a hole in a series that must be complete), ``months_not_reported`` (a note:
  months missing at the ends of the year), ``month_jump`` (a month far from the series' median).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache

import polars as pl

from dualcarbon.accounting.context import RunContext
from dualcarbon.accounting.findings import Finding, Severity
from dualcarbon.accounting.inventory import ROW
from dualcarbon.methodologies.bands import Band
from dualcarbon.methodologies.registry import calculators, get_calculator
from dualcarbon.methodologies.sectors import Counterpart, IndicatorBand, Series, sector_checks
from dualcarbon.units import conversion_factor


def plausibility_findings(
    ctx: RunContext,
    lines: pl.DataFrame,
    inputs: pl.DataFrame | None,
    indicators: pl.DataFrame | None,
) -> list[Finding]:
    """Every finding on the run's inventory, in sheet and row order. ``inputs``: the lines'
    inputs table (:func:`~dualcarbon.accounting.inputs.line_inputs`), which the slot bands read;
    None where no line's calculator has a band (:func:`needs_inputs`)."""
    sector = sector_checks(ctx.methodology.sector)
    tables = sorted(t for t in ctx.methodology.tables if ctx.inventory.table(t).height)
    found: list[Finding] = []
    for table in tables:
        found += duplicate_rows(ctx, table)
    if inputs is not None:
        found += slot_bands(ctx, inputs)
    found += carbon_per_heat(ctx, lines)
    if indicators is not None and indicators.height:
        for indicator in sector.indicators:
            if indicator.column in indicators.columns:
                found += _indicator_band(ctx, indicators, indicator)
    for counterpart in sector.counterparts:
        if {counterpart.table, counterpart.needs} <= set(tables):
            found += missing_counterparts(ctx, counterpart)
    for series in sector.series:
        if series.table in tables:
            found += series_findings(ctx, series)
    return sorted(found, key=lambda f: (f.sheet or "", f.row or 0, f.code, f.key))


def _finding(
    ctx: RunContext,
    code: str,
    severity: Severity,
    rule: tuple[str, str],
    basis: str,
    *,
    table: str | None = None,
    row: int | None = None,
    field: str | None = None,
    value: object = None,
    key: str | None = None,
) -> Finding:
    sheet = None if table is None else ctx.inventory.sheets.get(table, table)
    return Finding(
        code=code,
        severity=severity,
        rule_zh=rule[0],
        rule_en=rule[1],
        basis=basis,
        file=ctx.inventory.source,
        sheet=sheet,
        row=row,
        field=field,
        value=value,
        key=key if key is not None else ("" if row is None else f"{sheet}:{row}"),
    )


def _outside(band: Band, value: float) -> Severity | None:
    """The severity of ``value`` against ``band``: error outside the possible, warning outside
    the plausible, None inside."""
    if band.refuse and not band.refuse[0] <= value <= band.refuse[1]:
        return Severity.ERROR
    if band.warn and not band.warn[0] <= value <= band.warn[1]:
        return Severity.WARNING
    return None


def _limits(band: Band, severity: Severity) -> tuple[float, float]:
    limits = band.refuse if severity is Severity.ERROR else band.warn
    assert limits is not None
    return limits


def _range_zh(severity: Severity) -> str:
    return "可能范围" if severity is Severity.ERROR else "合理范围"


def _range_en(severity: Severity) -> str:
    return "possible range" if severity is Severity.ERROR else "plausible range"


def _g(value: float) -> str:
    return f"{value:.4g}"


def duplicate_rows(ctx: RunContext, table: str) -> list[Finding]:
    """Rows identical in every column to an earlier row of the same sheet: counted twice."""
    frame = ctx.table(table)
    columns = [c for c in frame.columns if c != ROW]
    # a hash pass first: the grouping that names the first row runs on the few repeated rows only
    repeated = frame.filter(frame.select(columns).is_duplicated())
    if not repeated.height:
        return []
    groups = (
        repeated.group_by(columns, maintain_order=True)
        .agg(pl.col(ROW).sort().alias("rows"))
        .get_column("rows")
    )
    found = []
    for rows in groups.to_list():
        first, *repeats = rows
        for row in repeats:
            found.append(
                _finding(
                    ctx,
                    "duplicate_row",
                    Severity.WARNING,
                    (
                        f"与第 {first} 行完全相同：重复录入会使排放重复计算",
                        f"identical to row {first}: a row entered twice is counted twice",
                    ),
                    "GB/T 32150-2015 基本原则：完整性与准确性（不遗漏、不重复计算）",
                    table=table,
                    row=row,
                )
            )
    return found


@cache
def _banded() -> frozenset[str]:
    """The equation calculators with a band on a slot."""
    return frozenset(
        c.id
        for c in calculators().values()
        if c.by_equation
        and any(s.plausible and not s.plausible.relative_to_default for s in c.slots)
    )


def needs_inputs(lines: pl.DataFrame) -> bool:
    """Whether any line's calculator has a slot band, so the checks read the inputs table."""
    return bool(lines.height) and lines.get_column("formula").is_in(list(_banded())).any()


def slot_bands(ctx: RunContext, inputs: pl.DataFrame) -> list[Finding]:
    """Inputs of equation calculators outside their slot's band (values from the inventory or
    derived from it; the methodology's own defaults are not checked here)."""
    inputs = inputs.filter(
        pl.col("calculator").is_in(list(_banded())) & (pl.col("tier") != "default")
    )
    found: list[Finding] = []
    flagged_rows: set[tuple[str, int]] = set()
    # typed values first: a derived value out of band because a typed one is says nothing new
    for derived in (False, True):
        for (calculator_id, slot_name), group in inputs.filter(
            pl.col("derived") == derived
        ).group_by("calculator", "slot", maintain_order=True):
            calculator = get_calculator(str(calculator_id))
            if not calculator.by_equation:
                continue
            slot = calculator.slot(str(slot_name))
            band = slot.plausible
            if band is None or band.relative_to_default:
                continue
            for row, value in (
                group.select("input_row", "value").unique(maintain_order=True).iter_rows()
            ):
                severity = None if value is None else _outside(band, value)
                place = (calculator.table, row)
                # every typed value is reported; a derived one only where no typed input of its
                # row already was (it would say nothing new)
                if severity is None or (derived and place in flagged_rows):
                    continue
                if not derived:
                    flagged_rows.add(place)
                low, high = _limits(band, severity)
                how = (
                    ("由其他输入推算", "derived from the row's other inputs")
                    if derived
                    else ("", "")
                )
                found.append(
                    _finding(
                        ctx,
                        "slot_band",
                        severity,
                        (
                            f"{slot.name_zh}（{slot.symbol}）{how[0]}= {_g(value)} {slot.unit}，"
                            f"超出{_range_zh(severity)} "
                            f"[{_g(low)}, {_g(high)}]：{band.basis_zh}",
                            f"{slot.name_en} ({slot.symbol}){' ' + how[1] if derived else ''} = "
                            f"{_g(value)} {slot.unit}, outside the {_range_en(severity)} "
                            f"[{_g(low)}, {_g(high)}]: {band.basis_en}",
                        ),
                        f"{calculator.id}.{slot.name}",
                        table=calculator.table,
                        row=row,
                        field=slot.column,
                        value=value,
                    )
                )
    return found


def carbon_per_heat(ctx: RunContext, lines: pl.DataFrame) -> list[Finding]:
    """Measured carbon content ÷ NCV of each fuel line against the fuel's default carbon per unit
    heat in the methodology."""
    calculator = get_calculator("fuel_combustion_co2")
    band = calculator.slot("carbon_per_heat").plausible
    if band is None or not lines.height:
        return []
    measured = lines.filter(
        (pl.col("formula") == calculator.id)
        & (pl.col("carbon_tier") == "lab")
        & (pl.col("ncv") > 0)
    )
    found = []
    defaults = _default_carbon_per_heat(ctx)
    for row, fuel, fuel_zh, carbon, ncv in measured.select(
        "input_row", "item", "item_zh", "carbon_content", "ncv"
    ).iter_rows():
        default = defaults.get(fuel)
        if not default:
            continue
        implied = carbon / ncv
        ratio = implied / default
        severity = _outside(band, ratio)
        if severity is None:
            continue
        low, high = _limits(band, severity)
        found.append(
            _finding(
                ctx,
                "carbon_per_heat",
                severity,
                (
                    f"元素碳含量 ÷ 低位发热量 = {implied:.5f} tC/GJ，是本方法学{fuel_zh}缺省单位"
                    f"热值含碳量 {default:.5f} tC/GJ 的 {ratio:.3g} 倍（{_range_zh(severity)} "
                    f"{_g(low)}–{_g(high)} 倍）：元素碳含量是否把小数（0.55）填进了百分数列，"
                    "或低位发热量单位有误？",
                    f"carbon content ÷ NCV = {implied:.5f} tC/GJ, {ratio:.3g} times the "
                    f"methodology's default carbon per unit heat of {fuel} ({default:.5f} tC/GJ; "
                    f"{_range_en(severity)} {_g(low)}–{_g(high)} times): was a fraction (0.55) "
                    "typed into the percentage column, or the NCV in another unit?",
                ),
                f"{ctx.methodology.id} {fuel}: {band.basis_zh}",
                table="fuel",
                row=row,
                field="carbon_content",
                value=round(implied, 6),
            )
        )
    return found


def _default_carbon_per_heat(ctx: RunContext) -> dict[str, float]:
    """Each fuel's default carbon per unit heat in the methodology [tC/GJ]."""
    found = {}
    for key, fuel in ctx.methodology.fuels.items():
        fallback = fuel.carbon_content.fallback
        if fallback is None:
            continue
        factor = ctx.catalogue.get(fallback.factor)
        found[key] = factor.value * conversion_factor(factor.unit, "tC/GJ")
    return found


def _indicator_band(
    ctx: RunContext, indicators: pl.DataFrame, indicator: IndicatorBand
) -> list[Finding]:
    found = []
    for facility, bare, value in indicators.select(
        "facility", "unit", indicator.column
    ).iter_rows():
        unit = _unit_name(facility, bare)
        if value is None or not math.isfinite(value):
            continue
        severity = _outside(indicator.band, value)
        if severity is None:
            continue
        low, high = _limits(indicator.band, severity)
        found.append(
            _finding(
                ctx,
                "indicator_band",
                severity,
                (
                    f"机组 {unit} 全年{indicator.name_zh} = {_g(value)} {indicator.unit}，超出"
                    f"{_range_zh(severity)} [{_g(low)}, {_g(high)}]：{indicator.hint_zh}"
                    f"（{indicator.band.basis_zh}）",
                    f"unit {unit}: annual {indicator.name_en} = {_g(value)} {indicator.unit}, "
                    f"outside the {_range_en(severity)} [{_g(low)}, {_g(high)}]: "
                    f"{indicator.hint_en} "
                    f"({indicator.band.basis_en})",
                ),
                f"{ctx.methodology.sector}.{indicator.column}",
                table="production",
                field=indicator.column,
                value=value,
                key=unit,
            )
        )
    return found


def _unit_name(facility: object, unit: object) -> str:
    """A unit as findings name it: with its facility where the inventory names one (two plants
    may each have a unit #1)."""
    return str(unit) if facility in (None, "main") else f"{facility}/{unit}"


def _monthly(frame: pl.DataFrame, value: str, by: Sequence[str]) -> pl.DataFrame:
    """Per group and month: the summed value and the first row reporting it."""
    return frame.group_by(*by, "month").agg(
        pl.col(value).sum().alias("_value"), pl.col(ROW).min().alias("_row")
    )


def missing_counterparts(ctx: RunContext, pair: Counterpart) -> list[Finding]:
    """One finding per unit: the months its records lack their counterpart."""
    keys = ["facility", "unit", "month"]
    having = _monthly(ctx.table(pair.table), pair.value, keys[:2]).filter(pl.col("_value") > 0)
    needed = (
        _monthly(ctx.table(pair.needs), pair.needs_value, keys[:2])
        .filter(pl.col("_value") > 0)
        .select(keys)
    )
    lacking = (
        having.join(needed, on=keys, how="anti")
        .group_by("facility", "unit")
        .agg(pl.col("month").sort(), pl.col("_row").min())
        .sort("_row")
    )
    found = []
    for facility, bare, months, row in lacking.select(
        "facility", "unit", "month", "_row"
    ).iter_rows():
        unit, shown = _unit_name(facility, bare), _months(months)
        found.append(
            _finding(
                ctx,
                pair.code,
                Severity.WARNING,
                (
                    pair.rule_zh.format(unit=unit, month=shown),
                    pair.rule_en.format(unit=unit, month=shown),
                ),
                pair.basis,
                table=pair.table,
                row=row,
                field=pair.value,
                value=shown,
                key=unit,
            )
        )
    return found


def _months(months: Sequence[int]) -> str:
    """Months as ranges: 1–3, 7, 9–12."""
    runs: list[list[int]] = []
    for month in months:
        if runs and month == runs[-1][-1] + 1:
            runs[-1].append(month)
        else:
            runs.append([month])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def series_findings(ctx: RunContext, series: Series) -> list[Finding]:
    """Gaps and jumps of each monthly series, computed over all series at once: an inventory of
    10,000 facilities has 40,000 fuel series, and a loop over them cost seconds."""
    frame = ctx.table(series.table)
    by = ["facility", *[c for c in series.by if c in frame.columns]]
    named = [pl.col(c).cast(pl.String) for c in by[1:]]
    monthly = _monthly(frame, series.value, by).with_columns(
        pl.when(pl.col("facility") == "main")
        .then(pl.concat_str(named or [pl.col("facility")], separator="/"))
        .otherwise(pl.concat_str([pl.col("facility"), *named], separator="/"))
        .alias("_named")
    )
    found: list[Finding] = []
    if series.complete:
        spans = (
            monthly.group_by(by, maintain_order=True)
            .agg(
                pl.col("_named").first(),
                pl.col("month").min().alias("_first"),
                pl.col("month").max().alias("_last"),
                pl.col("month").sort().alias("_months"),
            )
            .filter(
                (pl.col("_first") > 1)
                | (pl.col("_last") < 12)
                | (pl.col("_months").list.len() < pl.col("_last") - pl.col("_first") + 1)
            )
        )
        for named, months in spans.select("_named", "_months").iter_rows():
            found += _gaps(ctx, series, str(named), list(months))
    if series.jump_ratio is not None:
        limit = series.jump_ratio
        running = monthly.filter(pl.col("_value") > 0).with_columns(
            pl.col("_value").median().over(by).alias("_median"),
            pl.len().over(by).alias("_running"),
        )
        jumps = running.filter(
            (pl.col("_running") >= 3)
            & (
                (pl.col("_value") > pl.col("_median") * limit)
                | (pl.col("_value") < pl.col("_median") / limit)
            )
        ).sort("_row")
        for named, month, value, median, row in jumps.select(
            "_named", "month", "_value", "_median", "_row"
        ).iter_rows():
            found.append(_jump(ctx, series, str(named), month, value, median, row, limit))
    return found


def _gaps(ctx: RunContext, series: Series, named: str, months: list[int]) -> list[Finding]:
    found = []
    first, last = min(months), max(months)
    holes = sorted(set(range(first, last + 1)) - set(months))
    for month in holes:
        found.append(
            _finding(
                ctx,
                "missing_month",
                Severity.WARNING,
                (
                    f"{named} 缺少 {month} 月的记录（前后月份都有）：停运月份也应填 0",
                    f"{named} has no record for month {month} (months before and after have "
                    "one): a month without output is entered as 0",
                ),
                "以日保月、以月保年：核算指南要求逐月报告",
                table=series.table,
                field="month",
                value=month,
                key=f"{named}@{month}",
            )
        )
    if first > 1 or last < 12:
        found.append(
            _finding(
                ctx,
                "months_not_reported",
                Severity.NOTE,
                (
                    f"{named} 只报告了 {_months(months)} 月（新投运或停运？）",
                    f"{named} reports month(s) {_months(months)} only (commissioned or retired?)",
                ),
                "以月保年：年度数据为各月之和",
                table=series.table,
                field="month",
                key=named,
            )
        )
    return found


def _jump(
    ctx: RunContext,
    series: Series,
    named: str,
    month: int,
    value: float,
    median: float,
    row: int,
    limit: float,
) -> Finding:
    ratio = value / median
    return _finding(
        ctx,
        "month_jump",
        Severity.WARNING,
        (
            f"{named} {month} 月 {series.value} = {_g(value)}，是其他运行月份中位数 "
            f"{_g(median)} 的 {ratio:.3g} 倍（超过 {limit:g} 倍）：该月单位或小数点是否有误？",
            f"{named} month {month}: {series.value} = {_g(value)}, {ratio:.3g} times the "
            f"median of its running months ({_g(median)}; limit {limit:g}×): is that "
            "month's unit or decimal point wrong?",
        ),
        f"{ctx.methodology.sector}.series.{series.table}.{series.value}",
        table=series.table,
        row=row,
        field=series.value,
        value=value,
    )
