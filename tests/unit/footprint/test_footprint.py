"""compute_footprint: totals, contributions and their trace, against arithmetic done by hand."""

from __future__ import annotations

import numpy as np
import pytest
from systems import PV, tiny, tiny_raw

from dualcarbon.errors import InputError
from dualcarbon.footprint.footprint import compute_footprint, footprint_monte_carlo
from dualcarbon.footprint.model import (
    ElectricityBasis,
    ExchangeKind,
    Stage,
    primary_data_share,
    validate_product_system,
)
from dualcarbon.footprint.montecarlo import monte_carlo
from dualcarbon.io.product_yaml import read_product_system

GRID = 0.5366  # kgCO2/kWh, cn-grid-ef-2022 national average

# The tiny system (test_matrices.tiny_raw), for 1 kg widget:
# supply: make 1; cast/part 0.5 (0.5 kg part); cast/slag 0 (nobody needs slag);
#         heat 3 − 0.7 × 1 MJ × 0.5 = 2.65 MJ (cast's avoided steam lowers the boiler's supply)
MAKE_GRID = 2 * GRID  # 1.0732
MAKE_RESIN = 0.5 * 3.0  # 1.5 (primary data)
MAKE_CO2 = 0.1
MAKE_CH4 = 0.002 * 29.8  # 2 g fossil CH4 × AR6 GWP 29.8 = 0.0596
MAKE = MAKE_GRID + MAKE_RESIN + MAKE_CO2 + MAKE_CH4  # 2.7328
CAST_PPA = 10 * 0.7 * 0.5 * 0.4  # 10 kWh × allocation 0.7 × supply 0.5 × 0.4 = 1.4
CAST_CO2 = 1.0 * 0.7 * 0.5  # 0.35
CAST_STEEL = -0.2 * 0.7 * 0.5 * 2.0  # avoided steel: −0.14
CAST = CAST_PPA + CAST_CO2 + CAST_STEEL  # 1.61
HEAT = 2.65 * 0.07  # 0.1855
TOTAL = MAKE + CAST + HEAT  # 4.5283


def test_tiny_total_and_supply() -> None:
    result = compute_footprint(tiny())
    assert pytest.approx(4.5283, rel=1e-12) == TOTAL
    assert result.total == pytest.approx(TOTAL, rel=1e-12)
    assert result.supply == pytest.approx(
        {
            ("make", "widget"): 1.0,
            ("cast", "part"): 0.5,
            ("cast", "slag"): 0.0,
            ("heat", "steam"): 2.65,
        },
        rel=1e-12,
        abs=1e-15,
    )
    assert result.reference_flow == (1.0, "kg")
    assert result.gwp_set == "gwp-ipcc-ar6"


def test_tiny_contributions_by_process_stage_and_flow() -> None:
    result = compute_footprint(tiny())
    assert result.by_process == pytest.approx({"make": MAKE, "cast": CAST, "heat": HEAT})
    assert result.by_stage == pytest.approx(
        {Stage.RAW_MATERIAL_ACQUISITION: CAST, Stage.PRODUCTION: MAKE + HEAT}
    )
    assert result.by_flow == pytest.approx(
        {
            "co2": MAKE_CO2 + CAST_CO2 + HEAT,  # 0.6355
            "ch4": MAKE_CH4,
            "background:resin": MAKE_RESIN,
            "background:steel": CAST_STEEL,
            "electricity:grid_power": MAKE_GRID,
            "electricity:ppa_power": CAST_PPA,
        }
    )
    for table in (result.by_process, result.by_stage, result.by_flow):
        assert sum(table.values()) == pytest.approx(result.total, rel=1e-12)
    assert sum(t.contribution for t in result.trace) == pytest.approx(result.total, rel=1e-12)


def test_tiny_trace_lines() -> None:
    result = compute_footprint(tiny())
    lines = {(t.process, t.target): t for t in result.trace if t.product != "slag"}
    resin = lines[("make", "resin")]
    assert (resin.amount, resin.unit, resin.factor) == (0.5, "kg", 3.0)
    assert resin.factor_ref == "background/resin"
    assert resin.factor_source == "invented resin factor"
    assert resin.primary and resin.stage is Stage.PRODUCTION
    ch4 = lines[("make", "ch4")]
    # 2 g at 29.8 kgCO2e/kg = 0.0298 kgCO2e per g
    assert (ch4.amount, ch4.unit) == (2.0, "g")
    assert ch4.factor == pytest.approx(0.0298)
    assert ch4.factor_ref == "gwp-ipcc-ar6/gwp/CH4_fossil@1"
    steel = lines[("cast", "steel")]
    assert steel.kind is ExchangeKind.AVOIDED_PRODUCT
    assert steel.amount == pytest.approx(0.2 * 0.7 * 0.5)  # allocated, scaled: 0.07 kg
    assert steel.contribution == pytest.approx(CAST_STEEL)
    ppa = lines[("cast", "ppa_power")]
    assert ppa.factor_ref == "PPA-1" and ppa.factor_source == "contract 2024"
    # the cast/slag column has supply 0: its lines contribute nothing
    assert all(t.contribution == 0 for t in result.trace if t.product == "slag")
    assert [(c.process, c.product) for c in result.cut_off] == [("make", "glue")]


def test_tiny_electricity_choices_are_visible() -> None:
    result = compute_footprint(tiny())
    uses = {u.product: u for u in result.electricity}
    grid = uses["grid_power"]
    assert grid.choice.basis is ElectricityBasis.LOCATION_BASED
    assert (grid.process, grid.exchange_index, grid.amount, grid.unit) == ("make", 3, 2.0, "kWh")
    assert grid.factor == pytest.approx(GRID)
    assert grid.factor_ref == "cn-grid-ef-2022/co2_emission_factor/grid/CN@1"
    assert grid.contribution == pytest.approx(MAKE_GRID)
    ppa = uses["ppa_power"]
    assert ppa.choice.basis is ElectricityBasis.SUPPLIER_SPECIFIC
    assert ppa.amount == pytest.approx(10 * 0.7 * 0.5)  # both columns: 0.7 × 0.5 + 0.3 × 0
    assert ppa.factor == pytest.approx(0.4)
    assert ppa.contribution == pytest.approx(CAST_PPA)


def test_tiny_primary_data_share() -> None:
    result = compute_footprint(tiny())
    # only the resin line is primary: |1.5| over Σ|c| (the steel credit counts by its size)
    absolute = MAKE + CAST_PPA + CAST_CO2 + abs(CAST_STEEL) + HEAT  # 4.8083
    assert result.primary_data_share == pytest.approx(100 * MAKE_RESIN / absolute)
    assert result.primary_data_share == pytest.approx(
        primary_data_share((t.primary, t.contribution) for t in result.trace)
    )


def test_reference_flow_scales_the_result() -> None:
    raw = tiny_raw()
    raw["reference_flow"] = {"amount": 2000, "unit": "g"}  # 2 kg of widget
    raw["functional_unit"]["amount"] = 2
    result = compute_footprint(validate_product_system(raw))
    assert result.total == pytest.approx(2 * TOTAL, rel=1e-12)


# The PV example (src/dualcarbon/demo/data/footprint/pv-module-simple.yaml), per 1 m² module:
# supplies: cell 0.92 m² (cell_packing); wafer 0.92 / 0.97 m² (cell_yield); glass
# 3.2 / 1000 × 2500 × 1.02 = 8.16 kg; frame 1.3 kg; secondary aluminium 1.3 × 0.892857 × 0.42 kg.
PV_WAFER = 0.92 / 0.97 * (0.70 * 35 + 25 * GRID)  # polysilicon + electricity
PV_CELL = 0.92 * (11 * GRID + 0.00005 * 17400)  # electricity + NF3 (AR6 17 400)
PV_GLASS = 8.16 * (0.60 + 0.25 * GRID)
PV_FRAME = 1.3 * 0.892857 * (0.70 * 17 + 1.2 * GRID)  # frame's allocated share
PV_REMELT = 1.3 * 0.892857 * 0.42 * (0.35 + 0.4 * GRID)
PV_MODULE = 1.4 * 3.0 + 4.5 * GRID  # encapsulant/backsheet + electricity
PV_TOTAL = PV_WAFER + PV_CELL + PV_GLASS + PV_FRAME + PV_REMELT + PV_MODULE  # ≈ 69.632


def test_pv_example_equals_the_hand_sum() -> None:
    result = compute_footprint(read_product_system(PV))
    assert result.total == pytest.approx(PV_TOTAL, rel=1e-9)
    assert result.by_process == pytest.approx(
        {
            "wafer": PV_WAFER,
            "cell": PV_CELL,
            "solar_glass": PV_GLASS,
            "aluminium_frame": PV_FRAME,
            "aluminium_remelting": PV_REMELT,
            "module_assembly": PV_MODULE,
        },
        rel=1e-9,
    )
    assert result.by_stage == pytest.approx(
        {
            Stage.RAW_MATERIAL_ACQUISITION: PV_WAFER + PV_GLASS + PV_FRAME + PV_REMELT,
            Stage.PRODUCTION: PV_CELL + PV_MODULE,
        },
        rel=1e-9,
    )
    assert sum(t.contribution for t in result.trace) == pytest.approx(result.total, rel=1e-12)
    assert len(result.electricity) == 6
    assert {u.choice.basis for u in result.electricity} == {ElectricityBasis.LOCATION_BASED}
    assert {c.product for c in result.cut_off} == {"process_chemicals", "junction_box", "packaging"}
    assert 0 < result.primary_data_share < 100


def test_pv_overrides() -> None:
    system = read_product_system(PV)
    # wafer and cell scale with cell_packing; halving it halves their contributions
    halved = compute_footprint(system, overrides={"cell_packing": 0.46})
    assert halved.total == pytest.approx(PV_TOTAL - 0.5 * (PV_WAFER + PV_CELL), rel=1e-9)


def test_on_site_electricity_goes_through_its_process() -> None:
    raw = tiny_raw()
    grid = raw["processes"][0]["exchanges"][2]
    grid["product"] = "own_power"
    grid["electricity"] = {"basis": "on_site"}
    raw["processes"].append(
        {
            "id": "roof",
            "name": "rooftop PV",
            "stage": "production",
            "exchanges": [
                {"kind": "production", "product": "own_power", "amount": 1, "unit": "kWh"},
                {"kind": "emission", "flow": "co2", "amount": 0.05, "unit": "kg"},
            ],
        }
    )
    result = compute_footprint(validate_product_system(raw))
    # 2 kWh from the roof at 0.05 kg CO2/kWh = 0.1 instead of 2 × 0.5366 from the grid
    assert result.total == pytest.approx(TOTAL - MAKE_GRID + 0.1, rel=1e-12)
    assert result.by_process["roof"] == pytest.approx(0.1)
    (use,) = (u for u in result.electricity if u.product == "own_power")
    assert use.choice.basis is ElectricityBasis.ON_SITE
    assert (use.amount, use.factor, use.contribution) == (2.0, None, 0.0)


def _with_biogenic_luc_and_air() -> dict[str, object]:
    """The tiny system, plus in ``make`` per kg widget: 0.3 kg biogenic CO2 taken up, 0.05 kg
    biogenic CO2 and 1 g non-fossil CH4 emitted, 0.02 kg CO2 from direct land-use change, and
    0.5 t·km of air freight (background, 1.2 kgCO2e/(t·km), invented)."""
    raw = tiny_raw()
    raw["flows"] += [
        {"id": "co2_uptake", "name": "CO2, in air", "compartment": "natural_resource",
         "unit": "kg", "gas": "CO2", "origin": "biogenic"},
        {"id": "co2_bio", "name": "CO2, non-fossil", "compartment": "air", "unit": "kg",
         "gas": "CO2", "origin": "biogenic"},
        {"id": "ch4_bio", "name": "CH4, non-fossil", "compartment": "air", "unit": "kg",
         "gas": "CH4_non_fossil", "origin": "biogenic"},
        {"id": "co2_luc", "name": "CO2, land transformation", "compartment": "air", "unit": "kg",
         "gas": "CO2", "origin": "land_use_change"},
    ]  # fmt: skip
    raw["background"].append(
        {"product": "air_freight", "unit": "t*km", "emission_factor": 1.2,
         "emission_factor_unit": "kgCO2e/(t*km)", "source": "invented", "aircraft": True}
    )  # fmt: skip
    raw["processes"][0]["exchanges"] += [
        {"kind": "resource", "flow": "co2_uptake", "amount": 0.3, "unit": "kg"},
        {"kind": "emission", "flow": "co2_bio", "amount": 0.05, "unit": "kg"},
        {"kind": "emission", "flow": "ch4_bio", "amount": 1, "unit": "g"},
        {"kind": "emission", "flow": "co2_luc", "amount": 0.02, "unit": "kg"},
        {"kind": "technosphere", "product": "air_freight", "amount": 0.5, "unit": "t*km"},
    ]
    return raw


def test_components_are_reported_apart() -> None:
    """ISO 14067:2018 6.4.9 / clause 7: fossil, biogenic emissions, biogenic removals (−1 per kg
    CO2 taken up), dLUC and aircraft apart; the first four sum to the footprint."""
    result = compute_footprint(validate_product_system(_with_biogenic_luc_and_air()))
    air = 0.5 * 1.2
    parts = result.components
    assert parts.fossil == pytest.approx(TOTAL + air, rel=1e-12)
    assert parts.biogenic_removals == pytest.approx(-0.3, rel=1e-12)
    assert parts.biogenic_emissions == pytest.approx(0.05 + 0.001 * 27.0, rel=1e-12)  # AR6 27.0
    assert parts.land_use_change == pytest.approx(0.02, rel=1e-12)
    assert parts.aircraft == pytest.approx(air, rel=1e-12)
    assert parts.total == pytest.approx(result.total, rel=1e-12)
    assert parts.excluding_biogenic_removals == pytest.approx(result.total + 0.3, rel=1e-12)


def test_the_tiny_system_is_all_fossil() -> None:
    parts = compute_footprint(tiny()).components
    assert parts.fossil == pytest.approx(TOTAL, rel=1e-12)
    assert (parts.biogenic_emissions, parts.biogenic_removals) == (0.0, 0.0)
    assert (parts.land_use_change, parts.aircraft) == (0.0, 0.0)


def test_reference_flow_by_formula() -> None:
    """A service unit: 1 kWh delivered by a product that delivers 4 kWh over its life, so the
    reference flow is 1/4 kg of widget and the footprint a quarter of the product's."""
    raw = tiny_raw()
    raw["parameters"] = [{"name": "lifetime_output", "value": 4.0}]
    raw["reference_flow"] = {"formula": "1 / lifetime_output", "unit": "kg"}
    system = validate_product_system(raw)
    assert system.reference_amount() == 0.25
    assert compute_footprint(system).total == pytest.approx(TOTAL / 4, rel=1e-12)
    assert compute_footprint(system, overrides={"lifetime_output": 2.0}).total == pytest.approx(
        TOTAL / 2, rel=1e-12
    )


@pytest.mark.parametrize(
    ("reference_flow", "rule"),
    [
        ({"formula": "1 / nothing", "unit": "kg"}, "unknown or unevaluated name(s) nothing"),
        ({"formula": "0 * 1", "unit": "kg"}, "a reference flow is finite and > 0"),
        ({"amount": 1, "formula": "1", "unit": "kg"}, "give either amount or formula"),
    ],
)
def test_reference_flow_formula_problems(reference_flow: dict[str, object], rule: str) -> None:
    raw = tiny_raw()
    raw["reference_flow"] = reference_flow
    with pytest.raises(InputError) as caught:
        validate_product_system(raw)
    assert any(rule in p.rule for p in caught.value.problems)


def test_pv_monte_carlo_with_shared_factors() -> None:
    """The PV example's Monte Carlo: reproducible, centred on the deterministic score (its laws
    are lognormal about the amounts, σ small), and wider once each background factor is drawn
    once for all its uses than with the exchanges alone."""
    result = compute_footprint(read_product_system(PV))
    m = result.matrices
    full = footprint_monte_carlo(m, 1500, seed=3)
    assert np.array_equal(full.scores, footprint_monte_carlo(m, 1500, seed=3).scores)
    assert full.deterministic == pytest.approx(result.total, rel=1e-12)
    assert float(np.median(full.scores)) == pytest.approx(result.total, rel=0.02)
    exchanges_only = monte_carlo(
        m.technosphere, m.biosphere, m.characterisation, m.demand, 1500, seed=3
    )
    assert full.scores.std() > 1.2 * exchanges_only.scores.std()
