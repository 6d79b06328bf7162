"""The monitoring plan: stacks to units, and the monitors' uncertainties carried to monthly CO2
(the numbers by the relations of dualcarbon.cems.uncertainty, whose hand checks are in
test_cems_uncertainty.py)."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pyarrow as pa
import pytest

from dualcarbon.cems.plan import (
    Monitor,
    MonitoringPlan,
    annual_by_source,
    cems_monthly,
    hourly_uncertainty,
    read_plan,
)
from dualcarbon.cems.uncertainty import mass_uncertainty, relative_components
from dualcarbon.errors import InputError

PLAN = MonitoringPlan(
    units={"A": "#1", "B": "#1"},
    co2=Monitor(systematic=1.0, random=0.5),
    flow=Monitor(systematic=2.5, random=1.0),
    temperature=Monitor(systematic=1.0),
    pressure=Monitor(systematic=0.3),
    moisture=Monitor(systematic=0.5),
)


def _hourly() -> pa.Table:
    """Two stacks of unit #1, three measured January hours each (12 % CO2, 1.5e6 m³/h,
    130 °C, 101 kPa, 8 %), masses 200 and 100 t per hour."""
    hours = [dt.datetime(2024, 1, 1, h) for h in range(3)]
    return pa.table(
        {
            "source": ["A"] * 3 + ["B"] * 3,
            "hour": hours * 2,
            "status": ["measured"] * 6,
            "co2": [12.0] * 6,
            "flow": [1.5e6] * 6,
            "temperature": [130.0] * 6,
            "pressure": [101.0] * 6,
            "moisture": [8.0] * 6,
            "co2_t": [200.0] * 3 + [100.0] * 3,
        }
    )


def test_monthly_sum_and_uncertainty() -> None:
    (january,) = cems_monthly(_hourly(), PLAN)
    assert (january.unit, january.month) == ("#1", 1)
    assert january.co2_t == pytest.approx(900.0)
    typical = {"co2": 12.0, "flow": 1.5e6, "temperature": 130.0, "pressure": 101.0}
    s, q = relative_components(PLAN.hour_inputs({**typical, "moisture": 8.0}))
    expected = mass_uncertainty([200.0] * 3 + [100.0] * 3, s, q, correlation=1.0)
    assert january.u_co2_t == pytest.approx(expected, rel=1e-12)
    # correlation 1: the systematic part adds linearly, s × 900 t, so u ≥ that
    assert january.u_co2_t >= s * 900.0 and s > 0.025  # the flow's 2.5 % alone
    assert math.isfinite(january.u_co2_t)


def test_a_stack_without_a_unit_is_refused() -> None:
    plan = PLAN.model_copy(update={"units": {"A": "#1"}})
    with pytest.raises(Exception, match="no unit given for source"):
        cems_monthly(_hourly(), plan)


def test_a_broken_plan_names_its_fields(tmp_path: Path) -> None:
    bad = tmp_path / "plan.yaml"
    bad.write_text("units: {}\nco2: {systematic: -1}\nflow: {}\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_plan(bad)
    fields = {p.field for p in caught.value.problems}
    assert {"units", "co2.systematic", "temperature", "pressure", "moisture"} <= fields


def test_annual_by_source_with_a_substituted_hour() -> None:
    """Stack A: 200 t in each of 3 hours, the last substituted; with the substituted hour's
    random part at 10 % (plan), u² = r(sΣm)² + (1−r)s²Σm² + q²·(2·200²) + 0.1²·200²
    (dualcarbon.cems.uncertainty.sum_uncertainty), r = 1."""
    hourly = _hourly()
    status = ["measured", "measured", "substituted"] + ["measured"] * 3
    hourly = hourly.set_column(hourly.schema.get_field_index("status"), "status", [status])
    plan = PLAN.model_copy(update={"substituted_random": 10.0})
    years = {y.source: y for y in annual_by_source(hourly, plan)}
    typical = {"co2": 12.0, "flow": 1.5e6, "temperature": 130.0, "pressure": 101.0}
    s, q = relative_components(PLAN.hour_inputs({**typical, "moisture": 8.0}))
    by_hand = math.sqrt((s * 600) ** 2 + q**2 * 2 * 200**2 + 0.1**2 * 200**2)
    assert (years["A"].year, years["A"].co2_t) == (2024, pytest.approx(600.0))
    assert years["A"].u_co2_t == pytest.approx(by_hand, rel=1e-12)
    assert years["B"].u_co2_t == pytest.approx(
        math.sqrt((s * 300) ** 2 + q**2 * 3 * 100**2), rel=1e-12
    )


def test_hourly_uncertainty_column() -> None:
    """Each hour: m·√(s² + q²); a substituted hour with the plan's 10 % random part instead."""
    hourly = _hourly()
    status = ["measured", "measured", "substituted"] + ["measured"] * 3
    hourly = hourly.set_column(hourly.schema.get_field_index("status"), "status", [status])
    plan = PLAN.model_copy(update={"substituted_random": 10.0})
    typical = {"co2": 12.0, "flow": 1.5e6, "temperature": 130.0, "pressure": 101.0}
    s, q = relative_components(PLAN.hour_inputs({**typical, "moisture": 8.0}))
    u = hourly_uncertainty(hourly, plan)["u_co2_t"].to_pylist()
    assert u[0] == pytest.approx(200 * math.hypot(s, q), rel=1e-12)
    assert u[2] == pytest.approx(200 * math.hypot(s, 0.1), rel=1e-12)
    assert u[3] == pytest.approx(100 * math.hypot(s, q), rel=1e-12)
