"""Direct measurement against accounting: for each unit and month, the CO2 a CEMS measured beside
the fuel-based result of the accounting core, and whether they differ significantly.

For each unit and month (E in tCO2, U expanded uncertainties at k = 2):

* difference      ΔE = E_CEMS − E_acc
* relative        δ = (E_CEMS − E_acc)/E_acc (as in the MEE carbon-monitoring pilot comparisons)
* normalised error

  .. math:: E_n = \\frac{E_{CEMS} - E_{acc}}{\\sqrt{U_{CEMS}^2 + U_{acc}^2}}

  |E_n| ≤ 1: consistent; |E_n| > 1: the difference is larger than the two uncertainties explain
  (ISO/IEC 17043:2010 Annex B.3.1.3 / ISO 13528:2015 §9.7, E_n with expanded uncertainties;
  clause numbers recalled). The formula assumes the two results are independent, which holds:
  one comes from stack gas, the other from coal weighing and laboratory analysis.

The accounting side is what the accounting core stores: the counted fuel-combustion lines of the
unit in that month (purchased electricity is no stack emission and is left out). Its uncertainty
per unit and month is not stored; it is derived here by running the core's own propagation
(:func:`dualcarbon.accounting.uncertainty.account_uncertainty`) on the lines of that unit and
month alone, so shared defaults within a month are handled as the core handles them.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from dualcarbon.accounting.result import AccountingResult
from dualcarbon.accounting.uncertainty import account_uncertainty
from dualcarbon.cems.uncertainty import sum_uncertainty
from dualcarbon.errors import DualcarbonError

K = 2.0
"""Coverage factor of the expanded uncertainties compared (≈ 95 %)."""


class ComparisonError(DualcarbonError, ValueError):
    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)


@dataclass(frozen=True)
class MonthlyCo2:
    """CO2 of one unit in one month with its standard uncertainty [tCO2]."""

    unit: str
    month: int
    co2_t: float
    u_co2_t: float


CEMS_MONTHLY_SCHEMA = {
    "unit": pl.String,
    "month": pl.Int64,
    "co2_t": pl.Float64,
    "u_co2_t": pl.Float64,
}
"""The monthly CEMS table the pipeline writes: unit, month, co2_t, u_co2_t (standard)."""


def read_monthly(frame: pl.DataFrame) -> list[MonthlyCo2]:
    """Rows of a monthly table (:data:`CEMS_MONTHLY_SCHEMA`) as :class:`MonthlyCo2`."""
    missing = set(CEMS_MONTHLY_SCHEMA) - set(frame.columns)
    if missing:
        raise ComparisonError(f"the monthly table lacks {', '.join(sorted(missing))}")
    rows = frame.select(
        [pl.col(name).cast(dtype) for name, dtype in CEMS_MONTHLY_SCHEMA.items()]
    ).iter_rows()
    return [MonthlyCo2(str(u), int(m), float(e), float(s)) for u, m, e, s in rows]


def monthly_frame(rows: Iterable[MonthlyCo2]) -> pl.DataFrame:
    return pl.DataFrame(
        [dataclasses.astuple(r) for r in rows], schema=CEMS_MONTHLY_SCHEMA, orient="row"
    )


def cems_monthly_from_hourly(
    hourly: pl.DataFrame,
    units: Mapping[str, str],
    *,
    relative_systematic: float,
    relative_random: float,
    correlation: float = 1.0,
    substituted_relative_random: float | None = None,
) -> list[MonthlyCo2]:
    """Monthly CEMS CO2 per unit from the pipeline's hourly table (``source``, ``hour``,
    ``co2_t``, ``status``), with its standard uncertainty.

    ``units`` maps each stack (source) to the unit it serves; stacks of one unit add up.
    ``relative_systematic`` and ``relative_random`` are the hourly mass's relative standard
    uncertainties (:func:`dualcarbon.cems.uncertainty.relative_components`). Per unit and month,
    with r = ``correlation`` of the systematic errors between hours::

        u² = r·(s·Σm)² + (1 − r)·s²·Σm² + q²·Σm²(measured) + q_sub²·Σm²(substituted)

    A substituted hour (HJ 75 gap filling) is not a measurement of that hour; its random part
    is ``substituted_relative_random`` (default: the same as a measured hour, which understates
    it; give e.g. 0.1 for a 10 % allowance). Unfilled hours (null mass) are left out.
    """
    needed = {"source", "hour", "co2_t", "status"}
    if needed - set(hourly.columns):
        raise ComparisonError(
            f"the hourly table lacks {', '.join(sorted(needed - set(hourly.columns)))}"
        )
    unknown = set(hourly["source"].unique().to_list()) - set(units)
    if unknown:
        raise ComparisonError(f"no unit given for source(s) {', '.join(sorted(unknown))}")
    m = pl.col("co2_t")
    substituted = pl.col("status") == "substituted"
    grouped = (
        hourly.filter(m.is_not_null())
        .with_columns(
            unit=pl.col("source").replace_strict(dict(units), return_dtype=pl.String),
            month=pl.col("hour").dt.month().cast(pl.Int64),
        )
        .group_by("unit", "month")
        .agg(
            total=m.sum(),
            squares=(m**2).sum(),
            substituted_squares=pl.when(substituted).then(m**2).otherwise(0.0).sum(),
        )
        .sort("unit", "month")
    )
    rows = []
    for unit, month, total, squares, sub in grouped.iter_rows():
        u = sum_uncertainty(
            total,
            squares,
            sub,
            relative_systematic=relative_systematic,
            relative_random=relative_random,
            substituted_relative_random=substituted_relative_random,
            correlation=correlation,
        )
        rows.append(MonthlyCo2(str(unit), int(month), float(total), u))
    return rows


def accounting_monthly(result: AccountingResult) -> list[MonthlyCo2]:
    """Fuel-combustion CO2 of each unit and month from an accounting result, with its standard
    uncertainty from the core's law of propagation on that unit and month's lines."""
    lines = result.lines.filter(
        pl.col("counted") & (pl.col("source") == "fuel_combustion") & (pl.col("gas") == "CO2")
    )
    months: list[MonthlyCo2] = []
    for (unit, month), part in lines.group_by("unit", "month", maintain_order=True):
        sub = dataclasses.replace(result, lines=part)
        u = account_uncertainty(sub, "gum")
        months.append(MonthlyCo2(str(unit), int(str(month)), sub.total(), u.u))
    return sorted(months, key=lambda r: (r.unit, r.month))


@dataclass(frozen=True)
class ComparisonRow:
    unit: str
    month: int
    cems: float
    U_cems: float
    accounting: float
    U_accounting: float
    difference: float
    relative_difference: float
    en: float

    @property
    def consistent(self) -> bool:
        """|E_n| ≤ 1."""
        return abs(self.en) <= 1.0


def normalised_error(e_cems: float, u_cems: float, e_acc: float, u_acc: float) -> float:
    """E_n = (E_CEMS − E_acc)/√(U_CEMS² + U_acc²), U expanded (ISO 13528:2015 §9.7)."""
    denominator = math.hypot(u_cems, u_acc)
    if denominator == 0:
        return math.inf if e_cems != e_acc else 0.0
    return (e_cems - e_acc) / denominator


def compare_row(cems: MonthlyCo2, accounting: MonthlyCo2, *, k: float = K) -> ComparisonRow:
    if accounting.co2_t == 0:
        raise ComparisonError(f"{accounting.unit} month {accounting.month}: accounting is zero")
    u_c, u_a = k * cems.u_co2_t, k * accounting.u_co2_t
    return ComparisonRow(
        unit=cems.unit,
        month=cems.month,
        cems=cems.co2_t,
        U_cems=u_c,
        accounting=accounting.co2_t,
        U_accounting=u_a,
        difference=cems.co2_t - accounting.co2_t,
        relative_difference=(cems.co2_t - accounting.co2_t) / accounting.co2_t,
        en=normalised_error(cems.co2_t, u_c, accounting.co2_t, u_a),
    )


@dataclass(frozen=True)
class Comparison:
    """Monthly rows, per-unit annual rows, and what could not be paired."""

    rows: tuple[ComparisonRow, ...]
    annual: tuple[ComparisonRow, ...]
    """month = 0: the year of each unit."""
    unpaired: tuple[tuple[str, int, str], ...]
    """(unit, month, which side is missing: 'cems' or 'accounting')."""
    cems_month_correlation: float
    k: float

    @property
    def consistent_share(self) -> float:
        return sum(r.consistent for r in self.rows) / len(self.rows) if self.rows else math.nan


def compare(
    cems: Sequence[MonthlyCo2],
    accounting: Sequence[MonthlyCo2],
    *,
    k: float = K,
    cems_month_correlation: float = 1.0,
    accounting_annual_u: dict[str, float] | None = None,
) -> Comparison:
    """Pair CEMS and accounting by (unit, month) and compare each pair and each unit's year.

    The year of a unit sums the paired months. Its CEMS uncertainty assumes the monthly
    uncertainties correlated by ``cems_month_correlation`` (1: the flow-monitor and analyser
    calibration errors dominate and repeat every month; see :mod:`dualcarbon.cems.uncertainty`).
    The accounting year's uncertainty is taken from ``accounting_annual_u`` (standard, per unit;
    :func:`accounting_annual`) when given, else the months are combined as independent — true
    when each month has its own lab analyses and no shared default.
    """
    by_key = {(r.unit, r.month): r for r in accounting}
    seen = {(r.unit, r.month) for r in cems}
    rows: list[ComparisonRow] = []
    unpaired: list[tuple[str, int, str]] = []
    for measured in sorted(cems, key=lambda r: (r.unit, r.month)):
        other = by_key.get((measured.unit, measured.month))
        if other is None:
            unpaired.append((measured.unit, measured.month, "accounting"))
            continue
        rows.append(compare_row(measured, other, k=k))
    unpaired += [(r.unit, r.month, "cems") for r in accounting if (r.unit, r.month) not in seen]
    annual = []
    for unit in sorted({r.unit for r in rows}):
        paired = [r for r in rows if r.unit == unit]
        u_c = np.array([r.U_cems / k for r in paired])
        r_ = cems_month_correlation
        u_cems = math.sqrt(r_ * float(u_c.sum()) ** 2 + (1 - r_) * float((u_c**2).sum()))
        if accounting_annual_u and unit in accounting_annual_u:
            u_acc = accounting_annual_u[unit]
        else:
            u_acc = math.sqrt(sum((r.U_accounting / k) ** 2 for r in paired))
        annual.append(
            compare_row(
                MonthlyCo2(unit, 0, sum(r.cems for r in paired), u_cems),
                MonthlyCo2(unit, 0, sum(r.accounting for r in paired), u_acc),
                k=k,
            )
        )
    return Comparison(tuple(rows), tuple(annual), tuple(unpaired), cems_month_correlation, k)


def accounting_annual(result: AccountingResult) -> dict[str, float]:
    """Standard uncertainty of each unit's fuel-combustion CO2 for the year, by the core's
    propagation on the unit's lines (defaults shared across months count as one input)."""
    lines = result.lines.filter(
        pl.col("counted") & (pl.col("source") == "fuel_combustion") & (pl.col("gas") == "CO2")
    )
    found = {}
    for (unit,), part in lines.group_by("unit", maintain_order=True):
        found[str(unit)] = account_uncertainty(dataclasses.replace(result, lines=part), "gum").u
    return found


def default_carbon_months(result: AccountingResult) -> set[tuple[str, int]]:
    """(unit, month) whose coal line used the guideline's default carbon content (no qualified
    element-carbon analysis): there the accounting is conservative by design."""
    lines = result.lines.filter(
        pl.col("counted")
        & (pl.col("source") == "fuel_combustion")
        & (pl.col("item") == "coal")
        & (pl.col("carbon_tier") == "default")
    )
    return {(str(u), int(m)) for u, m in lines.select("unit", "month").iter_rows()}


def demo_cems_monthly(
    accounting: Sequence[MonthlyCo2],
    *,
    bias: float = 0.015,
    noise: float = 0.008,
    relative_u: float = 0.02,
    offsets: dict[tuple[str, int], float] | None = None,
    seed: int = 2024,
) -> list[MonthlyCo2]:
    """A synthetic CEMS monthly series consistent with an accounting result (for the demo).

    E_CEMS = E_acc · (1 + bias + offset + ε), ε ~ N(0, noise²) per unit and month, with a stated
    standard uncertainty ``relative_u``·E_CEMS (a CEMS with flow RA about 5 % and CO2 RA about
    2 %, combined as in :mod:`dualcarbon.cems.uncertainty`). Defaults: +1.5 % bias (CEMS reading
    higher, as flow monitors commonly do), 0.8 % noise, u = 2.0 %. ``offsets`` adds a relative
    offset to chosen (unit, month): the demo puts −15 % on the months accounted with the default
    carbon content (:func:`default_carbon_months`), where the guideline's conservative default
    (0.03085 tC/GJ against about 0.026 measured) overstates the fuel-based result by roughly
    that much. Reproducible through ``seed``.
    """
    rng = np.random.default_rng(seed)
    offsets = offsets or {}
    rows = []
    for r in sorted(accounting, key=lambda r: (r.unit, r.month)):
        shift = offsets.get((r.unit, r.month), 0.0)
        value = r.co2_t * (1 + bias + shift + float(rng.normal(0.0, noise)))
        rows.append(MonthlyCo2(r.unit, r.month, value, relative_u * value))
    return rows


def demo_comparison(
    result: AccountingResult, *, seed: int = 2024
) -> tuple[Comparison, list[MonthlyCo2]]:
    """The demo: accounting months of ``result``, synthetic CEMS months (−15 % on months with
    default carbon), compared with the accounting year's uncertainty from the core."""
    accounting = accounting_monthly(result)
    offsets = dict.fromkeys(default_carbon_months(result), -0.15)
    cems = demo_cems_monthly(accounting, offsets=offsets, seed=seed)
    comparison = compare(cems, accounting, accounting_annual_u=accounting_annual(result))
    return comparison, cems
