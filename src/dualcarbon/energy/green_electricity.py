"""An enterprise's green electricity: certificates claimed for its year against the electricity
it bought, the share that makes, and what the methodology in use lets it do with them.

    share = min(Σ claimed MWh, purchased MWh) / purchased MWh

The location-based indirect emissions (purchased MWh × the grid factor the accounting used) are
always given. The market-based figure only where the methodology's purchased-electricity source
allows contractual instruments (its ``contractual`` rule): then the claimed MWh count as zero,
as GB/T 32151.34—2024 5.2.6.1 and Annex D.1.1 do for purchased non-fossil electricity with the
evidence of Annex D.2 (a trade contract and settlement voucher, or a certificate), and the rest
stays at the grid factor. No shipped methodology allows it today: the national ETS guidelines
keep purchased electricity outside their boundary or at the grid factor (docs/energy.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from dualcarbon.accounting.result import AccountingResult
from dualcarbon.methodologies.definition import ContractualRule, Methodology

ENTERPRISE_SUBJECT = "{organisation} {year}"
"""The subject under which an enterprise claims certificates for a reporting year."""


@dataclass(frozen=True)
class ClaimedCertificates:
    reference: str
    mwh: float
    technology: str
    plant: str
    production: str


@dataclass(frozen=True)
class GreenElectricity:
    purchased_mwh: float
    location_tco2: float
    grid_factor: float
    """tCO2/MWh, as the accounting applied it."""
    grid_factor_ref: str
    claimed: tuple[ClaimedCertificates, ...]
    rule: ContractualRule | None

    @property
    def claimed_mwh(self) -> float:
        return sum(c.mwh for c in self.claimed)

    @property
    def share(self) -> float:
        if self.purchased_mwh <= 0:
            return 0.0
        return min(self.claimed_mwh, self.purchased_mwh) / self.purchased_mwh

    @property
    def over_claimed_mwh(self) -> float:
        """Certificates claimed beyond the electricity bought (they cover nothing here)."""
        return max(self.claimed_mwh - self.purchased_mwh, 0.0)

    @property
    def allowed(self) -> bool:
        return self.rule is not None and self.rule.allowed

    @property
    def market_tco2(self) -> float | None:
        """The electricity not covered at the average factor the accounting applied (several
        grid factors over the year weigh by their MWh)."""
        if not self.allowed:
            return None
        if self.purchased_mwh <= 0:
            return 0.0
        average = self.location_tco2 / self.purchased_mwh
        return max(self.purchased_mwh - self.claimed_mwh, 0.0) * average


def green_electricity(
    result: AccountingResult,
    methodology: Methodology,
    claimed: Sequence[ClaimedCertificates] = (),
) -> GreenElectricity | None:
    """``None`` when the methodology has no purchased-electricity source."""
    source = next(
        (
            s
            for s in methodology.sources
            if s.table_name == "electricity" and s.direction == "purchased"
        ),
        None,
    )
    if source is None:
        return None
    lines = result.lines.filter(pl.col("source") == source.kind)
    purchased = float(lines["activity"].sum()) if lines.height else 0.0
    emitted = float(lines["emission"].sum()) if lines.height else 0.0
    factor = float(lines["emission_factor"][0]) if lines.height else 0.0
    ref = str(lines["emission_factor_ref"][0]) if lines.height else ""
    return GreenElectricity(
        purchased_mwh=purchased,
        location_tco2=emitted,
        grid_factor=factor,
        grid_factor_ref=ref,
        claimed=tuple(claimed),
        rule=source.contractual,
    )
