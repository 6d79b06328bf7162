"""JCGM 101:2008 (GUM Supplement 1) clause 9 examples: the published GUF and MCM figures.

Values of JCGM 101:2008 clause 9 (https://www.bipm.org/en/publications/guides): the GUF figures
recomputed by exact arithmetic, the MCM figures the published ones as recalled by the team and
reproduced by the team's own 2×10⁶-trial simulation; 9.2.2 and 9.2.3 are also asserted by suncal
(https://github.com/sandialabs/suncal, ``test/test_examples.py::test_montecarlo``). Confidence:
medium for the MCM figures (recalled, not re-read in the official text, but reproduced to Monte
Carlo noise). Monte Carlo tolerances are set to the noise of 10⁶ trials.
"""

import math

import pytest

from dualcarbon.uncertainty import distributions as d
from dualcarbon.uncertainty.gum import law_of_propagation
from dualcarbon.uncertainty.mcm import monte_carlo, validate
from dualcarbon.uncertainty.model import MeasurementModel

SUM = ["Y = X1 + X2 + X3 + X4"]


def test_9_2_2_normal_inputs() -> None:
    model = MeasurementModel.build(SUM, [d.normal(f"X{i}", 0.0, 1.0) for i in range(1, 5)])
    gum = law_of_propagation(model).results["Y"]
    mcm = monte_carlo(model, seed=922)["Y"]
    assert gum.u == pytest.approx(2.0) and gum.interval[1] == pytest.approx(3.92, abs=0.005)
    assert mcm.u == pytest.approx(2.0, abs=0.01)
    assert mcm.interval == pytest.approx((-3.92, 3.92), abs=0.02)
    assert validate(gum, mcm).passed


def test_9_2_3_rectangular_inputs() -> None:
    a = math.sqrt(3)
    model = MeasurementModel.build(SUM, [d.rectangular(f"X{i}", -a, a) for i in range(1, 5)])
    gum = law_of_propagation(model).results["Y"]
    mcm = monte_carlo(model, seed=923)["Y"]
    assert gum.interval == pytest.approx((-3.92, 3.92), abs=0.005)
    assert mcm.interval == pytest.approx((-3.88, 3.88), abs=0.01)  # Table 3


def test_9_2_4_one_dominant_rectangular_input() -> None:
    a = math.sqrt(3)
    inputs = [d.rectangular(f"X{i}", -a, a) for i in range(1, 4)]
    inputs.append(d.rectangular("X4", -10 * a, 10 * a))
    model = MeasurementModel.build(SUM, inputs)
    gum = law_of_propagation(model).results["Y"]
    mcm = monte_carlo(model, seed=924)["Y"]
    assert gum.u == pytest.approx(math.sqrt(103))  # 10.1
    assert gum.interval == pytest.approx((-19.9, 19.9), abs=0.05)
    assert mcm.interval == pytest.approx((-17.0, 17.0), abs=0.1)  # Table 4
    assert not validate(gum, mcm).passed  # the law of propagation is not validated here


def test_9_3_mass_calibration() -> None:
    """δm = (m_R,c + δm_R,c)[1 + (ρ_a − ρ_a0)(1/ρ_W − 1/ρ_R)] − m_nom, in mg."""
    model = MeasurementModel.build(
        ["dm = (m_Rc + dm_Rc) * (1 + (rho_a - 1.2) * (1 / rho_W - 1 / rho_R)) - 100000"],
        [
            d.normal("m_Rc", 100000.0, 0.050),
            d.normal("dm_Rc", 1.234, 0.020),
            d.rectangular("rho_a", 1.10, 1.30),
            d.rectangular("rho_W", 7000.0, 9000.0),
            d.rectangular("rho_R", 7950.0, 8050.0),
        ],
    )
    gum = law_of_propagation(model).results["dm"]
    mcm = monte_carlo(model, seed=93)["dm"]
    assert gum.value == pytest.approx(1.2340, abs=5e-5)
    assert gum.u == pytest.approx(0.0539, abs=5e-5)  # first order, Table 6
    assert mcm.u == pytest.approx(0.0754, abs=0.0005)
    # Table 7 gives the shortest 95 % interval. The output is nearly symmetric, so where the
    # shortest interval sits is poorly determined: at 10⁶ trials its ends wander by ±0.001 mg
    # from run to run while its width stays put.
    low, high = mcm.shortest_interval
    assert high - low == pytest.approx(1.3825 - 1.0834, abs=0.0005)
    assert (low, high) == pytest.approx((1.0834, 1.3825), abs=0.002)
    assert not validate(gum, mcm).passed  # JCGM 101 9.3.2.5: first-order GUF not validated


@pytest.mark.parametrize("r", [0.0, 0.9])
def test_9_4_comparison_loss_at_zero(r: float) -> None:
    """δY = X1² + X2², x1 = 0, u = 0.005: GUF gives u = 0, MCM mean 5.0e-5, u 5.0e-5 (r = 0)."""
    model = MeasurementModel.build(
        ["dY = X1**2 + X2**2"],
        [d.normal("X1", 0.0, 0.005), d.normal("X2", 0.0, 0.005)],
        [("X1", "X2", r)] if r else [],
    )
    gum = law_of_propagation(model).results["dY"]
    mcm = monte_carlo(model, seed=94)["dY"]
    assert gum.u == 0.0
    assert mcm.value == pytest.approx(2 * 0.005**2, rel=0.01)  # E[δY] = x1² + 2u²
    expected_u = 5.00e-5 if r == 0 else 6.72e-5
    assert mcm.u == pytest.approx(expected_u, rel=0.01)
    assert mcm.shortest_interval[0] == pytest.approx(0.0, abs=1e-6)
    assert not validate(gum, mcm).passed


def test_adaptive_procedure_stabilises() -> None:
    """JCGM 101 7.9: blocks of 10⁴ until 2·s ≤ δ; the result agrees with the exact interval."""
    model = MeasurementModel.build(SUM, [d.normal(f"X{i}", 0.0, 1.0) for i in range(1, 5)])
    result = monte_carlo(model, trials=None, seed=7)["Y"]
    assert result.trials % 10_000 == 0 and result.trials >= 20_000
    assert result.interval == pytest.approx((-3.92, 3.92), abs=0.05)


def test_9_5_gauge_block_calibration() -> None:
    """JCGM 101 9.5: the GUM H.1 gauge block with full PDFs; lengths in nm.

    L = [L_s(1 + α_s θ_s) + D]/[1 + (α_s + δα)θ], θ_s = θ − δθ, θ = θ̄ + Δ, D = D̄ + D₁ + D₂.
    Published: GUF 838 nm, u 32 nm; MCM 838 nm, u 36 nm, 99 % interval [745, 932] nm.
    """
    model = MeasurementModel.build(
        [
            "theta = theta_bar + Delta",
            "D = D_bar + D1 + D2",
            "L = (L_s * (1 + alpha_s * (theta - d_theta)) + D) / (1 + (alpha_s + d_alpha) * theta)",
            "dL = L - 50000000",
        ],
        [
            d.t_distribution("L_s", 50_000_623.0, 25.0, 18),
            d.t_distribution("D_bar", 215.0, 5.8, 24),
            d.t_distribution("D1", 0.0, 3.9, 5),
            d.t_distribution("D2", 0.0, 6.7, 8),
            d.rectangular("alpha_s", 9.5e-6, 13.5e-6),
            d.normal("theta_bar", -0.1, 0.2),
            d.arcsine("Delta", 0.0, 0.5),
            d.curvilinear_trapezoid("d_alpha", 0.0, 1e-6, 0.1e-6),
            d.curvilinear_trapezoid("d_theta", 0.0, 0.050, 0.025),
        ],
    )
    gum = law_of_propagation(model, coverage=0.99).results["dL"]
    mcm = monte_carlo(model, coverage=0.99, seed=95)["dL"]
    assert round(gum.value) == 838 and round(gum.u) == 32
    assert round(mcm.value) == 838
    assert mcm.u == pytest.approx(36, abs=0.7)
    assert mcm.shortest_interval == pytest.approx((745, 932), abs=2)
