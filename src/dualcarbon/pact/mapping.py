"""A computed product footprint → a PACT v3 ``ProductFootprint`` (a JSON-ready dict).

Every number is per **declared unit**: PACT v3 defines the declared unit as
``declaredUnitAmount`` × ``declaredUnitOfMeasurement`` (``productMassPerDeclaredUnit``
description), which is our functional/declared unit (``amount`` × ``unit``); the reference flow
fulfils it, so :class:`~dualcarbon.footprint.footprint.FootprintResult` figures, which are per
reference flow, are the PACT figures as they are.

=================================  =========================================================
PACT ``pcf`` field                 from
=================================  =========================================================
declaredUnitOfMeasurement/Amount   ``system.functional_unit`` (unit spelled as PACT names it)
productMassPerDeclaredUnit         ``system.product.mass`` [kg]; ``0`` for energy, transport
                                   and service units when no mass is given (as the spec says)
referencePeriodStart / End         ``system.period``: start 00:00Z; end is exclusive in PACT,
                                   so the day after our (inclusive) last day, 00:00Z
geography*                         ``system.geography``: ``CN`` → country, ``CN-JS`` →
                                   subdivision, a UN M49 region name → region, ``GLO`` → none
pcfExcludingBiogenicUptake         ``components.excluding_biogenic_removals``
pcfIncludingBiogenicUptake         ``components.total``
fossilGhgEmissions                 ``components.fossil``
biogenicCO2Uptake                  ``components.biogenic_removals`` (≤ 0)
landUseChangeGhgEmissions          ``components.land_use_change``
aircraftGhgEmissions               ``components.aircraft``
fossil/biogenic/recycledCarbon…    ``system.product`` [kg C]
ipccCharacterizationFactors        ``system.gwp_set`` (``gwp-ipcc-ar6`` → ``AR6``)
exemptedEmissionsPercent           Σ ``cut_off.exclusions[].estimated_share_percent``
primaryDataShare                   Σ|c| primary / Σ|c| over lines without biogenic uptake [%]
dqi                                :mod:`dualcarbon.pact.dqr`
=================================  =========================================================

The document is validated against the bundled schema before it is returned
(:func:`dualcarbon.pact.schema.validate_product_footprint`).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from dualcarbon.errors import DualcarbonError
from dualcarbon.footprint.footprint import FootprintResult
from dualcarbon.footprint.model import ProductSystem, primary_data_share
from dualcarbon.footprint.problems import unit_parses
from dualcarbon.pact.decimals import decimal_string, places_string
from dualcarbon.pact.dqr import V3_INDICATORS, is_biogenic_uptake, weighted_dqr
from dualcarbon.pact.publication import Publication
from dualcarbon.pact.schema import openapi_document, validate_product_footprint
from dualcarbon.units import conversion_factor, same_dimension

SPEC_VERSION = "3.0.0"
"""The PACT Technical Specifications version our documents conform to (``specVersion``)."""

DECLARED_UNITS = {
    "kg": "kilogram",
    "kilogram": "kilogram",
    "l": "liter",
    "liter": "liter",
    "litre": "liter",
    "m**3": "cubic meter",
    "m^3": "cubic meter",
    "m3": "cubic meter",
    "kwh": "kilowatt hour",
    "kw*h": "kilowatt hour",
    "mj": "megajoule",
    "t*km": "ton kilometer",
    "tkm": "ton kilometer",
    "m**2": "square meter",
    "m^2": "square meter",
    "m2": "square meter",
    "piece": "piece",
    "count": "piece",
    "pcs": "piece",
    "h": "hour",
    "hour": "hour",
    "mbit*s": "megabit second",
}
"""Our unit spellings (the functional unit's ``unit``) → PACT's ``declaredUnitOfMeasurement``."""

MASSLESS_UNITS = frozenset(
    {"kilowatt hour", "megajoule", "ton kilometer", "hour", "megabit second"}
)
"""Declared units of energy, transport or services: their mass may be ``0`` (PACT
``productMassPerDeclaredUnit``)."""

_GWP = re.compile(r"^gwp-ipcc-(ar\d+)$", re.IGNORECASE)


class PactMappingError(DualcarbonError, ValueError):
    """A footprint cannot be written as PACT v3 asks; ``field`` names the PACT field."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"PACT {field}: {reason}")


def declared_unit(unit: str) -> str:
    """PACT's name of our unit ``unit`` (``m**2`` → ``square meter``)."""
    key = unit.replace(" ", "").lower()
    if key not in DECLARED_UNITS:
        raise PactMappingError(
            "declaredUnitOfMeasurement",
            f"unit {unit!r} is none of PACT's declared units ({', '.join(_pact_units())})",
        )
    return DECLARED_UNITS[key]


_CONVERTIBLE = (
    ("kg", "kilogram"),
    ("l", "liter"),
    ("m**3", "cubic meter"),
    ("MJ", "megajoule"),
    ("kWh", "kilowatt hour"),
    ("t*km", "ton kilometer"),
    ("m**2", "square meter"),
    ("h", "hour"),
)
"""PACT's declared units a unit of the same dimension is converted to (t → kilogram)."""


def declared_quantity(unit: str, amount: float) -> tuple[str, float]:
    """PACT's declared unit and amount for ``amount`` ``unit``: as it is where PACT names the
    unit, else converted (1 t → 1000 kilogram, 1 MWh → 1000 kilowatt hour); the footprint is
    per declared unit either way."""
    try:
        return declared_unit(unit), amount
    except PactMappingError:
        # energy in watt-hours stays in watt-hours (MWh → kilowatt hour), other energy in joules
        candidates = sorted(_CONVERTIBLE, key=lambda c: c[0] != "kWh" or not unit.endswith("Wh"))
        for ours, pact in candidates:
            if unit_parses(unit) and same_dimension(unit, ours):
                return pact, amount * conversion_factor(unit, ours)
        raise


def _pact_units() -> list[str]:
    schema = openapi_document()["components"]["schemas"]["CarbonFootprint"]
    units: list[str] = schema["properties"]["declaredUnitOfMeasurement"]["enum"]
    return units


def _regions() -> list[str]:
    schema = openapi_document()["components"]["schemas"]["CarbonFootprint"]
    regions: list[str] = schema["properties"]["geographyRegionOrSubregion"]["enum"]
    return regions


def geography(code: str) -> dict[str, str]:
    """The one PACT geography field for ``code`` (none for global), per the v3 rule that at most
    one of region, country and subdivision is defined."""
    if code.upper() in ("GLO", "GLOBAL"):
        return {}
    if re.fullmatch(r"[A-Z]{2}", code):
        return {"geographyCountry": code}
    if re.fullmatch(r"[A-Z]{2}-[A-Z0-9]{1,3}", code):
        return {"geographyCountrySubdivision": code}
    if code in _regions():
        return {"geographyRegionOrSubregion": code}
    raise PactMappingError(
        "geography", f"{code!r} is no ISO 3166-1/-2 code, UN M49 region name or GLO"
    )


def ipcc_reports(gwp_set: str) -> list[str]:
    """``gwp-ipcc-ar6`` → ``["AR6"]`` (PACT ``ipccCharacterizationFactors``)."""
    match = _GWP.match(gwp_set)
    if match is None:
        raise PactMappingError("ipccCharacterizationFactors", f"{gwp_set!r} is no IPCC AR set")
    return [match.group(1).upper()]


def _midnight(day: dt.date) -> str:
    return dt.datetime.combine(day, dt.time(), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _non_negative(field: str, value: float) -> str:
    if value < -1e-12:
        raise PactMappingError(field, f"must be ≥ 0, is {value:g} (a credit cannot be shown here)")
    return decimal_string(max(value, 0.0))


def carbon_footprint(system: ProductSystem, result: FootprintResult) -> dict[str, Any]:
    """The ``pcf`` object (module docstring's table)."""
    unit, amount = declared_quantity(system.functional_unit.unit, system.functional_unit.amount)
    mass = system.product.mass
    if mass is None and unit == "kilogram":
        mass = amount  # a declared unit of mass is its own mass
    if mass is None and unit not in MASSLESS_UNITS:
        raise PactMappingError(
            "productMassPerDeclaredUnit",
            f"give the product's mass per {system.functional_unit.amount:g} {unit} "
            "(product.mass in the product system, kg)",
        )
    parts = result.components
    lines = [line for line in result.trace if not is_biogenic_uptake(line)]
    exempted = sum(e.estimated_share_percent for e in system.cut_off.exclusions)
    pcf: dict[str, Any] = {
        "declaredUnitOfMeasurement": unit,
        "declaredUnitAmount": decimal_string(amount),
        "productMassPerDeclaredUnit": decimal_string(mass or 0.0),
        "referencePeriodStart": _midnight(system.period.start),
        "referencePeriodEnd": _midnight(system.period.end + dt.timedelta(days=1)),
        **geography(system.geography),
        "boundaryProcessesDescription": _boundary(system),
        "pcfExcludingBiogenicUptake": decimal_string(parts.excluding_biogenic_removals),
        "pcfIncludingBiogenicUptake": decimal_string(parts.total),
        "fossilGhgEmissions": _non_negative("fossilGhgEmissions", parts.fossil),
        "fossilCarbonContent": decimal_string(system.product.fossil_carbon),
        "biogenicCarbonContent": decimal_string(system.product.biogenic_carbon),
        "recycledCarbonContent": decimal_string(system.product.recycled_carbon),
        "landUseChangeGhgEmissions": _non_negative(
            "landUseChangeGhgEmissions", parts.land_use_change
        ),
        "biogenicCO2Uptake": decimal_string(min(parts.biogenic_removals, 0.0)),
        "aircraftGhgEmissions": _non_negative("aircraftGhgEmissions", parts.aircraft),
        "ipccCharacterizationFactors": ipcc_reports(system.gwp_set),
        "exemptedEmissionsPercent": places_string(exempted, 4),
        "primaryDataShare": places_string(
            primary_data_share((line.primary, line.contribution) for line in lines), 2
        ),
    }
    if system.cut_off.exclusions:
        pcf["exemptedEmissionsDescription"] = "; ".join(
            f"{e.product}: {e.reason} (~{e.estimated_share_percent:g} %)"
            for e in system.cut_off.exclusions
        )
    allocation = _allocation(system)
    if allocation:
        pcf["allocationRulesDescription"] = allocation
    dqr = weighted_dqr(system, result)
    if dqr is not None:
        pcf["dqi"] = {
            field: places_string(getattr(dqr, name), 2) for name, field in V3_INDICATORS.items()
        }
    return pcf


def _boundary(system: ProductSystem) -> str:
    stages = ", ".join(stage.value.replace("_", " ") for stage in system.stages)
    return f"{system.boundary.label_en} (GB/T 24067-2024 / ISO 14067:2018); stages: {stages}"


def _allocation(system: ProductSystem) -> str:
    return "; ".join(
        f"{p.id}: {p.allocation.method.value} allocation by {p.allocation.basis}"
        for p in system.processes
        if p.allocation is not None
    )


def product_footprint(
    system: ProductSystem,
    result: FootprintResult,
    publication: Publication,
    *,
    footprint_id: uuid.UUID | None = None,
    created: dt.datetime | None = None,
) -> dict[str, Any]:
    """The PACT v3 ``ProductFootprint`` of ``result`` (computed from ``system``), validated."""
    pcf = carbon_footprint(system, result)
    pcf["crossSectoralStandards"] = list(publication.cross_sectoral_standards)
    if publication.secondary_emission_factor_sources:
        pcf["secondaryEmissionFactorSources"] = [
            source.model_dump() for source in publication.secondary_emission_factor_sources
        ]
    if publication.packaging_emissions_included is not None:
        pcf["packagingEmissionsIncluded"] = publication.packaging_emissions_included
    document: dict[str, Any] = {
        "id": str(footprint_id or uuid.uuid4()),
        "specVersion": SPEC_VERSION,
        "created": _timestamp(created or dt.datetime.now(dt.UTC)),
        "status": publication.status,
    }
    if publication.preceding_ids:
        document["precedingPfIds"] = [str(i) for i in publication.preceding_ids]
    if publication.validity_start is not None:
        document["validityPeriodStart"] = _timestamp(publication.validity_start)
    if publication.validity_end is not None:
        document["validityPeriodEnd"] = _timestamp(publication.validity_end)
    document |= {
        "companyName": publication.company_name,
        "companyIds": list(publication.company_ids),
        "productDescription": publication.product_description or system.description or system.name,
        "productIds": list(publication.product_ids),
    }
    if publication.classifications:
        document["productClassifications"] = list(publication.classifications)
    document["productNameCompany"] = publication.product_name or system.name
    if publication.comment:
        document["comment"] = publication.comment
    document["pcf"] = pcf
    validate_product_footprint(document)
    return document
