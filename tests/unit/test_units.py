"""The unit registry: Chinese units, and refusal of unit mistakes."""

import pytest

from dualcarbon.errors import UnitMismatchError, UnknownUnitError
from dualcarbon.units import conversion_factor, parse_unit


def test_kgce_is_29_3076_megajoule() -> None:
    # GB/T 2589-2020: 1 kgce = 29 307.6 kJ (7 000 kcal_IT).
    assert conversion_factor("kgce", "MJ") == pytest.approx(29.3076, rel=1e-12)
    assert conversion_factor("tce", "GJ") == pytest.approx(29.3076, rel=1e-12)


@pytest.mark.parametrize(
    ("given", "target", "factor"),
    [
        ("万kWh", "MWh", 10.0),
        ("10^4 kWh", "kWh", 1e4),
        ("万Nm³", "Nm3", 1e4),
        ("GJ/万Nm3", "GJ/Nm3", 1e-4),
        ("GJ/(10^4 Nm3)", "GJ/Nm3", 1e-4),
        ("kgCO2/kWh", "tCO2/MWh", 1.0),
        ("TJ/Gg", "GJ/t", 1.0),
        ("kgC/GJ", "tC/GJ", 1e-3),
        ("kgCO2/TJ", "tCO2/GJ", 1e-6),
        ("%", "dimensionless", 0.01),
        ("gce/kWh", "kgce/kWh", 1e-3),
        ("万tCO2e", "tCO2e", 1e4),
    ],
)
def test_chinese_spellings_convert(given: str, target: str, factor: float) -> None:
    assert conversion_factor(given, target) == pytest.approx(factor, rel=1e-12)


@pytest.mark.parametrize(
    ("given", "target"),
    [
        ("t", "GJ"),  # mass where energy is required
        ("tC", "tCO2"),  # carbon is not CO2: the 44/12 must be applied by a formula
        ("tCO2", "tCO2e"),  # a gas mass needs a GWP to become CO2e
        ("m3", "Nm3"),  # operating volume must be corrected to normal conditions first
        ("GJ/t", "GJ/万Nm3"),
    ],
)
def test_unit_of_wrong_kind_is_refused(given: str, target: str) -> None:
    with pytest.raises(UnitMismatchError) as info:
        conversion_factor(given, target, quantity_name="ncv")
    assert "ncv" in str(info.value)
    assert given in str(info.value)


def test_unknown_unit_is_named() -> None:
    with pytest.raises(UnknownUnitError, match="bananas"):
        parse_unit("bananas")
