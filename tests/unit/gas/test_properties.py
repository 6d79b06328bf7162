"""Natural gas from its composition (ISO 6976:2016), checked against the standard's worked examples
1 (Annex D.2) and 3 (D.4) as printed (inputs and sources in ``annex_d.py``), the carbon content by
hand from stoichiometry, and the uncertainty by Monte Carlo (JCGM 101).

The examples' inputs and printed results are as transcribed in
github.com/ErikvanderWerff/iso6976-py_2016, tests/test_annex_d_pdf.py ("transcribed verbatim from
Annex D of the published PDF"); example 1's Z is confirmed by an unrelated implementation
(docs/reference/parks-gas-and-meters.md §1.3)."""

from __future__ import annotations

import pytest

from dualcarbon.errors import InputError
from dualcarbon.gas.composition import composition
from dualcarbon.gas.properties import Conditions, gas_model, gas_properties
from dualcarbon.gas.table import iso_6976

EXAMPLE_1 = {
    "methane": 0.933212,
    "ethane": 0.025656,
    "propane": 0.015368,
    "nitrogen": 0.010350,
    "carbon dioxide": 0.015414,
}
EXAMPLE_1_U = {
    "methane": 0.000346,
    "ethane": 0.000243,
    "propane": 0.000148,
    "nitrogen": 0.000195,
    "carbon dioxide": 0.000111,
}
EXAMPLE_3 = {
    "methane": 0.922393,
    "ethane": 0.025358,
    "propane": 0.015190,
    "n-butane": 0.000523,
    "isobutane": 0.001512,
    "n-pentane": 0.002846,
    "isopentane": 0.002832,
    "neopentane": 0.001015,
    "n-hexane": 0.002865,
    "nitrogen": 0.010230,
    "carbon dioxide": 0.015236,
}
EXAMPLE_3_U = {
    "methane": 0.000348,
    "ethane": 0.000247,
    "propane": 0.000149,
    "n-butane": 0.000018,
    "isobutane": 0.000027,
    "n-pentane": 0.000007,
    "isopentane": 0.000009,
    "neopentane": 0.000004,
    "n-hexane": 0.000008,
    "nitrogen": 0.000195,
    "carbon dioxide": 0.000112,
}
# D.4.3.2: the correlation matrix of example 3's fractions, from the normalisation of the raw
# analysis (upper triangle, in the order of EXAMPLE_3).
EXAMPLE_3_CORRELATION_ROWS = (
    (
        -0.657246,
        -0.377458,
        -0.041205,
        -0.056924,
        0.099228,
        0.061961,
        0.064295,
        0.080202,
        -0.512347,
        -0.265664,
    ),
    (
        -0.035617,
        -0.007450,
        -0.013720,
        -0.085690,
        -0.063295,
        -0.054908,
        -0.074061,
        -0.030668,
        -0.038371,
    ),
    (-0.004442, -0.007810, -0.039877, -0.029677, -0.025538, -0.034574, -0.024994, -0.023925),
    (-0.000824, -0.000592, -0.000551, -0.000372, -0.000567, -0.005703, -0.003373),
    (0.002803, 0.001827, 0.001811, 0.002303, -0.010740, -0.005392),
    (0.079557, 0.071180, 0.094670, -0.072794, -0.014019),
    (0.051085, 0.067927, -0.053627, -0.010845),
    (0.060788, -0.046653, -0.008952),
    (-0.062845, -0.012357),
    (-0.028699,),
)


def example_3_correlations() -> list[tuple[str, str, float]]:
    names = list(EXAMPLE_3)
    return [
        (names[i], names[i + 1 + k], r)
        for i, row in enumerate(EXAMPLE_3_CORRELATION_ROWS)
        for k, r in enumerate(row)
    ]


VOLUMETRIC = ("H_gross_volume", "H_net_volume", "D", "G", "W_gross", "W_net")


def test_annex_d_example_1_values_as_printed() -> None:
    """D.2.3–D.2.9, 15 °C / 15 °C."""
    gas = gas_properties(EXAMPLE_1, combustion_c=15, metering_c=15)
    assert gas.compression == pytest.approx(0.99776224, abs=5e-9)
    assert gas.molar_mass == pytest.approx(17.388430, abs=5e-7)
    assert gas.gross_molar == pytest.approx(906.179959, abs=5e-7)
    assert gas.gross_mass == pytest.approx(52.113961, abs=5e-7)
    assert gas.gross_volume == pytest.approx(38.410611, abs=5e-7)


def test_annex_d_example_1_uncertainties_as_printed() -> None:
    """D.2.6, D.2.8, D.2.10: u(H̄_G) 0.615609872 kJ/mol, u(Ĥ_G) 0.024301 MJ/kg, u(H̃_G) 0.026267
    MJ/m³, fractions uncorrelated."""
    gum = gas_model(composition(EXAMPLE_1, EXAMPLE_1_U), Conditions(15, 15)).uncertainty()
    assert gum.results["H_gross_molar"].u == pytest.approx(0.615609872, abs=5e-9)
    assert gum.results["H_gross_mass"].u == pytest.approx(0.024301, abs=5e-7)
    assert gum.results["H_gross_volume"].u == pytest.approx(0.026267, abs=5e-7)


@pytest.mark.parametrize(
    ("conditions", "values", "identity", "normalisation"),
    [
        (  # D.4.3.1 and D.4.3.2
            Conditions(15, 15),
            (39.73351, 35.86811, 0.76462, 0.62391, 50.30318, 45.40954),
            (0.026917, 0.024757, 0.000586, 0.000478, 0.021588, 0.020151),
            (0.016316, 0.015305, 0.000277, 0.000226, 0.019823, 0.018498),
        ),
        (  # D.4.4.1 and D.4.4.2
            Conditions(25, 0),
            (41.89360, 37.85228, 0.80701, 0.62411, 53.02930, 47.91376),
            (0.028425, 0.026164, 0.000619, 0.000479, 0.022783, 0.021278),
            (0.017241, 0.016181, 0.000293, 0.000227, 0.020914, 0.019528),
        ),
    ],
)
def test_annex_d_example_3_as_printed(
    conditions: Conditions,
    values: tuple[float, ...],
    identity: tuple[float, ...],
    normalisation: tuple[float, ...],
) -> None:
    """Values to their printed digits; uncertainties uncorrelated and with the printed
    normalisation correlation matrix (one transcription calls the latter's printed values about
    twice too large; they follow from the printed matrix by the standard's formulas, which is
    what is checked here)."""
    plain = gas_model(composition(EXAMPLE_3, EXAMPLE_3_U), conditions)
    correlated = gas_model(
        composition(EXAMPLE_3, EXAMPLE_3_U, example_3_correlations()), conditions
    )
    gum, gum_r = plain.uncertainty().results, correlated.uncertainty().results
    for name, value, u, u_r in zip(VOLUMETRIC, values, identity, normalisation, strict=True):
        assert gum[name].value == pytest.approx(value, abs=5e-6), name  # printed to 5 places
        assert gum[name].u == pytest.approx(u, abs=5e-7), name
        assert gum_r[name].u == pytest.approx(u_r, abs=5e-7), name


def test_the_table_molar_masses_are_the_sums_of_their_atoms() -> None:
    """Table 1's M_j against Table A.2's atomic weights: the model builds M from the atoms."""
    table = iso_6976()
    for component in table.components.values():
        built = sum(n * table.atomic_weights[e].value for e, n in component.atoms.items())
        assert built == pytest.approx(component.molar_mass, abs=6e-6), component.name


def test_carbon_of_methane_by_hand() -> None:
    """Pure methane burnt at 25 °C: 12.0107 g C per 802.55 kJ net (890.58 − 2 × 44.013), i.e.
    14.966 tC/TJ; per 10⁴ m³ metered at 20 °C, 12.0107 g per real molar volume Z·R·T/p."""
    gas = gas_properties({"methane": 1.0}, combustion_c=25, metering_c=20)
    net = 890.58 - 44.013 / 2 * 4
    assert gas.net_molar == pytest.approx(net, abs=1e-9)
    assert gas.carbon_per_heat == pytest.approx(12.0107 / net * 1000, rel=1e-12)
    assert gas.carbon_per_heat == pytest.approx(14.966, abs=5e-4)
    volume = (1 - 0.04317**2) * 8.3144621 * 293.15 / 101.325
    assert gas.carbon_per_volume == pytest.approx(12.0107 / volume * 10, rel=1e-12)
    assert gas.net_per_volume_gj == pytest.approx(net / volume * 10, rel=1e-12)


def test_carbon_dioxide_in_the_gas_counts_its_carbon() -> None:
    gas = gas_properties(EXAMPLE_1)
    atoms = 0.933212 + 2 * 0.025656 + 3 * 0.015368 + 0.015414
    assert gas.carbon_atoms == pytest.approx(atoms, rel=1e-12)


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


def test_the_carbon_factor_passes_the_monte_carlo_check() -> None:
    """JCGM 101 clause 8 at two significant digits: the factors an inventory takes (carbon per
    volume and per heat, NCV per volume) and the calorific values and density. Z itself, whose
    model is quadratic in the summation factors, is not required to pass."""
    model = gas_model(composition(EXAMPLE_3, EXAMPLE_3_U, example_3_correlations()))
    checks = model.monte_carlo_check(seed=2026).validations  # adaptive, JCGM 101 7.9
    for name in ("carbon_per_volume", "carbon_per_heat", "ncv_per_volume", "H_net_volume", "D"):
        assert checks[name].passed, (name, checks[name])


def test_chinese_names_are_the_same_components() -> None:
    by_zh = {"甲烷": 0.95, "乙烷": 0.03, "二氧化碳": 0.02}
    by_en = {"methane": 0.95, "ethane": 0.03, "carbon dioxide": 0.02}
    assert gas_properties(by_zh) == gas_properties(by_en)


def test_a_wrong_composition_names_every_problem() -> None:
    with pytest.raises(InputError) as caught:
        gas_properties({"methane": 0.9, "butane": 0.05}, metering_c=17, source="gas.yaml")
    fields = {p.field for p in caught.value.problems}
    assert {"butane", "composition", "metering_c"} <= fields
    assert all(p.file == "gas.yaml" for p in caught.value.problems)


def test_wrong_uncertainties_and_correlations_are_refused() -> None:
    with pytest.raises(InputError) as caught:
        composition(
            {"methane": 0.9, "ethane": 0.1},
            {"methane": -0.001, "propane": 0.001},
            [("methane", "ethane", 1.5), ("methane", "methane", 0.5)],
        )
    fields = {p.field for p in caught.value.problems}
    assert fields == {
        "u.methane",
        "u.propane",
        "correlations.methane/ethane",
        "correlations.methane/methane",
    }


def test_an_impossible_correlation_matrix_is_refused() -> None:
    with pytest.raises(InputError, match="positive semi-definite"):
        composition(
            {"methane": 0.9, "ethane": 0.05, "propane": 0.05},
            {"methane": 0.001, "ethane": 0.001, "propane": 0.001},
            [("methane", "ethane", 0.9), ("methane", "propane", 0.9), ("ethane", "propane", -0.9)],
        )


def test_a_gas_that_does_not_burn_is_refused() -> None:
    with pytest.raises(InputError, match="not a fuel gas"):
        gas_properties({"nitrogen": 0.5, "carbon dioxide": 0.5})
