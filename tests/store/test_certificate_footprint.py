"""A certificate claim reducing a product footprint's market-based electricity, worked by hand,
with the location-based figure beside it (ISO 14067 6.4.9.4), and the claim checked in the
ledger.

1 t of aluminium ingot: 13 500 kWh of electricity and 1 500 kg CO2 of process emissions.

* location-based: 1 500 + 13 500 × 0.5777 (2024 national electricity footprint factor,
  MEE/NBS/NEA 2024 announcement, Table 1) = 9 298.95 kgCO2e;
* with wind certificates: 1 500 + 13 500 × 0.0324 (wind, same announcement, Table 2)
  = 1 937.4 kgCO2e.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine

from dualcarbon.certificates.model import CertificateBatch, Purpose, Technology
from dualcarbon.footprint.footprint import compute_footprint
from dualcarbon.footprint.model import validate_product_system
from dualcarbon.ledger.certificates import (
    check_footprint_claims,
    claim_certificates,
    import_batches,
)
from dualcarbon.ledger.signing import Signer
from dualcarbon.store import session_scope
from dualcarbon.store.models import Organisation

SIGNER = Signer.generate()
GRID = "cn-electricity-cfp-2024/carbon_footprint_factor/grid/CN"


def ingot(electricity: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "al-ingot",
        "name": "铝锭",
        "functional_unit": {"kind": "declared", "description": "1 t", "amount": 1, "unit": "t"},
        "reference_process": "smelt",
        "reference_product": "ingot",
        "reference_flow": {"amount": 1, "unit": "t"},
        "boundary": "cradle_to_gate",
        "stages": ["raw_material_acquisition", "production"],
        "cut_off": {"criterion": "mass", "threshold_percent": 1, "justification": "none cut"},
        "gwp_set": "AR6",
        "period": {"start": "2025-01-01", "end": "2025-12-31"},
        "geography": "CN",
        "flows": [{"id": "co2", "name": "CO2", "compartment": "air", "unit": "kg", "gas": "CO2"}],
        "processes": [
            {
                "id": "smelt",
                "name": "electrolysis and casting",
                "stage": "production",
                "exchanges": [
                    {"kind": "production", "product": "ingot", "amount": 1, "unit": "t"},
                    {
                        "kind": "technosphere",
                        "product": "power",
                        "amount": 13_500,
                        "unit": "kWh",
                        "electricity": electricity,
                    },
                    {"kind": "emission", "flow": "co2", "amount": 1500, "unit": "kg"},
                ],
            }
        ],
    }


def wind(reference: str, factor: float = 0.0324) -> dict[str, Any]:
    return {
        "basis": "green_certificate",
        "instrument": reference,
        "evidence": "绿证核销记录（账本申报）",
        "emission_factor": factor,
        "emission_factor_unit": "kgCO2e/kWh",
        "location_factor": GRID,
    }


def test_a_claim_lowers_the_market_based_footprint_and_the_location_based_stays(
    engine: Engine,
) -> None:
    location = compute_footprint(
        validate_product_system(ingot({"basis": "location_based", "grid_factor": GRID}))
    )
    assert location.total == pytest.approx(1500 + 13_500 * 0.5777)
    assert not location.contractual

    with session_scope(engine) as session:
        holder = Organisation(name="示例铝业")
        session.add(holder)
        session.flush()
        batch = CertificateBatch(
            serial_from="GEC2025W0000000001",
            serial_to="GEC2025W0000135000",
            quantity=135_000,  # 10 000 t of ingot × 13.5 MWh
            plant="W-1",
            plant_name="风电场",
            technology=Technology.WIND,
            production_year=2025,
            production_month=4,
        )
        import_batches(session, SIGNER, holder.id, [batch], source="t", imported_by="t")
        made = claim_certificates(
            session, SIGNER, holder.id, 135_000,
            purpose=Purpose.PRODUCT, subject="al-ingot",
            consumption_from=dt.date(2025, 1, 1), consumption_to=dt.date(2025, 12, 31),
            claimed_by="t", on=dt.date(2025, 12, 31),
        )  # fmt: skip
        market = compute_footprint(validate_product_system(ingot(wind(made.reference))))
        assert market.total == pytest.approx(1500 + 13_500 * 0.0324)
        assert market.location_based_total == pytest.approx(location.total)
        (check,) = check_footprint_claims(session, holder.id, market)
        assert check.ok and check.mwh_claimed == 135_000 and check.technologies == ("wind",)

        zero = compute_footprint(validate_product_system(ingot(wind(made.reference, 0.0))))
        (check,) = check_footprint_claims(session, holder.id, zero)
        assert not check.ok and "0.0324" in check.problems_en[0]

        unknown = compute_footprint(validate_product_system(ingot(wind("GEC-C-NOPE"))))
        (check,) = check_footprint_claims(session, holder.id, unknown)
        assert "no claim GEC-C-NOPE" in check.problems_en[0]
