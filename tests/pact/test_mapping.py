"""The worked PV module (demo/data/footprint/pv-module-simple.yaml) computed and mapped to a PACT
v3 ProductFootprint, its numbers checked by hand.

Hand calculation (every amount from the example file; the grid factor 0.5366 kgCO2/kWh is
cn-grid-ef-2022 national, the NF3 GWP 17400 IPCC AR6 WG1 Table 7.SM.7, both from the catalogue):

supplies for 1 m² of module: cells 0.92 m² (cell_packing); wafer 0.92/0.97 = 0.948454 m²;
glass 3.2 mm × 2500 kg/m³ × 1.02 = 8.16 kg; frame process 1.3 activity units, with
allocation 0.892857 → 1.160714 allocated; secondary aluminium 0.42 × 1.160714 = 0.4875 kg.

================================  ========================================  ==========
line                              arithmetic                                kgCO2e
================================  ========================================  ==========
wafer polysilicon                 0.70 × 0.948454 × 35                      23.237113
wafer electricity                 25 × 0.948454 × 0.5366                    12.723505
cell electricity (primary)        11 × 0.92 × 0.5366                         5.430392
cell NF3                          0.00005 × 0.92 × 17400                     0.8004
glass CO2                         0.60 × 8.16                                4.896
glass electricity                 0.25 × 8.16 × 0.5366                       1.094664
remelting CO2                     0.35 × 0.4875                              0.170625
remelting electricity             0.4 × 0.4875 × 0.5366                      0.104637
frame primary aluminium           0.70 × 1.160714 × 17                      13.812498
frame electricity                 1.2 × 1.160714 × 0.5366                    0.747407
EVA and backsheet (primary)       1.4 × 3.0                                  4.2
assembly electricity (primary)    4.5 × 0.5366                               2.4147
================================  ========================================  ==========
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from dualcarbon.footprint.footprint import FootprintResult, compute_footprint
from dualcarbon.footprint.model import ProductSystem, validate_product_system
from dualcarbon.pact.decimals import decimal_string
from dualcarbon.pact.dqr import weighted_dqr
from dualcarbon.pact.mapping import (
    PactMappingError,
    declared_quantity,
    declared_unit,
    geography,
    ipcc_reports,
    product_footprint,
)
from dualcarbon.pact.publication import Publication
from dualcarbon.pact.schema import errors

from .conftest import make_publication, pv_mapping, pv_system

# (contribution, (reliability, completeness, temporal, geographical, technological) of the line:
#  the exchange's scores, per indicator the worse of exchange and background supply)
HAND = [
    (23.237113, (4, 3, 2, 2, 3)),  # exchange (3,2,1,2,2), polysilicon supply (4,3,2,2,3)
    (12.723505, (3, 2, 1, 2, 2)),
    (5.430392, (1, 2, 1, 1, 1)),
    (0.8004, (3, 3, 2, 3, 3)),
    (4.896, (2, 2, 1, 1, 2)),
    (1.094664, (2, 2, 1, 1, 2)),
    (0.170625, (3, 3, 2, 2, 3)),
    (0.104637, (3, 3, 2, 2, 3)),
    (13.812498, (4, 3, 2, 2, 2)),  # exchange (2,2,1,2,2), primary aluminium (4,3,2,2,2)
    (0.747407, (2, 2, 1, 2, 2)),
    (4.2, (4, 4, 3, 3, 3)),  # exchange (1,2,1,1,1), EVA supply (4,4,3,3,3)
    (2.4147, (1, 1, 1, 1, 1)),
]
TOTAL = sum(c for c, _ in HAND)
PRIMARY = 5.430392 + 4.2 + 2.4147


def _weighted(index: int) -> float:
    return sum(c * s[index] for c, s in HAND) / TOTAL


def test_hand_total_matches_engine(result: FootprintResult) -> None:
    assert pytest.approx(69.631941, abs=1e-5) == TOTAL
    assert result.total == pytest.approx(TOTAL, rel=1e-6)


def test_pv_module_document(system: ProductSystem, result: FootprintResult) -> None:
    created = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC)
    footprint_id = uuid.UUID("0f8fad5b-d9cb-469f-a165-70867728950e")
    document = product_footprint(
        system, result, make_publication(), footprint_id=footprint_id, created=created
    )
    assert errors("ProductFootprint", document) == []
    assert document["id"] == str(footprint_id)
    assert document["created"] == "2026-11-25T08:00:00Z"
    assert document["specVersion"] == "3.0.0"
    assert document["status"] == "Active"
    assert document["companyIds"] == ["urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"]
    pcf = document["pcf"]
    assert pcf["declaredUnitOfMeasurement"] == "square meter"
    assert pcf["declaredUnitAmount"] == "1"
    assert pcf["productMassPerDeclaredUnit"] == "11.5"
    assert pcf["referencePeriodStart"] == "2024-01-01T00:00:00Z"
    assert pcf["referencePeriodEnd"] == "2025-01-01T00:00:00Z"  # exclusive end
    assert pcf["geographyCountry"] == "CN"
    assert "geographyCountrySubdivision" not in pcf
    # no biogenic or land-use flows in this system: all fossil, no uptake
    assert float(pcf["pcfExcludingBiogenicUptake"]) == pytest.approx(TOTAL, abs=1e-4)
    assert pcf["pcfIncludingBiogenicUptake"] == pcf["pcfExcludingBiogenicUptake"]
    assert pcf["fossilGhgEmissions"] == pcf["pcfExcludingBiogenicUptake"]
    assert pcf["biogenicCO2Uptake"] == "0"
    assert pcf["ipccCharacterizationFactors"] == ["AR6"]
    assert pcf["crossSectoralStandards"] == ["ISO14067"]
    # junction box 0.8 + process chemicals 0.6 + packaging 0.4 (the file's cut-off estimates)
    assert pcf["exemptedEmissionsPercent"] == "1.8"
    assert float(pcf["primaryDataShare"]) == pytest.approx(100 * PRIMARY / TOTAL, abs=0.005)
    assert pcf["primaryDataShare"] == "17.3"  # 12.045092 / 69.631941 = 17.2983 %
    dqi = pcf["dqi"]
    assert float(dqi["technologicalDQR"]) == pytest.approx(_weighted(4), abs=0.005)
    assert float(dqi["geographicalDQR"]) == pytest.approx(_weighted(3), abs=0.005)
    assert float(dqi["temporalDQR"]) == pytest.approx(_weighted(2), abs=0.005)
    assert "aluminium_frame: physical allocation by mass" in pcf["allocationRulesDescription"]


def test_dqr_weighting_by_hand(system: ProductSystem, result: FootprintResult) -> None:
    dqr = weighted_dqr(system, result)
    assert dqr is not None
    assert dqr.technological == pytest.approx(_weighted(4), rel=1e-6)
    assert dqr.geographical == pytest.approx(_weighted(3), rel=1e-6)
    assert dqr.temporal == pytest.approx(_weighted(2), rel=1e-6)
    assert dqr.coverage_percent == pytest.approx(100.0)
    for value in (dqr.technological, dqr.geographical, dqr.temporal):
        assert 1.0 <= value <= 5.0  # the v3 range


def test_subdivision_and_validity() -> None:
    system = pv_system(geography="CN-JS")
    result = compute_footprint(system)
    publication = make_publication(
        validity_start=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        validity_end=dt.datetime(2027, 12, 31, tzinfo=dt.UTC),
        preceding_ids=["0f8fad5b-d9cb-469f-a165-70867728950e"],
        status="Deprecated",
    )
    document = product_footprint(system, result, publication)
    assert document["pcf"]["geographyCountrySubdivision"] == "CN-JS"
    assert "geographyCountry" not in document["pcf"]
    assert document["validityPeriodStart"] == "2025-01-01T00:00:00Z"
    assert document["precedingPfIds"] == ["0f8fad5b-d9cb-469f-a165-70867728950e"]
    assert document["status"] == "Deprecated"


def test_mass_is_required_for_a_material_unit() -> None:
    raw_system = pv_system()
    system = raw_system.model_copy(
        update={"product": raw_system.product.model_copy(update={"mass": None})}
    )
    with pytest.raises(PactMappingError) as caught:
        product_footprint(system, compute_footprint(raw_system), make_publication())
    assert caught.value.field == "productMassPerDeclaredUnit"


@pytest.mark.parametrize(
    ("ours", "pact"),
    [
        ("kg", "kilogram"),
        ("m**2", "square meter"),
        ("kWh", "kilowatt hour"),
        ("MJ", "megajoule"),
        ("t*km", "ton kilometer"),
        ("count", "piece"),
        ("L", "liter"),
        ("m**3", "cubic meter"),
    ],
)
def test_declared_units(ours: str, pact: str) -> None:
    assert declared_unit(ours) == pact


def test_unknown_unit_is_refused() -> None:
    with pytest.raises(PactMappingError, match="none of PACT's declared units"):
        declared_unit("t")
    with pytest.raises(PactMappingError, match="none of PACT's declared units"):
        declared_quantity("K", 1.0)  # a temperature converts to none of them


@pytest.mark.parametrize(
    ("ours", "amount", "pact", "declared"),
    [
        ("t", 1, "kilogram", 1000.0),
        ("MWh", 2, "kilowatt hour", 2000.0),
        ("GJ", 1, "megajoule", 1000.0),
    ],
)
def test_other_units_convert_to_a_declared_one(
    ours: str, amount: float, pact: str, declared: float
) -> None:
    """A tonne of clinker is declared as 1000 kilogram: the footprint per declared unit is the
    same number (PACT v3 ``declaredUnitAmount``)."""
    unit, value = declared_quantity(ours, amount)
    assert (unit, value) == (pact, pytest.approx(declared, rel=1e-12))


@pytest.mark.parametrize(
    ("code", "field"),
    [
        ("CN", {"geographyCountry": "CN"}),
        ("CN-JS", {"geographyCountrySubdivision": "CN-JS"}),
        ("Eastern Asia", {"geographyRegionOrSubregion": "Eastern Asia"}),
        ("GLO", {}),
    ],
)
def test_geography(code: str, field: dict[str, str]) -> None:
    assert geography(code) == field


def test_gwp_set_names_the_report() -> None:
    assert ipcc_reports("gwp-ipcc-ar5") == ["AR5"]
    with pytest.raises(PactMappingError):
        ipcc_reports("gwp-custom")


def test_publication_refuses_non_urns() -> None:
    with pytest.raises(ValueError, match="not a URN"):
        Publication(company_name="x", company_ids=("91320000MA1X",), product_ids=("urn:gtin:1",))


def test_decimal_strings() -> None:
    assert decimal_string(69.63194132593111) == "69.6319"
    assert decimal_string(4.6e-05) == "0.000046"  # never exponent notation
    assert decimal_string(-1.226) == "-1.226"


def test_biogenic_uptake_and_emissions() -> None:
    """The PV module with 2 kg biogenic CO2 taken up (primary data) and 0.01 kg biogenic CH4
    emitted at assembly. AR6 GWP of non-fossil CH4: 27.0 (catalogue, WG1 Table 7.15).

    excluding uptake = 69.631941 + 0.01 × 27.0 = 69.901941; including = 69.901941 − 2 = 67.901941.
    The primary share is defined on the footprint excluding uptake: 12.045092 / 69.901941 =
    17.2314 %, not the 19.53 % the engine reports over all lines (uptake included).
    """
    raw = pv_mapping()
    raw["flows"] += [
        {
            "id": "co2_bio_uptake",
            "name": "Carbon dioxide, in air",
            "compartment": "natural_resource",
            "unit": "kg",
            "gas": "CO2",
            "origin": "biogenic",
        },
        {
            "id": "ch4_bio_air",
            "name": "Methane, biogenic",
            "compartment": "air",
            "unit": "kg",
            "gas": "CH4_non_fossil",
            "origin": "biogenic",
        },
    ]
    raw["processes"][-1]["exchanges"] += [
        {
            "kind": "resource",
            "flow": "co2_bio_uptake",
            "amount": 2.0,
            "unit": "kg",
            "primary": True,
            "data_quality": [1, 1, 1, 1, 1],
            "basic_uncertainty": 1.05,
        },
        {
            "kind": "emission",
            "flow": "ch4_bio_air",
            "amount": 0.01,
            "unit": "kg",
            "data_quality": [2, 2, 2, 2, 2],
            "basic_uncertainty": 1.05,
        },
    ]
    system = validate_product_system(raw, source="test")
    result = compute_footprint(system)
    # the engine's share counts |uptake| among all lines: (12.045092 + 2) / (69.901941 + 2)
    assert result.primary_data_share == pytest.approx(
        100 * (PRIMARY + 2.0) / (TOTAL + 0.27 + 2.0), rel=1e-6
    )
    pcf = product_footprint(system, result, make_publication())["pcf"]
    assert pcf["pcfExcludingBiogenicUptake"] == "69.9019"
    assert pcf["pcfIncludingBiogenicUptake"] == "67.9019"
    assert pcf["biogenicCO2Uptake"] == "-2"
    assert pcf["fossilGhgEmissions"] == "69.6319"
    assert pcf["primaryDataShare"] == "17.23"
    technological = (sum(c * s[4] for c, s in HAND) + 0.27 * 2) / (TOTAL + 0.27)
    assert float(pcf["dqi"]["technologicalDQR"]) == pytest.approx(technological, abs=0.005)
