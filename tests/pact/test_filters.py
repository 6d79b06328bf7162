"""The ListFootprints / RequestCreatedEvent criteria (v3 OpenAPI ``components.parameters``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dualcarbon.pact.filters import FilterError, FootprintQuery, matches, validity


def _doc(**pcf: Any) -> dict[str, Any]:
    return {
        "status": "Active",
        "productIds": ["urn:gtin:4712345060507"],
        "companyIds": ["urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"],
        "pcf": {"referencePeriodEnd": "2025-01-01T00:00:00Z", "geographyCountry": "CN", **pcf},
    }


def test_default_validity_is_three_years_from_the_reference_end() -> None:
    """validityPeriodStart description: without a period, valid 3 years after the reference
    period's end."""
    start, end = validity(_doc())
    assert start == dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    assert end == dt.datetime(2028, 1, 1, tzinfo=dt.UTC)


def test_default_validity_from_29_february() -> None:
    _, end = validity(_doc(referencePeriodEnd="2024-02-29T00:00:00Z"))
    assert end == dt.datetime(2027, 3, 1, tzinfo=dt.UTC)


def test_within_a_criterion_or_across_and() -> None:
    """The spec's example: (productId x OR y) AND (geography DE OR FR)."""
    query = FootprintQuery.of(
        {"productId": ["urn:x", "URN:GTIN:4712345060507"], "geography": ["DE", "cn"]}, {}
    )
    assert matches(_doc(), query)
    only_de = FootprintQuery.of({"productId": ["urn:gtin:4712345060507"], "geography": ["DE"]}, {})
    assert not matches(_doc(), only_de)


def test_country_finds_its_subdivisions_but_not_the_reverse() -> None:
    subdivision = _doc()
    subdivision["pcf"] = {
        "referencePeriodEnd": "2025-01-01T00:00:00Z",
        "geographyCountrySubdivision": "CN-JS",
    }
    assert matches(subdivision, FootprintQuery.of({"geography": ["CN"]}, {}))
    assert not matches(_doc(), FootprintQuery.of({"geography": ["CN-JS"]}, {}))


def test_valid_on_bounds_are_inclusive() -> None:
    assert matches(_doc(), FootprintQuery.of({}, {"validOn": "2028-01-01T00:00:00Z"}))
    assert not matches(_doc(), FootprintQuery.of({}, {"validOn": "2028-01-01T00:00:01Z"}))


def test_event_data_uses_the_same_criteria() -> None:
    query = FootprintQuery.from_event_data(
        {"productId": ["urn:gtin:4712345060507"], "status": ["Deprecated"], "comment": "x"}
    )
    assert query.product_ids == ("urn:gtin:4712345060507",)
    assert not matches(_doc(), query)  # Active, not Deprecated


def test_unreadable_dates_are_refused() -> None:
    with pytest.raises(FilterError):
        FootprintQuery.of({}, {"validAfter": "next week"})
