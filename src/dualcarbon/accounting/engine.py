"""The accounting engine: an inventory and a methodology in, a traced result out.

Every table is evaluated in one vectorised pass (polars), one module per kind of source. The trace
is data: each output line sits beside its inputs, their tiers and evidence, the factor versions
used, the formula, and a sentence a verifier can read. The tree a reader sees is rendered from these
lines on demand (:mod:`dualcarbon.accounting.result`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import PurePath

import polars as pl

from dualcarbon import __version__
from dualcarbon.accounting.by_equation import by_equation
from dualcarbon.accounting.context import RunContext
from dualcarbon.accounting.evidence import unnamed_evidence
from dualcarbon.accounting.findings import (
    Acceptance,
    FindingsError,
    acknowledge,
    not_checked,
    unused,
)
from dualcarbon.accounting.fuel_combustion import fuel_combustion
from dualcarbon.accounting.indirect import indirect
from dualcarbon.accounting.inputs import line_inputs
from dualcarbon.accounting.instruments import apply_register
from dualcarbon.accounting.inventory import Inventory
from dualcarbon.accounting.plausibility import needs_inputs, plausibility_findings
from dualcarbon.accounting.power import power_indicators
from dualcarbon.accounting.process import process, recovered
from dualcarbon.accounting.result import LINE_SCHEMA, AccountingResult, ResultMeta
from dualcarbon.accounting.validate import fraction_problems, problems_where
from dualcarbon.errors import InputError, InputProblem
from dualcarbon.factors.catalogue import FactorCatalogue, default_catalogue
from dualcarbon.methodologies.definition import Methodology, SourceRule, get_methodology
from dualcarbon.methodologies.registry import get_calculator
from dualcarbon.metrology.register import Register


def account(
    inventory: Inventory,
    *,
    methodology: Methodology | None = None,
    catalogue: FactorCatalogue | None = None,
    register: Register | None = None,
    accept: Sequence[Acceptance] = (),
    plausibility: bool = True,
    for_project: bool = False,
) -> AccountingResult:
    """Account an inventory by its methodology; raises :class:`InputError` on any bad input.

    A project methodology (CCER) is accounted through :func:`dualcarbon.projects.engine.
    account_project`, which checks the project's periods and meters first (``for_project``).

    With a ``register`` of measuring instruments, every metered amount is tied to its instrument:
    readings of an instrument overdue or failed in their month lose the ``measured`` tier, and the
    instrument's accuracy gives their uncertainty (:mod:`dualcarbon.accounting.instruments`).

    The figures are then checked for plausibility and completeness
    (:mod:`dualcarbon.accounting.plausibility`): an error finding, or a warning no ``accept``
    covers, raises :class:`FindingsError`; the result carries the others, with who accepted what.
    """
    methodology = methodology or get_methodology(inventory.header.methodology)
    catalogue = catalogue or default_catalogue()
    ctx = RunContext(inventory, methodology, catalogue)
    if methodology.project is not None and not for_project:
        ctx.problems.append(
            InputProblem(
                inventory.source,
                f"{methodology.id} is a project methodology: account the project with "
                "`dualcarbon projects account` (its periods and meters are checked there)",
                field="methodology",
                rule_zh=f"{methodology.id} 是项目方法学：请用 dualcarbon projects account 核算项目"
                "（计入期、监测期与计量器具在其中检查）",
            )
        )
    # a project's monitoring period is checked against its crediting period instead
    # (dualcarbon.projects.eligibility)
    if methodology.project is None and inventory.header.year not in methodology.reporting_years:
        ctx.problems.append(
            InputProblem(
                inventory.source,
                f"{methodology.id} governs data of {list(methodology.reporting_years)}, "
                f"not {inventory.header.year}",
                field="methodology",
            )
        )
    parts: list[pl.DataFrame] = []
    for source in methodology.sources:
        evaluate = (
            by_equation
            if get_calculator(source.calculator).by_equation
            else IMPLEMENTATIONS[source.calculator]
        )
        parts.append(evaluate(ctx, source))
    production_input = _production(ctx) if "power_unit" in methodology.indicators else None
    if ctx.problems:
        raise InputError(sorted(_once(ctx.problems), key=_problem_order))
    filled = [p for p in parts if p.height]
    lines = (
        pl.concat(filled, how="diagonal_relaxed") if filled else pl.DataFrame(schema=LINE_SCHEMA)
    )
    lines = (
        lines.select(
            [
                pl.col(name).cast(dtype)
                if name in lines.columns
                else pl.lit(None, dtype).alias(name)
                for name, dtype in LINE_SCHEMA.items()
            ]
        )
        .sort("facility", "unit", "source", "item", "month")
        .with_columns(pl.int_range(1, pl.len() + 1).alias("line"))
    )
    unnamed = unnamed_evidence(lines, methodology, inventory.source)
    if unnamed:
        raise InputError(sorted(unnamed, key=_problem_order))
    if register is not None:
        lines = apply_register(lines, register, inventory.header.year).select(list(LINE_SCHEMA))
    production = None if production_input is None else power_indicators(lines, production_input)
    # the inputs table, built here once where the checks read it, is the result's as well
    inputs = line_inputs(lines) if plausibility and needs_inputs(lines) else None
    findings = (
        acknowledge(plausibility_findings(ctx, lines, inputs, production), accept)
        if plausibility
        else [not_checked(inventory.source)]
    )
    stale = unused(findings, accept)
    if stale or any(finding.open for finding in findings):
        raise FindingsError(findings, stale)
    used = _refs_in(lines)
    ctx.factors_used = {ref: f for ref, f in ctx.factors_used.items() if ref in used}
    meta = ResultMeta(
        organisation=inventory.header.organisation,
        facility=inventory.header.facility,
        year=inventory.header.year,
        methodology=methodology.ref,
        methodology_title=methodology.title_zh,
        factors=sorted(ctx.factors_used),
        inventory_digest=inventory.digest(),
        # the file's name: its digest says which content it was, the folders of the machine
        # that read it are nobody's business in a report or a stored result
        inventory_source=PurePath(inventory.source).name or inventory.source,
        computed_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        engine=f"dualcarbon {__version__}",
    )
    result = AccountingResult(
        meta=meta,
        lines=lines,
        production=production,
        factors={ref: ctx.factors_used[ref] for ref in meta.factors},
        findings=tuple(findings),
        checked=plausibility,
    )
    if inputs is not None:
        result.__dict__["inputs"] = inputs  # AccountingResult.inputs is a cached_property
    return result


def _refs_in(lines: pl.DataFrame) -> set[str]:
    """Factor refs the lines actually rest on (defaults loaded but never applied are not used)."""
    columns = ["ncv_ref", "carbon_ref", "oxidation_rate_ref", "emission_factor_ref", "gwp_ref"]
    used: set[str] = set()
    for column in columns:
        used.update(lines.get_column(column).unique().drop_nulls().to_list())
    listed = lines.select(pl.col("inputs").explode().struct.field("reference")).to_series()
    used.update(listed.unique().drop_nulls().to_list())
    return used


def _once(problems: list[InputProblem]) -> list[InputProblem]:
    """Each problem once: sources that read the same table (anode CO2, CF4 and C2F6 read the
    electrolysis rows) find the same missing evidence."""
    seen: dict[tuple[object, ...], InputProblem] = {}
    for p in problems:
        seen.setdefault((p.file, p.rule, p.field, p.sheet, p.row, repr(p.value)), p)
    return list(seen.values())


def _problem_order(problem: InputProblem) -> tuple[str, int, str]:
    return (problem.sheet or "", problem.row or 0, problem.field or "")


def production_table(inventory: Inventory) -> pl.DataFrame:
    """The inventory's production table as the engine reads it (facility filled in from the
    header, units normalised), for figures drawn beside a stored result such as the monthly
    intensity trend."""
    methodology = get_methodology(inventory.header.methodology)
    return RunContext(inventory, methodology, default_catalogue()).table("production")


def _production(ctx: RunContext) -> pl.DataFrame:
    frame = ctx.table("production")
    ctx.problems += fraction_problems(
        ctx.inventory, "production", frame, "heat_ratio", "heat-supply ratio"
    )
    ctx.problems += problems_where(
        ctx.inventory,
        "production",
        frame,
        pl.col("supply") > pl.col("generation"),
        "supply",
        "net supply exceeds gross generation",
    )
    # The split of a unit's emissions between power and heat rests on the ratio; a month that
    # supplied heat without one would silently count all its emissions as power (the guideline's
    # formula for it was not read, so it is not computed here: docs/reference/power-guideline.md)
    ctx.problems += problems_where(
        ctx.inventory,
        "production",
        frame,
        pl.col("heat_ratio").is_null() & (pl.col("heat_supply") > 0),
        "heat_ratio",
        "the heat-supply ratio is missing in a month that supplied heat: compute it by the "
        "guideline and enter it (it is not taken as 0)",
        "供热比缺失：该月有供热量，须按指南计算后填写（不以 0 代替）",
    )
    return frame


IMPLEMENTATIONS: dict[str, Callable[[RunContext, SourceRule], pl.DataFrame]] = {
    "fuel_combustion_co2": fuel_combustion,
    "indirect_co2": indirect,
    "process_emission": process,
    "co2_recovered": recovered,
}
"""The calculators with an evaluator of their own, by id; every other calculator is computed
from its declared equation (:mod:`dualcarbon.accounting.by_equation`)."""
