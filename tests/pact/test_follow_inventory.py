"""On the platform a footprint built on the enterprise's inventory follows its corrections (issue
17, item 1): the clinker footprint published with ``gate_to_gate`` takes the facility's stored
inventory; a correction of one month's coal publishes a new version (the old one deprecated and
named in ``precedingPfIds``), and the organisation's PACT partner is told by a PublishedEvent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.routing import Route

from api.world import ORG_A, World, seed, settings_for
from dualcarbon.demo import demo_cement_inventory_path, demo_footprint_path
from dualcarbon.pact.schema import validate
from dualcarbon.server import create_app
from dualcarbon.store import upgrade

from .servers import https_server, self_signed
from .test_delivery import Partner

FACILITY = "示例熟料基地"
PUBLICATION = {
    "company_name": ORG_A,
    "company_ids": ["urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"],
    "product_ids": ["urn:gtin:6901234567878"],
}
# bituminous coal defaults of GB/T 32151 Table C.1 as the catalogue holds them: CC, OF
CARBON_PER_HEAT, OXIDATION = 0.0261, 0.93


def _inventory(coal_march: float = 0.0) -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load(demo_cement_inventory_path().read_text("utf-8"))
    raw["inventory"]["organisation"] = ORG_A
    march = next(r for r in raw["fuel"] if r["unit"] == "1#线" and r["month"] == 3)
    march["consumption"] += coal_march
    return json.loads(json.dumps(raw, default=str))


def _clinker() -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load(demo_footprint_path("cement-clinker.yaml").read_text())
    raw["gate_to_gate"]["inventory"] = FACILITY
    raw["product"] = {"mass": 1000}
    return json.loads(json.dumps(raw, default=str))


def test_a_correction_publishes_the_next_version(db_url: str, tmp_path: Path) -> None:
    partner = Partner()
    partner.up = True
    cert, key = self_signed(tmp_path, "partner")
    upgrade(db_url)
    settings = settings_for(db_url).model_copy(
        update={"pact_allow_private_event_urls": True, "pact_ca_bundle": str(cert)}
    )
    app = Starlette(routes=[Route("/3/events", partner.events, methods=["POST"])])
    with https_server(app, cert, key) as partner_url, TestClient(create_app(settings)) as client:
        world: World = seed(client.app.state.engine)  # type: ignore[attr-defined]
        headers = world.bearer("enterprise")
        base = f"/api/organisations/{world.org_a}"
        stored = client.post(f"{base}/inventories", json=_inventory(), headers=headers)
        assert stored.status_code == 201, stored.text
        assert stored.json()["footprints"] == []  # nothing built on it yet
        first = client.post(
            f"{base}/footprints",
            json={"publication": PUBLICATION, "product_system": _clinker()},
            headers=headers,
        )
        assert first.status_code == 201, first.text
        made = client.post(
            f"{base}/pact-clients",
            json={"name": "EU importer", "event_url": f"{partner_url}/3/events"},
            headers=headers,
        )
        assert made.status_code == 201, made.text

        corrected = client.post(
            f"{base}/inventories/{stored.json()['inventory_id']}/corrections",
            json=_inventory(coal_march=1000),
            headers=headers,
        )
        assert corrected.status_code == 201, corrected.text
        outcome = corrected.json()
        (new_id,) = outcome["footprints"]
        assert outcome["footprints_not_followed"] == []
        versions = client.get(f"{base}/footprints", headers=headers).json()
    old, new = sorted(versions, key=lambda v: v["version"])
    assert (old["id"], old["status"]) == (first.json()["id"], "Deprecated")
    assert (new["id"], new["status"], new["version"]) == (new_id, "Active", 2)
    rise = outcome["result"]["total_tco2e"] - stored.json()["result"]["total_tco2e"]
    march = next(r for r in _inventory()["fuel"] if r["unit"] == "1#线" and r["month"] == 3)
    assert rise == pytest.approx(
        1000 * march["ncv"] * CARBON_PER_HEAT * OXIDATION * 44 / 12, rel=1e-9
    )
    old_pcf, new_pcf = old["pcf_excluding_biogenic_kgco2e"], new["pcf_excluding_biogenic_kgco2e"]
    clinker = sum(r["clinker_output"] for r in _inventory()["clinker"])
    assert new_pcf - old_pcf == pytest.approx(rise * 1000 / clinker, rel=1e-9)  # kg per t
    assert new["document"]["precedingPfIds"] == [old["id"]]
    # the kiln's coal line cites the corrected inventory's digest and the same meters
    assert new["document"]["pcf"]["declaredUnitOfMeasurement"] == "kilogram"
    assert len(partner.received) == 1
    validate("PublishedEvent", partner.received[0])
    assert partner.received[0]["data"]["pfIds"] == [new_id]


def test_the_next_version_keeps_the_publication_facts() -> None:
    """What a version was published with — validity included — is what the next carries."""
    from dualcarbon.pact.follow import publication_of

    document = {
        "companyName": ORG_A,
        "companyIds": ["urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"],
        "productIds": ["urn:gtin:6901234567878"],
        "productNameCompany": "clinker",
        "productDescription": "grey clinker",
        "productClassifications": ["urn:pact:productclassification:hs:252310"],
        "validityPeriodStart": "2026-01-01T00:00:00Z",
        "validityPeriodEnd": "2027-06-30T00:00:00Z",
        "pcf": {"crossSectoralStandards": ["ISO14067"]},
    }
    publication = publication_of(document)
    assert publication.validity_end is not None
    assert publication.validity_end.isoformat() == "2027-06-30T00:00:00+00:00"
    assert publication.classifications == ("urn:pact:productclassification:hs:252310",)
