"""A product system as matrices A, B, c and f: every entry checked against hand arithmetic."""

from __future__ import annotations

import math

import numpy as np
import pytest
from systems import PV, tiny, tiny_raw

from dualcarbon.footprint.matrices import build_matrices, lognormal_sigma_of
from dualcarbon.footprint.model import Stage, validate_product_system
from dualcarbon.footprint.montecarlo import monte_carlo
from dualcarbon.footprint.product_yaml import read_product_system
from dualcarbon.footprint.solver import TechnosphereSolver


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


def test_sigma_of_each_entry() -> None:
    m = build_matrices(tiny())
    by_target = {(e.process, e.target, e.col): e for e in m.entries}
    resin = by_target[("make", "resin", 0)]
    # amount × factor: two independent lognormals, ln 1.2 and ln 1.1 → σ² adds
    assert resin.sigma == pytest.approx(math.hypot(math.log(1.2), math.log(1.1)), rel=1e-12)
    assert by_target[("make", "co2", 0)].sigma == 0  # normal distribution: 0 for now
    assert by_target[("make", "part", 0)].sigma == 0  # no data quality: exact
    assert m.biosphere.sigma.shape == m.biosphere.values.shape


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


def test_lognormal_sigma_of_other_types_is_zero() -> None:
    from dualcarbon.footprint.model import Uncertainty, UncertaintyType

    assert lognormal_sigma_of(Uncertainty(type=UncertaintyType.LOGNORMAL, scale=0.3)) == 0.3
    assert lognormal_sigma_of(Uncertainty(type=UncertaintyType.NORMAL, scale=0.3)) == 0.0
    assert lognormal_sigma_of(Uncertainty(type=UncertaintyType.UNDEFINED)) == 0.0


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
