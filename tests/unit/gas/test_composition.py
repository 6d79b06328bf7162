"""Natural gas from its composition (ISO 6976:2016), checked against the standard's worked example
1 (Annex D.2, 15 °C / 15 °C, as printed and transcribed in
github.com/ErikvanderWerff/iso6976-py_2016, tests/test_annex_d_pdf.py; its Z confirmed by an
unrelated implementation), and the carbon content by hand from stoichiometry."""

from __future__ import annotations

import math

import pytest

from dualcarbon.errors import InputError
from dualcarbon.gas.composition import CARBON_MOLAR_MASS, gas_properties, iso_6976

EXAMPLE_1 = {
    "methane": 0.933212,
    "ethane": 0.025656,
    "propane": 0.015368,
    "nitrogen": 0.010350,
    "carbon dioxide": 0.015414,
}


def test_annex_d_example_1_as_printed() -> None:
    gas = gas_properties(EXAMPLE_1, combustion_c=15, metering_c=15)
    assert gas.compression == pytest.approx(0.99776224, abs=5e-9)
    assert gas.molar_mass == pytest.approx(17.388430, abs=5e-7)
    assert gas.gross_molar == pytest.approx(906.179959, abs=5e-7)
    assert gas.gross_mass == pytest.approx(52.113961, abs=5e-7)
    assert gas.gross_volume == pytest.approx(38.410611, abs=5e-7)


def test_net_values_density_and_relative_density_by_the_formulas() -> None:
    """Net = gross − L°/2 · Σ x_j b_j (L° 44.431 kJ/mol at 15 °C), D = M/(Z·R·T/p),
    G = (M/M_air)·Z_air/Z: worked here from the fractions, the table and the constants."""
    gas = gas_properties(EXAMPLE_1, combustion_c=15, metering_c=15)
    hydrogen = 0.933212 * 4 + 0.025656 * 6 + 0.015368 * 8
    assert gas.net_molar == pytest.approx(906.179959 - 44.431 / 2 * hydrogen, abs=1e-6)
    volume = 0.99776224 * 8.3144621 * 288.15 / 101.325
    assert gas.density == pytest.approx(17.388430 / volume, rel=1e-7)
    assert gas.relative_density == pytest.approx(
        17.388430 / 28.96546 * 0.999595 / 0.99776224, rel=1e-7
    )


def test_carbon_of_methane_by_hand() -> None:
    """Pure methane burnt at 25 °C: 12.0107 g C per 802.55 kJ net (890.58 − 2 × 44.013), i.e.
    14.966 tC/TJ; per 10⁴ m³ metered at 20 °C, 12.0107 g per real molar volume Z·R·T/p."""
    gas = gas_properties({"methane": 1.0}, combustion_c=25, metering_c=20)
    net = 890.58 - 44.013 / 2 * 4
    assert gas.net_molar == pytest.approx(net, abs=1e-9)
    assert gas.carbon_per_heat == pytest.approx(CARBON_MOLAR_MASS / net * 1000, rel=1e-12)
    assert gas.carbon_per_heat == pytest.approx(14.966, abs=5e-4)
    z = 1 - 0.04317**2
    volume = z * 8.3144621 * 293.15 / 101.325
    assert gas.carbon_per_volume == pytest.approx(CARBON_MOLAR_MASS / volume * 10, rel=1e-12)


def test_carbon_dioxide_in_the_gas_counts_its_carbon() -> None:
    gas = gas_properties(EXAMPLE_1)
    atoms = 0.933212 + 2 * 0.025656 + 3 * 0.015368 + 0.015414
    assert gas.carbon_atoms == pytest.approx(atoms, rel=1e-12)


def test_every_table_row_has_its_columns() -> None:
    table = iso_6976()
    for component in table.components.values():
        assert set(component.gross) == {15, 20, 25}
        assert {15, 20} <= set(component.summation)
        assert component.molar_mass > 0 and math.isfinite(component.molar_mass)


def test_a_wrong_composition_names_every_problem() -> None:
    with pytest.raises(InputError) as caught:
        gas_properties({"methane": 0.9, "butane": 0.05}, metering_c=17, source="gas.yaml")
    fields = {p.field for p in caught.value.problems}
    assert {"butane", "composition", "metering_c"} <= fields
    assert all(p.file == "gas.yaml" for p in caught.value.problems)
