"""A plant's CEMS monitoring plan: which stack serves which unit, and the standard uncertainties
of its monitors — what turns the pipeline's hourly masses into monthly CO2 with uncertainty, to
set beside the accounting method (``dualcarbon cems compare --root … --plan …``)::

    units: {DA001: "#1", DA002: "#2"}     # stack (HJ 212 MN) → the unit of the inventory
    co2:  {systematic: 1.0, random: 0.5}  # % of reading (RA ≈ 1.7 % → 1.0 % = RA/√3)
    flow: {systematic: 2.5, random: 1.0}  # % of reading
    temperature: {systematic: 1.0, random: 0.5}   # °C
    pressure: {systematic: 0.3, random: 0.1}      # kPa
    moisture: {systematic: 0.5, random: 0.3}      # % vol
    correlation: 1.0            # of the systematic errors between hours (docs/cems-qa.md)
    substituted_random: 10.0    # % of a substituted hour's mass, as its random part

Systematic parts repeat every hour (calibration, bias); random parts are independent between
hours (:mod:`dualcarbon.cems.uncertainty`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dualcarbon.cems.comparison import MonthlyCo2, cems_monthly_from_hourly
from dualcarbon.cems.uncertainty import HourInputs, Reading, relative_components, sum_uncertainty
from dualcarbon.errors import InputError, InputProblem
from dualcarbon.guards.yaml_file import read_yaml_mapping


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Monitor(_Frozen):
    """Standard uncertainties of one monitor, in the unit its field states."""

    systematic: float = Field(default=0.0, ge=0.0)
    random: float = Field(default=0.0, ge=0.0)


class MonitoringPlan(_Frozen):
    units: dict[str, str] = Field(min_length=1)
    co2: Monitor = Field(description="% of reading")
    flow: Monitor = Field(description="% of reading")
    temperature: Monitor = Field(description="°C")
    pressure: Monitor = Field(description="kPa")
    moisture: Monitor = Field(description="% vol")
    correlation: float = Field(default=1.0, ge=0.0, le=1.0)
    substituted_random: float | None = Field(default=None, ge=0.0, description="% of the mass")

    @property
    def substituted_fraction(self) -> float | None:
        """``substituted_random`` as a fraction (None: as a measured hour's)."""
        return None if self.substituted_random is None else self.substituted_random / 100

    def hour_inputs(self, typical: dict[str, float]) -> HourInputs:
        """The monitors' uncertainties at a typical hour (CO2 and flow relative to its
        readings, the others absolute)."""
        co2, flow = typical["co2"], typical["flow"]
        return HourInputs(
            co2=Reading(co2, co2 * self.co2.systematic / 100, co2 * self.co2.random / 100),
            flow=Reading(flow, flow * self.flow.systematic / 100, flow * self.flow.random / 100),
            temperature=Reading(
                typical["temperature"], self.temperature.systematic, self.temperature.random
            ),
            pressure=Reading(typical["pressure"], self.pressure.systematic, self.pressure.random),
            moisture=Reading(typical["moisture"], self.moisture.systematic, self.moisture.random),
        )


def read_plan(path: Path) -> MonitoringPlan:
    """The plan in the YAML file at ``path``, or an InputError naming every problem."""
    raw = read_yaml_mapping(path, what="a monitoring plan (a mapping)")
    try:
        return MonitoringPlan.model_validate(raw)
    except ValidationError as exc:
        raise InputError(
            [
                InputProblem(
                    str(path), str(e["msg"]), field=".".join(str(p) for p in e["loc"]) or None
                )
                for e in exc.errors()
            ]
        ) from None


TYPICAL = ("co2", "flow", "temperature", "pressure", "moisture")
"""The hourly columns whose means over the measured hours make the typical hour."""


def relative_budget(hourly: pl.DataFrame, plan: MonitoringPlan) -> tuple[float, float]:
    """Relative standard uncertainties (systematic, random) of one hour's mass at the typical
    measured hour of ``hourly`` (the means of its measured hours' readings)."""
    measured = hourly.filter(pl.col("status") == "measured")
    if measured.is_empty():
        raise InputError([InputProblem("hourly", "no measured hour to judge the monitors by")])
    typical = {name: float(measured[name].mean()) for name in TYPICAL}  # type: ignore[arg-type]
    return relative_components(plan.hour_inputs(typical))


def hourly_uncertainty(hourly: pa.Table, plan: MonitoringPlan) -> pa.Table:
    """The hourly table with ``u_co2_t`` [t]: each hour's standard uncertainty from the plan's
    monitors, m·√(s² + q²) for a measured hour and m·√(s² + q_sub²) for a substituted one (the
    one-hour case of :func:`~dualcarbon.cems.uncertainty.sum_uncertainty`); null where the
    mass is."""
    frame = pl.from_arrow(hourly)
    assert isinstance(frame, pl.DataFrame)
    systematic, random = relative_budget(frame, plan)
    substituted = random if plan.substituted_fraction is None else plan.substituted_fraction
    measured_u = (systematic**2 + random**2) ** 0.5
    substituted_u = (systematic**2 + substituted**2) ** 0.5
    factor = pl.when(pl.col("status") == "substituted").then(substituted_u).otherwise(measured_u)
    return frame.with_columns(u_co2_t=pl.col("co2_t") * factor).to_arrow()


@dataclass(frozen=True)
class SourceYear:
    """A stack's CO2 in a year [t] with its standard uncertainty [t]."""

    source: str
    year: int
    co2_t: float
    u_co2_t: float


def annual_by_source(hourly: pa.Table, plan: MonitoringPlan) -> list[SourceYear]:
    """Each stack's yearly CO2 with its standard uncertainty from the plan's monitors
    (:func:`~dualcarbon.cems.uncertainty.sum_uncertainty`; unfilled hours left out)."""
    frame = pl.from_arrow(hourly)
    assert isinstance(frame, pl.DataFrame)
    systematic, random = relative_budget(frame, plan)
    m = pl.col("co2_t")
    grouped = (
        frame.filter(m.is_not_null())
        .group_by("source", pl.col("hour").dt.year().alias("year"))
        .agg(
            total=m.sum(),
            squares=(m**2).sum(),
            substituted=pl.when(pl.col("status") == "substituted").then(m**2).otherwise(0.0).sum(),
        )
        .sort("source", "year")
    )
    return [
        SourceYear(
            str(source),
            int(year),
            float(total),
            sum_uncertainty(
                total,
                squares,
                substituted,
                relative_systematic=systematic,
                relative_random=random,
                substituted_relative_random=plan.substituted_fraction,
                correlation=plan.correlation,
            ),
        )
        for source, year, total, squares, substituted in grouped.iter_rows()
    ]


def cems_monthly(hourly: pa.Table, plan: MonitoringPlan) -> list[MonthlyCo2]:
    """Monthly CO2 per unit [t] from the pipeline's hourly table, each with its standard
    uncertainty: the relative budget of the typical measured hour of the stacks
    (:func:`~dualcarbon.cems.uncertainty.relative_components`) carried to the month by
    :func:`~dualcarbon.cems.comparison.cems_monthly_from_hourly`."""
    frame = pl.from_arrow(hourly)
    assert isinstance(frame, pl.DataFrame)
    systematic, random = relative_budget(frame, plan)
    return cems_monthly_from_hourly(
        frame,
        plan.units,
        relative_systematic=systematic,
        relative_random=random,
        correlation=plan.correlation,
        substituted_relative_random=plan.substituted_fraction,
    )
