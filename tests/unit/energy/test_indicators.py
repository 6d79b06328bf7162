"""Unit-product energy from the same inventory the emissions come from, recomputed here from the
inventory file itself (not through the engine):

    供电煤耗率 b = Σ_m B_m (1 − α_m) / Σ_m W_supply,m   (gce/kWh = kgce/MWh)
    供热煤耗率 b_h = Σ_m B_m α_m / Σ_m Q_heat,m          (kgce/GJ)

B_m the month's fuel in kgce: coal on its measured NCV ÷ 29.3076 GJ/tce, fuel oil at GB/T
2589-2020 Appendix A's 1.4286 kgce/kg (the demo plant does not analyse its oil).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from dualcarbon.accounting.engine import account
from dualcarbon.demo import demo_inventory_path
from dualcarbon.energy.assessment import assess
from dualcarbon.energy.conditions import GradingConditions, UnitConditions
from dualcarbon.errors import InputError
from dualcarbon.guards.safe_yaml import safe_load
from dualcarbon.io.yaml_inventory import read_yaml_inventory

EXAMPLES = Path(__file__).parents[3] / "examples"


def by_hand(path: Path) -> dict[str, tuple[float, float]]:
    raw = safe_load(path.read_text(encoding="utf-8"))
    fuel: dict[tuple[str, int], float] = defaultdict(float)
    for row in raw["fuel"]:
        if row.get("ncv") is not None:
            kgce = row["consumption"] * row["ncv"] / 29.3076 * 1000  # t × GJ/t ÷ GJ/tce
        else:
            assert row["fuel"] == "fuel_oil"
            kgce = row["consumption"] * 1000 * 1.4286
        fuel[(row["unit"], row["month"])] += kgce
    power: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    for row in raw["production"]:
        alpha = row.get("heat_ratio") or 0.0
        b = fuel[(row["unit"], row["month"])]
        sums = power[row["unit"]]
        sums[0] += b * (1 - alpha)
        sums[1] += row["supply"]
        sums[2] += b * alpha
        sums[3] += row.get("heat_supply") or 0.0
    return {unit: (s[0] / s[1], s[2] / s[3]) for unit, s in power.items()}


def test_coal_rates_of_the_demo_plant_by_hand() -> None:
    path = demo_inventory_path()
    inventory = read_yaml_inventory(path)
    conditions = GradingConditions(
        units={"#1": UnitConditions("subc_600"), "#2": UnitConditions("subc_600")}
    )
    assessment = assess(inventory, account(inventory, plausibility=False), conditions)
    found = {(g.value.indicator, g.value.scope): g for g in assessment.grades}
    for unit, (supply_rate, heat_rate) in by_hand(path).items():
        supply = found[("supply_coal_rate", unit)]
        heat = found[("heat_coal_rate", unit)]
        assert supply.value.value == pytest.approx(supply_rate, rel=1e-9)
        assert heat.value.value == pytest.approx(heat_rate, rel=1e-9)
        # GB 21258-2024 Table 1, subcritical 600 MW: 303 / 285 / 312 gce/kWh
        expected = 1 if supply_rate <= 303 else (3 if supply_rate <= 312 else None)
        assert supply.result.grade == expected


def test_a_fence_meter_makes_the_clinker_indicator_a_facility_one() -> None:
    inventory = read_yaml_inventory(EXAMPLES / "cement-2025.yaml")
    assessment = assess(inventory, account(inventory, plausibility=False))
    scopes = {(g.value.indicator, g.value.scope) for g in assessment.grades}
    # purchased electricity is metered for the site only; coal per kiln line
    assert ("clinker_energy", "") in scopes and ("clinker_electricity", "") in scopes
    assert {("clinker_coal", "1#线"), ("clinker_coal", "2#线")} <= scopes
    energy = next(g for g in assessment.grades if g.value.indicator == "clinker_energy")
    assert energy.value.value == pytest.approx(
        assessment.balance.total_tce * 1000 / energy.value.denominator
    )
    assert "per line" in energy.value.scope_note_en
    assert {i for _, i, _, _ in assessment.not_computed} == {
        "cement_energy",
        "cement_grinding_electricity",
    }


def test_every_missing_class_is_reported_at_once() -> None:
    inventory = read_yaml_inventory(demo_inventory_path())
    with pytest.raises(InputError) as caught:
        assess(inventory, account(inventory, plausibility=False))
    places = {(p.file, p.field) for p in caught.value.problems}
    assert places == {("--conditions: #1", "class"), ("--conditions: #2", "class")}


def test_the_energy_side_of_the_metering_review() -> None:
    """《重点用能单位节能管理办法》(2018) Art. 2: 10 000 tce a year makes a key energy-using unit;
    a line typed as calculated is listed as not metered."""
    from dualcarbon.energy.metrology import energy_metrology
    from dualcarbon.io.yaml_inventory import inventory_from_mapping

    raw = {
        "inventory": {"organisation": "示例", "year": 2024, "methodology": "gbt-32150-2015"},
        "fuel": [
            {"month": 1, "fuel": "diesel", "consumption": 3000, "consumption_ref": "油罐 D-1"},
            {"month": 2, "fuel": "diesel", "consumption": 1000, "consumption_tier": "calculated"},
        ],
    }
    inventory = inventory_from_mapping(raw, source="x.yaml")
    found = assess(inventory, account(inventory, plausibility=False)).metrology
    assert found is not None
    total = 4_000_000 * 1.4571 / 1000  # GB/T 2589-2020 Appendix A: diesel 1.4571 kgce/kg
    assert found.total_tce == pytest.approx(total) and found.status == "designatable"
    shares = {tier: share for tier, _, share in found.by_tier}
    assert shares == pytest.approx({"measured": 3 / 4, "calculated": 1 / 4})
    assert found.unmeasured == (("diesel", "all", 2, "calculated"),)
    demo = read_yaml_inventory(demo_inventory_path())
    balance = assess(
        demo,
        account(demo, plausibility=False),
        GradingConditions(
            units={"#1": UnitConditions("subc_600"), "#2": UnitConditions("subc_600")}
        ),
    ).balance
    assert energy_metrology(balance).status == "key"


def test_an_equal_value_does_not_move_a_quota_stated_at_the_calorific_equivalent() -> None:
    from dualcarbon.energy.balance import EqualValue

    inventory = read_yaml_inventory(EXAMPLES / "cement-2025.yaml")
    result = account(inventory, plausibility=False)
    plain = assess(inventory, result)
    declared = assess(inventory, result, equal_value=EqualValue(300.0, "统计年鉴"))
    assert declared.balance.total_tce > plain.balance.total_tce
    values = {(g.value.indicator, g.value.scope): g.value.value for g in plain.grades}
    assert {(g.value.indicator, g.value.scope): g.value.value for g in declared.grades} == values


def test_a_line_with_clinker_but_no_fuel_is_refused_not_graded_zero() -> None:
    from dualcarbon.io.yaml_inventory import inventory_from_mapping

    raw = safe_load((EXAMPLES / "cement-2025.yaml").read_text(encoding="utf-8"))
    raw["fuel"] = [row for row in raw["fuel"] if row["unit"] != "2#线"]
    inventory = inventory_from_mapping(raw, source="cement.yaml")
    with pytest.raises(InputError) as caught:
        assess(inventory, account(inventory, plausibility=False))
    assert any("2#线" in p.rule for p in caught.value.problems)
