"""Standard uncertainties of the JCGM 101 distributions, and their samples."""

import math

import numpy as np
import pytest

from dualcarbon.uncertainty import distributions as d


@pytest.mark.parametrize(
    ("quantity", "u"),
    [
        (d.rectangular("x", -1.0, 1.0), 1 / math.sqrt(3)),  # JCGM 100 4.3.7: a/√3
        (d.triangular("x", -1.0, 1.0), 1 / math.sqrt(6)),  # a/√6
        (d.arcsine("x", 0.0, 1.0), 1 / math.sqrt(2)),  # JCGM 101 6.4.6: a/√2
        (d.trapezoidal("x", -1.0, 1.0, 0.5), math.sqrt(4 * 1.25 / 24)),  # (b−a)²(1+β²)/24
        (d.trapezoidal("x", -1.0, 1.0, 1.0), 1 / math.sqrt(3)),  # β = 1 is rectangular
        (d.trapezoidal("x", -1.0, 1.0, 0.0), 1 / math.sqrt(6)),  # β = 0 is triangular
        (d.normal("x", 5.0, 0.2), 0.2),
        (d.lognormal("x", 2.0, 0.3), 0.3),
    ],
)
def test_standard_uncertainty_and_samples_agree(quantity: d.InputQuantity, u: float) -> None:
    assert quantity.u == pytest.approx(u, rel=1e-12)
    samples = quantity.sample(np.random.default_rng(1), 400_000)
    assert samples.std() == pytest.approx(u, rel=0.01)
    assert samples.mean() == pytest.approx(quantity.value, abs=0.01 * u + 1e-12)


def test_asymmetric_triangle_mean_and_u() -> None:
    q = d.triangular("x", 0.0, 3.0, mode=0.0)
    assert q.value == pytest.approx(1.0)
    assert q.u == pytest.approx(math.sqrt(9 / 18))


def test_type_a() -> None:
    # GUM H.2 V column: mean 4.9990 V, s(mean) 0.0032 V, ν = 4
    q = d.type_a("V", [5.007, 4.994, 5.005, 4.990, 4.999])
    assert (q.value, round(q.u, 4), q.dof) == (pytest.approx(4.999), 0.0032, 4)


def test_t_samples_have_the_t_variance() -> None:
    # JCGM 101 6.4.9: t_ν scaled by u has variance u²·ν/(ν − 2)
    q = d.t_distribution("x", 0.0, 1.0, 6)
    samples = q.sample(np.random.default_rng(2), 400_000)
    assert samples.var() == pytest.approx(6 / 4, rel=0.02)


def test_accuracy_class_to_rectangular() -> None:
    # a class-0.5 belt weigher reading 1 000 t: ±5 t, u = 5/√3 t
    q = d.from_accuracy("FC", 1000.0, 0.005)
    assert q.u == pytest.approx(5 / math.sqrt(3))


@pytest.mark.parametrize(
    "make",
    [
        lambda: d.rectangular("x", 1.0, 1.0),
        lambda: d.normal("x", 1.0, -0.1),
        lambda: d.trapezoidal("x", 0.0, 1.0, 1.5),
        lambda: d.type_a("x", [1.0]),
        lambda: d.triangular("x", 0.0, 1.0, mode=2.0),
    ],
)
def test_nonsense_is_refused(make: object) -> None:
    with pytest.raises(ValueError):
        make()  # type: ignore[operator]


def test_curvilinear_trapezoid() -> None:
    # JCGM 101 6.4.3.3: u² = a²/3 + d²/9
    q = d.curvilinear_trapezoid("x", 0.0, 1.0, 0.3)
    assert q.u == pytest.approx(math.sqrt(1 / 3 + 0.09 / 9))
    samples = q.sample(np.random.default_rng(9), 400_000)
    assert samples.std() == pytest.approx(q.u, rel=0.01)
