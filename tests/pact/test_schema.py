"""The bundled PACT v3 schema as an oracle: the spec's own example semantics pass, broken
documents fail for the reason the spec gives.

The bioethanol fixture carries the numbers of the PACT v3 example-1
(``spec/v3/examples/example-1.json`` of https://github.com/wbcsd/data-exchange-protocol, read
there and transcribed by the team; confidence: verified): pcfExcludingBiogenicUptake 0.384,
pcfIncludingBiogenicUptake −1.23, biogenicCO2Uptake −1.61, primaryDataShare 12.9, DQRs
1.5 / 3.2 / 2.4. It is a serialisation and validation fixture, not a calculation one: 0.384 − 1.61
= −1.226, which the example rounds to −1.23.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from dualcarbon.pact import schema
from dualcarbon.pact.schema import PactSchemaError, errors, validate_product_footprint


def bioethanol() -> dict[str, Any]:
    return {
        "id": "12345678-9abc-def0-1234-567812345678",
        "specVersion": "3.0.0",
        "created": "2025-04-30T00:00:00Z",
        "status": "Active",
        "validityPeriodStart": "2024-12-31T00:00:00Z",
        "validityPeriodEnd": "2027-12-31T00:00:00Z",
        "companyName": "Company 1",
        "companyIds": ["urn:company:example:company1"],
        "productDescription": "Bioethanol 98%, sugar beet feedstock, bulk - no packaging",
        "productIds": ["urn:gtin:5695872369587"],
        "productClassifications": ["urn:pact:productclassification:cas:1456"],
        "productNameCompany": "Product 1",
        "pcf": {
            "declaredUnitOfMeasurement": "kilogram",
            "declaredUnitAmount": "1",
            "productMassPerDeclaredUnit": "1",
            "referencePeriodStart": "2024-01-01T00:00:00Z",
            "referencePeriodEnd": "2024-12-31T00:00:00Z",
            "geographyCountry": "US",
            "pcfExcludingBiogenicUptake": "0.384",
            "pcfIncludingBiogenicUptake": "-1.23",
            "fossilGhgEmissions": "0.35",
            "fossilCarbonContent": "0",
            "biogenicCarbonContent": "0.44",
            "biogenicCO2Uptake": "-1.61",
            "ipccCharacterizationFactors": ["AR6"],
            "crossSectoralStandards": ["GHGP-Product", "PACT-3.0"],
            "exemptedEmissionsPercent": "0",
            "primaryDataShare": "12.9",
            "dqi": {"technologicalDQR": "1.5", "geographicalDQR": "3.2", "temporalDQR": "2.4"},
        },
    }


def test_bundled_schema_is_the_v3_openapi() -> None:
    document = schema.openapi_document()
    assert document["openapi"].startswith("3.1")
    assert schema.spec_version() == "3.0.4"
    assert "ProductFootprint" in document["components"]["schemas"]


def test_example_semantics_validate() -> None:
    validate_product_footprint(bioethanol())


def test_example_components_agree_to_the_published_rounding() -> None:
    """§7.1(d): excluding + uptake = including, to the two decimals the example prints."""
    pcf = bioethanol()["pcf"]
    including = float(pcf["pcfExcludingBiogenicUptake"]) + float(pcf["biogenicCO2Uptake"])
    assert round(including, 2) == float(pcf["pcfIncludingBiogenicUptake"])


@pytest.mark.parametrize(
    ("change", "where"),
    [
        # decimals are JSON strings (v3: "string<decimal>")
        (lambda d: d["pcf"].__setitem__("pcfExcludingBiogenicUptake", 0.384), "pcfExcluding"),
        # not a decimal at all
        (lambda d: d["pcf"].__setitem__("fossilGhgEmissions", "0,35"), "fossilGhgEmissions"),
        # geography: at most one of region, country and subdivision (the published example-1
        # lists all three, which this rule refuses)
        (
            lambda d: d["pcf"].update(
                geographyRegionOrSubregion="Northern America", geographyCountrySubdivision="US-TX"
            ),
            "$.pcf",
        ),
        (lambda d: d["pcf"].__setitem__("declaredUnitOfMeasurement", "kg"), "declaredUnit"),
        (lambda d: d["pcf"].pop("productMassPerDeclaredUnit"), "productMassPerDeclaredUnit"),
        (lambda d: d["pcf"]["dqi"].pop("temporalDQR"), "temporalDQR"),
        (lambda d: d.__setitem__("companyIds", ["company1"]), "companyIds"),
        (lambda d: d.__setitem__("productIds", []), "productIds"),
        (lambda d: d.__setitem__("status", "Retired"), "status"),
        (lambda d: d.__setitem__("id", "not-a-uuid"), "$.id"),
        (lambda d: d.__setitem__("created", "30/04/2025"), "created"),
        (lambda d: d.__setitem__("specVersion", "3.0"), "specVersion"),
        (lambda d: d["pcf"].__setitem__("ipccCharacterizationFactors", ["IPCC6"]), "ipcc"),
    ],
)
def test_broken_documents_fail(change: Any, where: str) -> None:
    document = copy.deepcopy(bioethanol())
    change(document)
    found = errors("ProductFootprint", document)
    assert found, "the schema should refuse this document"
    assert any(where in problem for problem in found), found
    with pytest.raises(PactSchemaError):
        validate_product_footprint(document)


def _published(**changes: object) -> dict[str, object]:
    event: dict[str, object] = {
        "type": "org.wbcsd.pact.ProductFootprint.PublishedEvent.3",
        "specversion": "1.0",
        "id": "123e4567-e89b-12d3-a456-426614174000",
        "source": "https://webhook.example.com",
        "time": "2023-05-19T11:30:00Z",
        "data": {"pfIds": ["3a6c14a7-4deb-498a-b5ea-16ce2535b576"]},  # as conformance TC15 sends
    }
    event.update(changes)
    return event


def test_events_are_checked_with_formats() -> None:
    """Conformance TC15 sends UUID pfIds (accepted); TC40 sends a URN where the schema says
    ``format: uuid`` and expects 400, so formats are asserted on incoming events too (this test
    accepted the URN before)."""
    assert schema.event_errors(_published()) == []
    assert schema.event_errors(_published(time="2023-05-19T11:30:00.123Z")) == []
    urn = schema.event_errors(_published(data={"pfIds": ["urn:gtin:4712345060507"]}))
    assert urn == ["$.data.pfIds[0]: 'urn:gtin:4712345060507' is not a 'uuid'"]
    assert any("time" in p for p in schema.event_errors(_published(time="19 May 2023")))
    event = _published()
    del event["source"]
    assert any("source" in p for p in schema.event_errors(event))


def test_response_schema_of_an_error() -> None:
    assert (
        schema.response_errors(
            "/3/footprints/{id}", "get", 404, {"code": "NotFound", "message": "x"}
        )
        == []
    )
    assert schema.response_errors(
        "/3/footprints/{id}", "get", 404, {"code": "NoSuchFootprint", "message": "x"}
    ), "v3 renamed the 404 code to NotFound"
