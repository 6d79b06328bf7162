"""A product system as matrices A, B, c and f: every entry checked against hand arithmetic."""

from __future__ import annotations

import math

import numpy as np
import pytest
from systems import PV, tiny, tiny_raw

from dualcarbon.errors import InputError
from dualcarbon.footprint.matrices import build_matrices, scaled_law
from dualcarbon.footprint.model import Stage, validate_product_system
from dualcarbon.footprint.montecarlo import (
    LOGNORMAL,
    NONE,
    NORMAL,
    TRIANGULAR,
    UNIFORM,
    monte_carlo,
)
from dualcarbon.footprint.solver import TechnosphereSolver
from dualcarbon.io.product_yaml import read_product_system


def test_index_maps_and_technosphere() -> None:
    m = build_matrices(tiny())
    # one column per (process, product); the co-product process has two
    assert [(c.process, c.product) for c in m.columns] == [
        ("make", "widget"),
        ("cast", "part"),
        ("cast", "slag"),
        ("heat", "steam"),
    ]
    assert m.products == ("widget", "part", "slag", "steam")
    assert m.column_index[("cast", "slag")] == 2
    assert m.product_index["steam"] == 3
    assert m.reference_column == 0
    assert [c.allocation for c in m.columns] == [1.0, 0.7, 0.3, 1.0]
    expected = np.array(
        [
            # make  cast/part  cast/slag  heat
            [1.0, 0.0, 0.0, 0.0],  # widget
            [-0.5, 1.0, 0.0, 0.0],  # part: make uses 0.5 kg
            [0.0, 0.0, 0.25, 0.0],  # slag: 0.25 kg, unallocated, on the diagonal
            [-3.0, 0.7 * 1, 0.3 * 1, 1.0],  # steam: make uses 3 MJ; cast avoids 1 MJ (credit +)
        ]
    )
    np.testing.assert_allclose(m.technosphere.matrix().toarray(), expected, rtol=1e-14)
    np.testing.assert_array_equal(m.demand, [1.0, 0.0, 0.0, 0.0])


def test_biosphere_and_characterisation() -> None:
    m = build_matrices(tiny())
    assert [r.id for r in m.biosphere_rows] == [
        "co2",
        "ch4",
        "background:resin",
        "background:steel",
        "electricity:grid_power",
        "electricity:ppa_power",
    ]
    # c: GWP per flow unit (kg); folded rows are already kgCO2e
    np.testing.assert_allclose(m.characterisation, [1.0, 29.8, 1, 1, 1, 1], rtol=1e-14)
    assert m.biosphere_rows[1].factor_ref == "gwp-ipcc-ar6/gwp/CH4_fossil@1"
    expected = np.array(
        [
            # make    cast/part        cast/slag        heat
            [0.1, 0.7 * 1.0, 0.3 * 1.0, 0.07],  # co2 [kg]
            [0.002, 0.0, 0.0, 0.0],  # ch4: 2 g = 0.002 kg
            [0.5 * 3.0, 0.0, 0.0, 0.0],  # resin: 0.5 kg × 3.0
            [0.0, -0.2 * 0.7 * 2.0, -0.2 * 0.3 * 2.0, 0.0],  # avoided steel: credit
            [2 * 0.5366, 0.0, 0.0, 0.0],  # grid: 2 kWh × 0.5366
            [0.0, 10 * 0.7 * 0.4, 10 * 0.3 * 0.4, 0.0],  # PPA: 10 kWh × 0.4, allocated
        ]
    )
    np.testing.assert_allclose(m.biosphere.matrix().toarray(), expected, rtol=1e-12)


def test_law_of_each_entry() -> None:
    m = build_matrices(tiny())
    by_target = {(e.process, e.target, e.col): e for e in m.entries}
    resin = by_target[("make", "resin", 0)]
    # the amount's own lognormal (U_b 1.44: σ = ln 1.2); the factor's is the row's multiplier
    assert (resin.kind, resin.sigma) == (LOGNORMAL, pytest.approx(math.log(1.2), rel=1e-12))
    co2 = by_target[("make", "co2", 0)]
    assert (co2.kind, co2.sigma) == (NORMAL, pytest.approx(0.01))  # normal, σ 0.01 kg, ratio 1
    part = by_target[("make", "part", 0)]
    assert (part.kind, part.sigma) == (NONE, 0.0)  # no data quality: exact
    assert m.biosphere.kind is not None and m.biosphere.kind.shape == m.biosphere.values.shape


def test_factor_multipliers_one_per_biosphere_row() -> None:
    """The resin factor (U_b 1.21: σ = ln 1.1) is one multiplier of its row, shared by its uses;
    flows and factors stated without uncertainty are exact."""
    m = build_matrices(tiny())
    row = m.biosphere_index
    assert np.all(m.factors.values == 1.0)
    assert m.factors.kind[row["background:resin"]] == LOGNORMAL
    assert m.factors.sigma[row["background:resin"]] == pytest.approx(math.log(1.1), rel=1e-12)
    for exact in ("co2", "ch4", "background:steel", "electricity:grid_power"):
        assert m.factors.kind[row[exact]] == NONE


def test_electricity_factor_uncertainty() -> None:
    """A location-based choice may state the grid factor's data quality; a contract its own."""
    raw = tiny_raw()
    grid = raw["processes"][0]["exchanges"][2]["electricity"]
    grid["basic_uncertainty"] = 1.21  # σ = ln 1.1
    ppa = raw["processes"][1]["exchanges"][2]["electricity"]
    ppa["uncertainty"] = {"type": 4, "minimum": 0.3, "maximum": 0.5}  # kgCO2e/kWh
    m = build_matrices(validate_product_system(raw))
    row = m.biosphere_index
    assert m.factors.kind[row["electricity:grid_power"]] == LOGNORMAL
    assert m.factors.sigma[row["electricity:grid_power"]] == pytest.approx(math.log(1.1))
    i = row["electricity:ppa_power"]
    assert m.factors.kind[i] == UNIFORM
    assert (m.factors.low[i], m.factors.high[i]) == (pytest.approx(0.75), pytest.approx(1.25))


def test_on_site_electricity_states_no_factor_uncertainty() -> None:
    raw = tiny_raw()
    raw["processes"][0]["exchanges"][2]["electricity"] = {
        "basis": "on_site",
        "basic_uncertainty": 1.21,
    }
    with pytest.raises(InputError, match="on-site electricity's uncertainty"):
        validate_product_system(raw)


def test_cut_off_inputs_enter_no_matrix() -> None:
    m = build_matrices(tiny())
    assert [(c.process, c.product, c.amount) for c in m.cut_off] == [("make", "glue", 0.01)]
    assert all(e.target != "glue" for e in m.entries)


def test_stage_override_is_carried() -> None:
    raw = tiny_raw()
    raw["processes"][0]["exchanges"][7]["stage"] = "raw_material_acquisition"
    m = build_matrices(validate_product_system(raw))
    ch4 = next(e for e in m.entries if e.target == "ch4")
    assert ch4.stage is Stage.RAW_MATERIAL_ACQUISITION


def test_scaled_law() -> None:
    """x ~ law, value = ratio × x: σ of ln x is kept, a normal's σ and the bounds scale (and
    swap when the ratio is negative: an input of A)."""
    from dualcarbon.footprint.model import Uncertainty, UncertaintyType

    lognormal = Uncertainty(type=UncertaintyType.LOGNORMAL, scale=0.3)
    assert scaled_law(lognormal, -2.0) == (LOGNORMAL, 0.3, 0.0, 0.0)
    assert scaled_law(Uncertainty(type=UncertaintyType.NORMAL, scale=0.3), -2.0) == (
        NORMAL,
        pytest.approx(0.6),
        0.0,
        0.0,
    )
    uniform = Uncertainty(type=UncertaintyType.UNIFORM, minimum=1.0, maximum=3.0)
    assert scaled_law(uniform, -2.0) == (UNIFORM, 0.0, -6.0, -2.0)
    triangle = Uncertainty(type=UncertaintyType.TRIANGULAR, loc=2.0, minimum=1.0, maximum=4.0)
    assert scaled_law(triangle, 0.5) == (TRIANGULAR, 0.0, 0.5, 2.0)
    assert scaled_law(Uncertainty(type=UncertaintyType.UNDEFINED), 3.0)[0] == NONE
    assert scaled_law(lognormal, 0.0)[0] == NONE


def test_pv_matrices_solve_and_monte_carlo_runs() -> None:
    m = build_matrices(read_product_system(PV))
    supply = TechnosphereSolver(m.technosphere.matrix()).solve(m.demand)
    score = float(m.characterisation @ (m.biosphere.matrix() @ supply))
    assert score == pytest.approx(69.63194132593111, rel=1e-9)  # hand sum: test_footprint.py
    result = monte_carlo(m.technosphere, m.biosphere, m.characterisation, m.demand, 2000, seed=42)
    again = monte_carlo(m.technosphere, m.biosphere, m.characterisation, m.demand, 2000, seed=42)
    assert np.array_equal(result.scores, again.scores)
    assert result.deterministic == pytest.approx(score, rel=1e-12)
    # lognormal exchanges of small σ: the median stays within 1 % of the deterministic score
    assert float(np.median(result.scores)) == pytest.approx(score, rel=0.01)
    assert np.std(result.scores) > 0
