"""A project's reductions for one monitoring period: ER = BE − PE − LE, each term a traced line.

The project methodology is a methodology file like the enterprise guidelines (decision 0019):
its sources name calculators of the registry, with sign +1 for the baseline and −1 for project
emissions and leakage, and the accounting engine computes them. What is a project's own is done
here, before the engine runs:

1. the methodology applies to the project (its applicability clauses over the declared facts),
   and the monitoring period sits inside a crediting period the methodology allows;
2. every month of the monitoring period has its records, and none lies outside it;
3. the monitoring plan names a registered meter of the required accuracy for each monitored
   parameter, and readings of meters not calibrated in time are taken conservatively
   (:mod:`dualcarbon.projects.monitoring`);
4. each year's operating and build margins: the published values of the project's grid for
   year y, else for the latest year before it (typed with their notice where the catalogue holds
   no edition).

A period crosses years and each year y has its own BE_y and grid factor, so the records carry
``year``; the engine reads a year's records as that year's emission unit (``unit`` is
``2025`` or ``2025 关口表``), so every line, total and uncertainty budget says its year.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from dualcarbon.accounting.engine import account
from dualcarbon.accounting.findings import Acceptance
from dualcarbon.accounting.inventory import ROW, Inventory, InventoryHeader
from dualcarbon.errors import InputError, InputProblem
from dualcarbon.factors.catalogue import FactorCatalogue, default_catalogue
from dualcarbon.methodologies.definition import Methodology, get_methodology
from dualcarbon.methodologies.project_rules import ProjectRules
from dualcarbon.methodologies.tables import TABLES
from dualcarbon.metrology.register import Register
from dualcarbon.projects.eligibility import LONGEST_PERIOD_MONTHS, applicability, periods
from dualcarbon.projects.model import YEAR, ProjectInventory
from dualcarbon.projects.monitoring import conservative_readings, plan_problems
from dualcarbon.projects.result import ProjectResult

MARGINS = {"om": "grid_operating_margin", "bm": "grid_build_margin"}
"""The factor subjects under which the catalogue holds a grid's published margins by year."""


def project_methodology(inventory: ProjectInventory) -> tuple[Methodology, ProjectRules]:
    methodology = get_methodology(inventory.header.methodology)
    if methodology.project is None:
        raise InputError(
            [
                InputProblem(
                    inventory.source,
                    f"{methodology.id} is an enterprise guideline, not a project methodology",
                    field="methodology",
                    sheet="project",
                    value=methodology.id,
                    rule_zh=f"{methodology.id} 是企业核算指南，不是项目方法学",
                )
            ]
        )
    return methodology, methodology.project


def account_project(
    inventory: ProjectInventory,
    *,
    register: Register,
    catalogue: FactorCatalogue | None = None,
    accept: Sequence[Acceptance] = (),
    plausibility: bool = True,
) -> ProjectResult:
    """A project's reductions for its monitoring period; :class:`InputError` names every
    problem (file, sheet, row, field, clause) and nothing is computed when there is one."""
    methodology, rules = project_methodology(inventory)
    catalogue = catalogue or default_catalogue()
    header, source = inventory.header, inventory.source
    outcomes, problems = applicability(header, rules, source)
    problems += periods(header, rules, source)
    if len(header.monitoring_period.months()) <= LONGEST_PERIOD_MONTHS:
        problems += _records_in_period(inventory, methodology, rules)
    problems += plan_problems(inventory, rules, register)
    if problems:
        raise InputError(problems)
    frames = {
        name: inventory.tables[name] for name in methodology.tables if name in inventory.tables
    }
    frames, corrections, readings = conservative_readings(inventory, rules, register, frames)
    frames, margin_problems = _margins(inventory, frames, catalogue)
    if margin_problems:
        raise InputError(margin_problems)
    engine_inventory = Inventory(
        header=InventoryHeader(
            organisation=header.owner,
            facility=header.name,
            year=header.monitoring_period.start.year,
            methodology=methodology.id,
        ),
        tables={name: _by_year(frame) for name, frame in frames.items()},
        source=source,
        sheets=inventory.sheets,
    )
    result = account(
        engine_inventory,
        methodology=methodology,
        catalogue=catalogue,
        accept=accept,
        plausibility=plausibility,
        for_project=True,
    )
    meters = tuple(dict.fromkeys(entry.meter for entry in inventory.plan))
    return ProjectResult(
        header=header,
        methodology=methodology,
        accounting=result,
        applicability=tuple(outcomes),
        corrections=tuple(corrections),
        readings=tuple(readings),
        plan=inventory.plan,
        register_meters=tuple(
            instrument for meter in meters if (instrument := register.instrument(meter)) is not None
        ),
        calibrations=tuple(record for meter in meters for record in register.records_for(meter)),
    )


def _by_year(frame: pl.DataFrame) -> pl.DataFrame:
    """The records with their year read as the emission unit (``2025``, ``2025 关口表``)."""
    unit = pl.col("unit").fill_null("all")
    return frame.with_columns(
        unit=pl.when(unit == "all")
        .then(pl.col(YEAR).cast(pl.String))
        .otherwise(pl.format("{} {}", pl.col(YEAR), unit))
    ).drop(YEAR)


def year_of(unit: str) -> int:
    """The year of a project line, from its unit (:func:`_by_year`)."""
    return int(unit[:4])


def _records_in_period(
    inventory: ProjectInventory, methodology: Methodology, rules: ProjectRules
) -> list[InputProblem]:
    """Records lie in the monitoring period, and each of its months has a record in every
    table the methodology needs on every metering point (0 where nothing was metered)."""
    problems: list[InputProblem] = []
    wanted = inventory.header.monitoring_period.months()
    period = inventory.header.monitoring_period
    for name, frame in inventory.tables.items():
        sheet = inventory.sheets.get(name, name)
        if name not in methodology.tables:
            problems.append(
                InputProblem(
                    inventory.source,
                    f"{methodology.id} reads no table {name} "
                    f"(it reads {', '.join(sorted(methodology.tables))})",
                    sheet=sheet,
                    rule_zh=f"{methodology.id} 不读取表 {name}"
                    f"（读取：{'、'.join(sorted(methodology.tables))}）",
                )
            )
            continue
        for row, year, month in frame.select(ROW, YEAR, "month").iter_rows():
            if year is None:
                problems.append(
                    InputProblem(
                        inventory.source,
                        "required value is missing",
                        field=YEAR,
                        sheet=sheet,
                        row=row,
                    )
                )
            elif month is not None and 1 <= month <= 12 and (year, month) not in wanted:
                problems.append(
                    InputProblem(
                        inventory.source,
                        f"{year}-{month:02d} lies outside the monitoring period {period}",
                        field="month",
                        sheet=sheet,
                        row=row,
                        value=f"{year}-{month:02d}",
                        rule_zh=f"{year}年{month}月不在监测期 {period} 内",
                    )
                )
    for name in rules.monthly_tables:
        monthly = inventory.tables.get(name)
        problems += _repeated(inventory, name, monthly)
        points = (
            sorted(set(monthly["unit"].fill_null("all").to_list()))
            if monthly is not None and monthly.height
            else ["all"]
        )
        have = (
            set()
            if monthly is None
            else set(monthly.select(YEAR, "month", pl.col("unit").fill_null("all")).iter_rows())
        )
        gaps = [
            f"{y}-{m:02d}" + ("" if point == "all" else f" {point}")
            for point in points
            for y, m in wanted
            if (y, m, point) not in have
        ]
        if gaps:
            gaps = gaps[:24] + ([f"… ({len(gaps)})"] if len(gaps) > 24 else [])
            problems.append(
                InputProblem(
                    inventory.source,
                    f"months of the monitoring period without records: {', '.join(gaps)} "
                    "(monitoring is continuous and recorded monthly; enter 0 for a month "
                    "with nothing metered)",
                    sheet=inventory.sheets.get(name, name),
                    field="month",
                    rule_zh=f"监测期内缺少以下月份的记录：{'、'.join(gaps)}"
                    "（须连续监测、按月记录；没有计量量的月份填 0）",
                )
            )
    return problems


def _repeated(
    inventory: ProjectInventory, name: str, frame: pl.DataFrame | None
) -> list[InputProblem]:
    """A month of a metering point recorded twice (at one stage, for a CO2 stream) would be
    counted twice."""
    if frame is None or not frame.height:
        return []
    table = TABLES[name]
    keys = [YEAR, "month", "unit"] + [
        c.name for c in table.columns if c.required and c.choices and c.name in frame.columns
    ]
    counted = frame.with_columns(pl.col("unit").fill_null("all"))
    twice = counted.filter(pl.struct(keys).is_duplicated())
    return [
        InputProblem(
            inventory.source,
            f"{row[YEAR]}-{row['month']:02d} of {row['unit']} is recorded more than once",
            field="month",
            sheet=inventory.sheets.get(name, name),
            row=row[ROW],
            rule_zh=f"{row['unit']} 的 {row[YEAR]}年{row['month']}月重复记录",
        )
        for row in twice.iter_rows(named=True)
    ]


def _margins(
    inventory: ProjectInventory, frames: dict[str, pl.DataFrame], catalogue: FactorCatalogue
) -> tuple[dict[str, pl.DataFrame], list[InputProblem]]:
    """Each grid-supply record's operating and build margins: typed on the row, else the
    published value for its year (the latest year before it when its own is not published),
    from the catalogue or the project's typed margins, the catalogue first on a tie."""
    frame = frames.get("grid_supply")
    if frame is None or not frame.height:
        return frames, []
    header, sheet = inventory.header, inventory.sheets.get("grid_supply", "grid_supply")
    if header.grid is None:
        return frames, [
            InputProblem(
                inventory.source,
                "the project's regional grid is needed for its baseline factors",
                field="grid",
                sheet="project",
                rule_zh="需填写项目所在区域电网（用于基准线排放因子）",
            )
        ]
    published = _published(catalogue, header.grid)
    problems: list[InputProblem] = []
    chosen: dict[int, dict[str, str | float | None]] = {}
    for year in sorted(set(frame[YEAR].drop_nulls().to_list())):
        from_catalogue = max((y for y in published if y <= year), default=None)
        typed = max((y for y in header.grid_margins if y <= year), default=None)
        later = "" if year in (from_catalogue, typed) else "（第 y 年尚未公布，取此前最近一年）"
        if from_catalogue is not None and (typed is None or from_catalogue >= typed):
            om_id, bm_id = published[from_catalogue]
            chosen[year] = {"om_default": om_id, "bm_default": bm_id}
        elif typed is not None:
            margins = header.grid_margins[typed]
            ref = f"{margins.source}（{typed}年值{later}）"
            chosen[year] = {"om": margins.om, "bm": margins.bm, "om_ref": ref, "bm_ref": ref}
        else:
            chosen[year] = {}
    typed_on_rows = frame["om"].is_not_null() & frame["bm"].is_not_null()
    half = frame["om"].is_not_null() ^ frame["bm"].is_not_null()
    for row, om in frame.filter(half).select(ROW, "om").iter_rows():
        problems.append(
            InputProblem(
                inventory.source,
                "give both margins of the row (OM and BM, from one notice) or neither",
                field="bm" if om is not None else "om",
                sheet=sheet,
                row=row,
                rule_zh="本行的 OM 与 BM 须同时填写（取自同一发布文件），或都不填",
            )
        )
    for row, year in frame.filter(~typed_on_rows & ~half).select(ROW, YEAR).iter_rows():
        if not chosen.get(year):
            problems.append(
                InputProblem(
                    inventory.source,
                    f"no published operating and build margins of the {header.grid} grid for "
                    f"{year} or earlier: give them under project.grid_margins with their notice",
                    field="om",
                    sheet=sheet,
                    row=row,
                    rule_zh=f"因子库中没有{header.grid}区域电网 {year} 年及以前的 OM、BM："
                    "请在项目信息的 grid_margins 中按年填写并注明发布文件",
                )
            )
    if problems:
        return frames, problems
    columns = {}
    for column in ("om", "bm", "om_ref", "bm_ref", "om_default", "bm_default"):
        mapping = {year: values.get(column) for year, values in chosen.items()}
        filled = pl.col(YEAR).replace_strict(
            mapping, default=None, return_dtype=frame[column].dtype
        )
        if column.endswith("_default"):
            columns[column] = pl.when(typed_on_rows).then(None).otherwise(filled)
        else:  # a row typing both margins keeps them with its own evidence
            columns[column] = pl.when(typed_on_rows).then(pl.col(column)).otherwise(filled)
    updated = frame.with_columns(grid=pl.lit(header.grid), **columns)
    return {**frames, "grid_supply": updated}, []


def _published(catalogue: FactorCatalogue, grid: str) -> dict[int, tuple[str, str]]:
    """Year → (OM factor id, BM factor id) of every edition the catalogue holds for the grid."""
    found: dict[str, dict[int, str]] = {"om": {}, "bm": {}}
    for factor in catalogue:
        for margin, subject in MARGINS.items():
            if (
                factor.subject == subject
                and factor.region == grid
                and factor.year is not None
                and not catalogue.is_superseded(factor)
            ):
                found[margin][factor.year] = factor.ref
    years = set(found["om"]) & set(found["bm"])
    return {year: (found["om"][year], found["bm"][year]) for year in years}
