"""Measured values read off an accounting result: the demo power plant's lab-tier coal lines."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from dualcarbon.accounting.engine import account
from dualcarbon.io import read_inventory
from dualcarbon.measured_factors.observations import observations_from_result

DEMO = Path(__file__).parents[3] / "src" / "dualcarbon" / "demo" / "data" / "demo-plant.yaml"
COAL = "cn-mee-power-2022/carbon_content_per_heat/coal_unmeasured"


def test_carbon_per_heat_of_every_month_with_both_analyses() -> None:
    """demo-plant.yaml: 23 coal months, all with a lab NCV; unit #1 months 4 and 9 have no carbon
    analysis and unit #2 month 7's does not qualify, so 20 carbon-per-heat observations; the power
    guideline has no NCV default for coal (it must be measured), so no NCV observation."""
    result = account(read_inventory(DEMO))
    found = observations_from_result(result, "demo")
    assert {o.default for o in found} == {COAL}
    assert len(found) == 20
    first = next(o for o in found if o.value == pytest.approx(0.5521 / 21.43))
    # C_ar = 55.21 % (u 0.35 %), NCV = 21.43 GJ/t (u 0.12): separate analyses
    assert first.u == pytest.approx(
        0.5521 / 21.43 * math.hypot(0.35 / 55.21, 0.12 / 21.43), rel=1e-9
    )
    assert first.unit == "tC/GJ"
    assert first.holder == f"{result.meta.organisation} / {result.meta.facility}"
    assert first.year == result.meta.year
    assert first.origin.startswith("demo line ")


def test_a_default_tier_line_gives_nothing() -> None:
    result = account(read_inventory(DEMO))
    lines = result.lines.filter(
        (result.lines["carbon_tier"] == "default") & (result.lines["item"] == "coal")
    )
    assert lines.height == 3
    used = {o.origin for o in observations_from_result(result, "demo")}
    assert not {f"demo line {n}" for n in lines["line"]} & used
