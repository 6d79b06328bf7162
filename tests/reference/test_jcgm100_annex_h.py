"""JCGM 100:2008 (GUM) Annex H worked examples, to the digits the GUM publishes.

Input data and published results of JCGM 100:2008 Annex H
(https://www.bipm.org/en/publications/guides), as the public test suites of GTC
(https://github.com/MSLNZ/GTC, ``examples/GUM_H1.py``–``GUM_H3.py``, ``docs/API/GUM_H*.rst``) and
suncal (https://github.com/sandialabs/suncal, ``test/test_examples.py``, ``test/test_GUMH2.csv``,
``test/test_curvefit.py``) carry them, and recomputed by the team from the inputs (confidence:
high, every figure read in those suites or recomputed; the GUM's own text was not re-read for
each digit).
"""

import math

import numpy as np
import pytest

from dualcarbon.uncertainty import distributions as d
from dualcarbon.uncertainty.gum import coverage_factor, law_of_propagation, welch_satterthwaite
from dualcarbon.uncertainty.model import MeasurementModel


def test_H1_end_gauge_calibration() -> None:
    """GUM H.1: l = l_s + d − l_s(δα·θ + α_s·δθ); result 50.000 838 mm, u_c 32 nm, 99 %."""
    model = MeasurementModel.build(
        ["l = l_s + d - l_s * (d_alpha * theta + alpha_s * d_theta)"],
        [
            d.normal("l_s", 50.000623, 25e-6, dof=18),  # mm; certificate U = 0.075 µm, k = 3
            d.normal("d", 215e-6, 9.7e-6, dof=25.6),  # H.1.3.2: ν(d) from W–S
            d.normal("alpha_s", 11.5e-6, 1.2e-6),  # °C⁻¹
            d.normal("theta", -0.1, 0.41),  # °C
            d.normal("d_alpha", 0.0, 0.58e-6, dof=50),
            d.normal("d_theta", 0.0, 0.029, dof=2),
        ],
    )
    result = law_of_propagation(model, coverage=0.99).results["l"]
    assert result.value == pytest.approx(50.000838, abs=5e-7)
    assert round(result.u * 1e6) == 32  # nm, Table H.1 / H.1.5
    assert result.dof == pytest.approx(16.7, abs=0.1)  # H.1.6: ν_eff = 16.7 → 16
    assert result.k == pytest.approx(2.92, abs=0.005)  # t_99(16), Table G.2
    assert round(result.U * 1e6) == 93  # nm, H.1.6
    contributions = {line.input: abs(line.contribution) * 1e6 for line in result.budget}
    assert contributions["l_s"] == pytest.approx(25, abs=0.05)
    assert contributions["d"] == pytest.approx(9.7, abs=0.05)
    assert contributions["d_alpha"] == pytest.approx(2.9, abs=0.05)
    assert contributions["d_theta"] == pytest.approx(16.6, abs=0.1)
    assert contributions["alpha_s"] == 0.0 and contributions["theta"] == 0.0


def test_H2_resistance_and_reactance() -> None:
    """GUM H.2, Table H.4: R, X, Z and their correlations from five simultaneous observations."""
    V = [5.007, 4.994, 5.005, 4.990, 4.999]
    I = [19.663e-3, 19.639e-3, 19.640e-3, 19.685e-3, 19.678e-3]
    phi = [1.0456, 1.0438, 1.0468, 1.0428, 1.0433]

    def r(a: list[float], b: list[float]) -> float:
        return float(np.corrcoef(a, b)[0, 1])

    model = MeasurementModel.build(
        ["R = V / I * cos(phi)", "X = V / I * sin(phi)", "Z = V / I"],
        [d.type_a("V", V), d.type_a("I", I), d.type_a("phi", phi)],
        [("V", "I", r(V, I)), ("V", "phi", r(V, phi)), ("I", "phi", r(I, phi))],
    )
    outputs = law_of_propagation(model)
    got = {name: (res.value, res.u) for name, res in outputs.results.items()}
    assert got["R"] == pytest.approx((127.732, 0.071), abs=1e-3)
    assert got["X"] == pytest.approx((219.847, 0.295), abs=1e-3)
    assert got["Z"] == pytest.approx((254.260, 0.236), abs=1e-3)
    correlation = outputs.correlation
    assert correlation[0, 1] == pytest.approx(-0.588, abs=1e-3)
    assert correlation[0, 2] == pytest.approx(-0.485, abs=1e-3)
    assert correlation[1, 2] == pytest.approx(0.993, abs=1e-3)
    # GTC type_a.multi_estimate_real gives u(R) = 0.071071407396995 with ν = 4 (Willink 2007)
    assert outputs.results["R"].u == pytest.approx(0.071071407396995, rel=1e-9)
    assert outputs.results["R"].dof == pytest.approx(4)


@pytest.mark.parametrize(
    ("coverage", "dof", "k"),
    [(0.95, 16, 2.12), (0.9545, 16, 2.17), (0.99, 16, 2.92), (0.9545, math.inf, 2.00)],
)
def test_coverage_factors_table_G2(coverage: float, dof: float, k: float) -> None:
    assert coverage_factor(dof, coverage) == pytest.approx(k, abs=0.005)


def test_welch_satterthwaite_H16() -> None:
    """The W–S check of R propagate::WelchSatter 'taken from GUM H.1.6'."""
    u = [25.0, 9.7, 2.9, 16.6]
    dof = [18.0, 25.6, 50.0, 2.0]
    u_c = math.sqrt(sum(x * x for x in u))
    assert welch_satterthwaite(u_c, [(x * x, n) for x, n in zip(u, dof, strict=True)]) == (
        pytest.approx(16.7, abs=0.1)
    )


def test_effective_dof_simple_sum() -> None:
    """a + b, u_a = 0.57 (ν 9), u_b = 0.25 (ν ∞): ν_eff = 12.8 (suncal test_DEGF)."""
    model = MeasurementModel.build(
        ["y = a + b"], [d.normal("a", 1.0, 0.57, dof=9), d.normal("b", 1.0, 0.25)]
    )
    assert law_of_propagation(model).results["y"].dof == pytest.approx(12.8, abs=0.05)


def test_H3_thermometer_calibration() -> None:
    """GUM H.3: b(t) = y₁ + y₂(t − t₀), t₀ = 20 °C, Table H.6 data; the correction at 30 °C."""
    from dualcarbon.uncertainty.least_squares import straight_line_fit

    t = [21.521, 22.012, 22.512, 23.003, 23.507, 23.999, 24.513, 25.002, 25.503, 26.010, 26.511]
    b = [-0.171, -0.169, -0.166, -0.159, -0.164, -0.165, -0.156, -0.157, -0.159, -0.161, -0.160]
    fit = straight_line_fit(t, b, x0=20.0)
    assert fit.intercept.value == pytest.approx(-0.1712, abs=1e-4)
    assert fit.intercept.u == pytest.approx(0.0029, abs=5e-5)
    assert fit.slope.value == pytest.approx(0.00218, abs=1e-5)
    assert fit.slope.u == pytest.approx(0.00067, abs=5e-6)
    assert fit.correlation == pytest.approx(-0.930, abs=1e-3)
    assert fit.residual_sd == pytest.approx(0.0035, abs=5e-5)
    assert fit.intercept.dof == 9
    model = MeasurementModel.build(
        ["b30 = y1 + y2 * (30 - 20)"], [fit.intercept, fit.slope], fit.correlations
    )
    b30 = law_of_propagation(model).results["b30"]
    assert b30.value == pytest.approx(-0.1494, abs=1e-4)
    assert b30.u == pytest.approx(0.0041, abs=5e-5)
