"""The greenhouse-gas metrics a climate disclosure asks for, from accounted results.

What IFRS S2 (June 2023) paragraph 29(a) requires, and where each figure comes from here:

* (i) absolute gross scope 1 and scope 2 emissions [tCO2e] — scope 1: every counted line that is
  not bought energy, deductions subtracted; scope 2: the lines of purchased electricity and heat,
  whether or not the carbon-market guideline counts them (the national ETS reports them apart);
  scope 3 is not accounted by the enterprise guidelines and is stated as not given;
* (ii) the method — IFRS S2 B24 allows a method a jurisdiction requires instead of the GHG
  Protocol Corporate Standard (2004): each result names its guideline (document and version),
  its GWP values and every factor version it used;
* (iii) the approach, inputs and assumptions — the tiers of the inputs (measured, laboratory,
  default) as shares of scope 1, and its expanded uncertainty (GUM, k = 2);
* (iv) the consolidated group: the facilities summed, each named (operational control, declared);
* (v) location-based scope 2, with information on contractual instruments: the green
  certificates and green-power trades claimed for the year (the certificate ledger), in MWh; a
  market-based figure is optional (B31) and not computed, as China publishes no residual mix;
* intensity — scope 1 and 2 per unit of each product the methodology attributes
  (:mod:`dualcarbon.attribution`), and per unit of revenue where the revenue is given.

China's 《企业可持续披露准则第1号——气候（试行）》 (财会〔2025〕34号) asks for absolute scope 1, 2
and 3 emissions and the basis of their accounting (corroborated; its article numbers were not
read); the exchanges' guidelines (SSE No. 14, SZSE No. 17, BSE No. 11, 2024) ask scope 1 and 2 of
the companies they name. The same figures serve all three.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import polars as pl

from dualcarbon.accounting.inventory import Inventory
from dualcarbon.accounting.result import AccountingResult
from dualcarbon.accounting.uncertainty import account_uncertainty
from dualcarbon.attribution import AttributionError, attribute
from dualcarbon.attribution.attribute import (
    electricity_sources,
    exported_sources,
    indirect_sources,
)
from dualcarbon.energy.green_electricity import ClaimedCertificates
from dualcarbon.errors import DualcarbonError
from dualcarbon.methodologies.definition import Methodology, get_methodology


class DisclosureError(DualcarbonError, ValueError):
    """The results cannot be disclosed together (another organisation or year)."""


@dataclass(frozen=True)
class FacilityFigures:
    facility: str
    methodology: str
    """``id@version``"""
    methodology_title: str
    document: str
    gwp: str | None
    """The methodology's GWP set; None for a guideline counting CO2 alone."""
    scope1: float
    scope2_location: float
    electricity_mwh: float
    scope1_u: float
    """Standard uncertainty of scope 1 [tCO2e] (GUM, shared defaults correlated)."""
    tier_shares: dict[str, float]
    """Share of scope 1 by what its lines rest on: ``default`` where any input (the oxidation
    rate aside) is a default factor, else ``lab`` where any is a laboratory analysis, else
    ``measured``."""
    factors: tuple[str, ...]
    inventory_digest: str


@dataclass(frozen=True)
class ProductIntensity:
    facility: str
    product: str
    product_name: str
    output: float
    unit: str
    scope1: float
    scope2: float

    @property
    def scope1_per_unit(self) -> float:
        return self.scope1 / self.output if self.output else math.nan

    @property
    def total_per_unit(self) -> float:
        return (self.scope1 + self.scope2) / self.output if self.output else math.nan


@dataclass(frozen=True)
class ContractualInstruments:
    """Green certificates and green-power trades claimed for the enterprise's year [MWh], as the
    certificate ledger holds them (subject ``<organisation> <year>``)."""

    certificates_mwh: float
    claims: tuple[str, ...]
    technologies: tuple[str, ...]

    @classmethod
    def of(cls, claims: Sequence[ClaimedCertificates]) -> ContractualInstruments:
        return cls(
            certificates_mwh=math.fsum(c.mwh for c in claims),
            claims=tuple(c.reference for c in claims),
            technologies=tuple(dict.fromkeys(c.technology for c in claims)),
        )


@dataclass(frozen=True)
class ClimateDisclosure:
    organisation: str
    year: int
    facilities: tuple[FacilityFigures, ...]
    products: tuple[ProductIntensity, ...]
    instruments: ContractualInstruments | None
    revenue: float | None
    currency: str | None

    @property
    def scope1(self) -> float:
        return math.fsum(f.scope1 for f in self.facilities)

    @property
    def scope2_location(self) -> float:
        return math.fsum(f.scope2_location for f in self.facilities)

    @property
    def scope1_u(self) -> float:
        """Facilities' scope 1 uncertainties combined as independent."""
        return math.sqrt(math.fsum(f.scope1_u**2 for f in self.facilities))

    @property
    def electricity_mwh(self) -> float:
        return math.fsum(f.electricity_mwh for f in self.facilities)

    @property
    def intensity_per_revenue(self) -> float | None:
        """tCO2e (scope 1 + 2) per million of revenue."""
        if not self.revenue:
            return None
        return (self.scope1 + self.scope2_location) / (self.revenue / 1e6)


def climate_disclosure(
    accounts: Sequence[tuple[Inventory, AccountingResult]],
    *,
    revenue: float | None = None,
    currency: str | None = None,
    instruments: ContractualInstruments | None = None,
) -> ClimateDisclosure:
    """The metrics (module docstring) of one organisation's year, from its facilities'
    inventories and results."""
    if not accounts:
        raise DisclosureError("no results to disclose")
    organisations = {result.meta.organisation for _, result in accounts}
    years = {result.meta.year for _, result in accounts}
    if len(organisations) != 1 or len(years) != 1:
        raise DisclosureError(
            f"one organisation and one year at a time: got {sorted(organisations)} {sorted(years)}"
        )
    facilities = []
    products: list[ProductIntensity] = []
    seen = [result.meta.facility for _, result in accounts]
    repeated = sorted({f for f in seen if seen.count(f) > 1})
    if repeated:
        raise DisclosureError(
            f"facility {', '.join(repeated)} is given twice: one result per facility (the "
            "newest, where an inventory was corrected)"
        )
    for inventory, result in accounts:
        methodology = get_methodology(result.meta.methodology.split("@", 1)[0])
        facilities.append(_facility(result, methodology))
        products += _products(inventory, result, methodology)
    return ClimateDisclosure(
        organisation=organisations.pop(),
        year=years.pop(),
        facilities=tuple(facilities),
        products=tuple(products),
        instruments=instruments,
        revenue=revenue,
        currency=currency,
    )


def _split(result: AccountingResult, methodology: Methodology) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Scope 1: counted lines that are no energy bought or sold; scope 2: energy bought. Energy
    sold (a deduction in GB/T 32150's total) is neither."""
    bought = list(indirect_sources(methodology))
    energy = bought + list(exported_sources(methodology))
    lines = result.lines
    scope2 = lines.filter(pl.col("source").is_in(bought))
    scope1 = lines.filter(pl.col("counted") & ~pl.col("source").is_in(energy))
    return scope1, scope2


def _facility(result: AccountingResult, methodology: Methodology) -> FacilityFigures:
    scope1, scope2 = _split(result, methodology)
    signed = pl.col("emission_co2e") * pl.col("sign")
    total1 = float(scope1.select(signed.sum()).item() or 0.0)
    total2 = float(scope2.select(signed.sum()).item() or 0.0)
    electricity = scope2.filter(pl.col("source").is_in(list(electricity_sources(methodology))))
    mwh = float(electricity.select(pl.col("activity").sum()).item() or 0.0)
    part = _only(result, scope1)
    u = account_uncertainty(part).u if scope1.height else 0.0
    tiers: dict[str, float] = defaultdict(float)
    basis = _line_basis(result)
    for line, value, sign in scope1.select("line", "emission_co2e", "sign").iter_rows():
        tiers[basis.get(int(line), "measured")] += float(value) * int(sign)  # shares of the net
    whole = math.fsum(tiers.values())
    return FacilityFigures(
        facility=result.meta.facility,
        methodology=result.meta.methodology,
        methodology_title=result.meta.methodology_title,
        document=methodology.document,
        gwp=methodology.gwp_set,
        scope1=total1,
        scope2_location=total2,
        electricity_mwh=mwh,
        scope1_u=u,
        tier_shares={k: v / whole for k, v in sorted(tiers.items())} if whole else {},
        factors=tuple(result.meta.factors),
        inventory_digest=result.meta.inventory_digest,
    )


def _line_basis(result: AccountingResult) -> dict[int, str]:
    # the oxidation rate is a default almost everywhere; it would mark every fuel line default
    inputs = result.inputs.filter(~pl.col("derived") & (pl.col("slot") != "oxidation_rate"))
    basis: dict[int, str] = {}
    rank = {"measured": 0, "calculated": 0, "lab": 1, "default": 2}
    for line, tier in inputs.select("line", "tier").iter_rows():
        current = basis.get(int(line), "measured")
        tier = str(tier or "measured")
        if rank.get(tier, 0) > rank.get(current, 0):
            current = tier
        basis[int(line)] = current
    return basis


def _only(result: AccountingResult, lines: pl.DataFrame) -> AccountingResult:
    return dataclasses.replace(result, lines=lines)


def _products(
    inventory: Inventory, result: AccountingResult, methodology: Methodology
) -> Iterable[ProductIntensity]:
    if not methodology.processes:
        return []
    try:
        attribution = attribute(inventory, result, methodology)
    except AttributionError:
        return []
    indirect = indirect_sources(methodology)
    out = []
    for process in methodology.processes:
        lines = attribution.lines_of(process.id)
        out.append(
            ProductIntensity(
                facility=result.meta.facility,
                product=process.product.id,
                product_name=process.product.name_zh + " / " + process.product.name_en,
                output=attribution.output(process.id),
                unit=process.product.unit,
                scope1=attribution.direct(process.id),
                scope2=math.fsum(a.signed_co2e for a in lines if a.source in indirect),
            )
        )
    return out


FORMAT = "dualcarbon.climate-disclosure/1"
STANDARDS = (
    "IFRS S2 Climate-related Disclosures (ISSB, June 2023), paragraph 29(a)",
    "企业可持续披露准则第1号——气候（试行）（财会〔2025〕34号）",
)


def disclosure_record(disclosure: ClimateDisclosure) -> dict[str, object]:
    """The disclosure as plain data (JSON-ready), scope by scope as IFRS S2 29(a) lists them."""
    instruments = disclosure.instruments
    return {
        "format": FORMAT,
        "organisation": disclosure.organisation,
        "reporting_period": {
            "start": f"{disclosure.year}-01-01",
            "end": f"{disclosure.year}-12-31",
        },
        "standards": list(STANDARDS),
        "scope1_tco2e": disclosure.scope1,
        "scope1_expanded_uncertainty_tco2e": 2 * disclosure.scope1_u,
        "scope2_location_based_tco2e": disclosure.scope2_location,
        "scope2_market_based_tco2e": None,
        "scope2_market_based_note": "not computed: no residual mix is published in China "
        "(IFRS S2 B31 makes it optional)",
        "scope3_tco2e": None,
        "scope3_note": "not accounted: the enterprise guidelines cover scopes 1 and 2",
        "electricity_purchased_mwh": disclosure.electricity_mwh,
        "contractual_instruments": None
        if instruments is None
        else {
            "green_certificates_mwh": instruments.certificates_mwh,
            "claims": list(instruments.claims),
            "technologies": list(instruments.technologies),
        },
        "intensity": {
            "per_million_revenue_tco2e": disclosure.intensity_per_revenue,
            "revenue": disclosure.revenue,
            "currency": disclosure.currency,
            "products": [
                {
                    "facility": p.facility,
                    "product": p.product,
                    "name": p.product_name,
                    "output": p.output,
                    "unit": p.unit,
                    "scope1_per_unit_tco2e": p.scope1_per_unit,
                    "scope1_and_2_per_unit_tco2e": p.total_per_unit,
                }
                for p in disclosure.products
            ],
        },
        "consolidation": "operational control: the facilities below (declared)",
        "facilities": [
            {
                "facility": f.facility,
                "scope1_tco2e": f.scope1,
                "scope1_standard_uncertainty_tco2e": f.scope1_u,
                "scope2_location_based_tco2e": f.scope2_location,
                "electricity_purchased_mwh": f.electricity_mwh,
                "method": {
                    "guideline": f.methodology_title,
                    "document": f.document,
                    "methodology": f.methodology,
                    "gwp": f.gwp or "CO2 only",
                    "factors": list(f.factors),
                    "basis_shares_of_scope1": f.tier_shares,
                },
                "inventory_sha256": f.inventory_digest,
            }
            for f in disclosure.facilities
        ],
    }
