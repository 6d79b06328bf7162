"""The v3 ListFootprints filters, shared with RequestCreatedEvent (the spec says both use the
same criteria): within a criterion values are OR-ed, across criteria AND-ed; text matches are
case-insensitive (``components.parameters`` of the v3 OpenAPI document).

Validity (``validOn``, ``validAfter``, ``validBefore``) uses the footprint's validity period, or,
when it gives none, the spec's default: from ``referencePeriodEnd`` for three years
(``validityPeriodStart`` description).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dualcarbon.errors import DualcarbonError

DEFAULT_VALIDITY_YEARS = 3


class FilterError(DualcarbonError, ValueError):
    """A filter value that cannot be read (a date that is no RFC 3339 date-time)."""


def parse_time(value: str) -> dt.datetime:
    """An RFC 3339 date-time (``Z`` or offset; a bare date is read as 00:00Z)."""
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError as exc:
        raise FilterError(f"{value!r} is not a date-time") from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class FootprintQuery:
    """The criteria of a request; empty tuples and ``None`` mean "any"."""

    product_ids: tuple[str, ...] = ()
    company_ids: tuple[str, ...] = ()
    geographies: tuple[str, ...] = ()
    classifications: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    valid_on: dt.datetime | None = None
    valid_after: dt.datetime | None = None
    valid_before: dt.datetime | None = None

    @classmethod
    def of(
        cls,
        lists: Mapping[str, Iterable[str]],
        times: Mapping[str, str | None],
    ) -> FootprintQuery:
        """From the v3 names (``productId``, …, case-insensitive keys). An empty value
        (``?classification=``) stands for no criterion, for every filter alike, as an empty
        date already did: PACT's conformance case 23 sends an empty ``classification`` when
        the first footprint has none and expects every footprint back."""
        lowered = {
            key.lower(): [v.strip().lower() for v in values if v.strip()]
            for key, values in lists.items()
        }
        when = {key.lower(): value for key, value in times.items() if value and value.strip()}
        return cls(
            product_ids=tuple(lowered.get("productid", ())),
            company_ids=tuple(lowered.get("companyid", ())),
            geographies=tuple(lowered.get("geography", ())),
            classifications=tuple(lowered.get("classification", ())),
            statuses=tuple(lowered.get("status", ())),
            valid_on=parse_time(when["validon"]) if "validon" in when else None,
            valid_after=parse_time(when["validafter"]) if "validafter" in when else None,
            valid_before=parse_time(when["validbefore"]) if "validbefore" in when else None,
        )

    @classmethod
    def from_event_data(cls, data: Mapping[str, Any]) -> FootprintQuery:
        """From a RequestCreatedEvent's ``data`` (lists, ``status`` a list too)."""
        lists = {
            key: [str(v) for v in (value if isinstance(value, list) else [value])]
            for key, value in data.items()
            if key in ("productId", "companyId", "geography", "classification", "status")
        }
        times = {
            key: str(data[key]) for key in ("validOn", "validAfter", "validBefore") if key in data
        }
        return cls.of(lists, times)

    @property
    def is_empty(self) -> bool:
        return self == FootprintQuery()


def validity(document: Mapping[str, Any]) -> tuple[dt.datetime, dt.datetime]:
    """The footprint's validity period (module docstring)."""
    reference_end = parse_time(document["pcf"]["referencePeriodEnd"])
    start = document.get("validityPeriodStart")
    end = document.get("validityPeriodEnd")
    return (
        parse_time(start) if start else reference_end,
        parse_time(end) if end else _years_later(reference_end, DEFAULT_VALIDITY_YEARS),
    )


def _years_later(moment: dt.datetime, years: int) -> dt.datetime:
    """The same date ``years`` later; 29 February becomes 1 March in a common year."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, month=3, day=1)


def _geographies(pcf: Mapping[str, Any]) -> set[str]:
    found = set()
    for key in ("geographyRegionOrSubregion", "geographyCountry", "geographyCountrySubdivision"):
        if key in pcf:
            found.add(str(pcf[key]).lower())
    subdivision = pcf.get("geographyCountrySubdivision")
    if subdivision:  # CN-JS lies within CN
        found.add(str(subdivision).split("-")[0].lower())
    return found


def _lower(values: Iterable[Any]) -> set[str]:
    return {str(v).lower() for v in values}


def matches(document: Mapping[str, Any], query: FootprintQuery) -> bool:
    """Whether the footprint meets every criterion of ``query``."""
    if query.product_ids and not _lower(document.get("productIds", ())) & set(query.product_ids):
        return False
    if query.company_ids and not _lower(document.get("companyIds", ())) & set(query.company_ids):
        return False
    if query.classifications and not _lower(document.get("productClassifications", ())) & set(
        query.classifications
    ):
        return False
    if query.geographies and not _geographies(document["pcf"]) & set(query.geographies):
        return False
    if query.statuses and str(document.get("status", "")).lower() not in query.statuses:
        return False
    if query.valid_on or query.valid_after or query.valid_before:
        start, end = validity(document)
        if query.valid_on is not None and not start <= query.valid_on <= end:
            return False
        if query.valid_after is not None and not start > query.valid_after:
            return False
        if query.valid_before is not None and not end < query.valid_before:
            return False
    return True
