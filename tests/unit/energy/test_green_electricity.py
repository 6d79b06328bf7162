"""Green electricity of an enterprise, by hand: the share of its purchased electricity covered by
certificates it claimed, the location-based indirect emissions always, and the market-based ones
only where the methodology's purchased-electricity rule allows (GB/T 32151.34—2024 5.2.6.1 counts
purchased non-fossil electricity with its evidence as zero)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dualcarbon.accounting.engine import account
from dualcarbon.energy.assessment import assess
from dualcarbon.energy.green_electricity import ClaimedCertificates, green_electricity
from dualcarbon.guards.safe_yaml import safe_load
from dualcarbon.io.yaml_inventory import read_yaml_inventory
from dualcarbon.methodologies.definition import ContractualRule, get_methodology

CEMENT = Path(__file__).parents[3] / "examples" / "cement-2025.yaml"
CLAIMS = (
    ClaimedCertificates("GEC-C-1", 1200.0, "wind", "W-1", "2025-03"),
    ClaimedCertificates("GEC-C-1", 300.0, "solar_pv", "P-1", "2025-02"),
)


def purchased_by_hand() -> float:
    raw = safe_load(CEMENT.read_text(encoding="utf-8"))
    return sum(row["amount"] for row in raw["electricity"])  # MWh


def test_the_share_and_the_location_based_figure_under_the_national_scheme() -> None:
    inventory = read_yaml_inventory(CEMENT)
    result = account(inventory, plausibility=False)
    green = assess(inventory, result, claimed=CLAIMS).green
    assert green is not None
    purchased = purchased_by_hand()
    assert green.purchased_mwh == pytest.approx(purchased)
    assert green.share == pytest.approx(1500 / purchased)
    assert green.location_tco2 == pytest.approx(purchased * green.grid_factor)
    # CETS—AG—02.01—V01—2024: purchased electricity is outside the boundary; no market figure
    assert not green.allowed and green.market_tco2 is None
    assert green.rule is not None and "核算边界" in green.rule.clause


def test_where_a_methodology_allows_it_claimed_mwh_count_as_zero() -> None:
    inventory = read_yaml_inventory(CEMENT)
    result = account(inventory, plausibility=False)
    methodology = get_methodology(inventory.header.methodology)
    allowing = ContractualRule(
        allowed=True, clause="GB/T 32151.34—2024 5.2.6.1", note_zh="可扣减", note_en="allowed"
    )
    sources = tuple(
        s.model_copy(update={"contractual": allowing}) if s.kind == "purchased_electricity" else s
        for s in methodology.sources
    )
    green = green_electricity(result, methodology.model_copy(update={"sources": sources}), CLAIMS)
    assert green is not None
    purchased = purchased_by_hand()
    assert green.market_tco2 == pytest.approx((purchased - 1500) * green.grid_factor)
    assert green.location_tco2 == pytest.approx(purchased * green.grid_factor)


def test_certificates_beyond_the_electricity_bought_cover_nothing() -> None:
    inventory = read_yaml_inventory(CEMENT)
    result = account(inventory, plausibility=False)
    purchased = purchased_by_hand()
    many = (ClaimedCertificates("GEC-C-2", purchased + 100, "wind", "W-1", "2025-01"),)
    green = assess(inventory, result, claimed=many).green
    assert green is not None
    assert green.share == 1.0 and green.over_claimed_mwh == pytest.approx(100)
