"""Green certificates on the platform: an enterprise uploads the batches it holds and claims
green-electricity consumption; a second holder of the same serials, and a claim beyond what
remains, are refused (409); verifiers and regulators read, others do not see."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient

from .world import World

YEAR = dt.date.today().year
CSV = (
    "serial_from,serial_to,quantity,plant,plant_name,technology,production_month\n"
    f"GEC{YEAR}W0001,GEC{YEAR}W1000,1000,W-API-1,风电场,wind,{YEAR}-01\n"
)
CLAIM = {
    "purpose": "product",
    "subject": "al-ingot",
    "consumption_from": f"{YEAR}-01-01",
    "consumption_to": f"{YEAR}-12-31",
}


def upload(client: TestClient, organisation: int, headers: dict[str, str]) -> Any:
    return client.post(
        f"/api/organisations/{organisation}/certificates",
        files={"file": ("绿证.csv", CSV.encode(), "text/csv")},
        headers=headers,
    )


def test_upload_claim_and_read(client: TestClient, world: World) -> None:
    own = world.bearer("enterprise")
    answer = upload(client, world.org_a, own)
    assert answer.status_code == 201, answer.text
    assert answer.json()["certificates"] == 1000
    made = client.post(
        f"/api/organisations/{world.org_a}/certificates/claims",
        json={**CLAIM, "quantity": 600},
        headers=own,
    )
    assert made.status_code == 201, made.text
    assert made.json()["taken"] == [{"batch_id": 1, "quantity": 600}]
    beyond = client.post(
        f"/api/organisations/{world.org_a}/certificates/claims",
        json={**CLAIM, "quantity": 401},
        headers=own,
    )
    assert beyond.status_code == 409 and "only 400" in beyond.json()["detail"]
    for who in ("verifier", "regulator", "admin"):
        seen = client.get(
            f"/api/organisations/{world.org_a}/certificates", headers=world.bearer(who)
        )
        assert seen.status_code == 200, who
        assert [b["remaining"] for b in seen.json()["batches"]] == [400]
        assert [c["reference"] for c in seen.json()["claims"]] == [made.json()["reference"]]
    hidden = client.get(
        f"/api/organisations/{world.org_a}/certificates", headers=world.bearer("enterprise_b")
    )
    assert hidden.status_code == 404


def test_the_same_serials_cannot_be_held_twice(client: TestClient, world: World) -> None:
    assert upload(client, world.org_a, world.bearer("enterprise")).status_code == 201
    again = upload(client, world.org_b, world.bearer("enterprise_b"))
    assert again.status_code == 409
    assert "a certificate is recorded once" in again.json()["detail"]


def test_a_bad_row_is_named(client: TestClient, world: World) -> None:
    bad = CSV.replace(",1000,", ",999,")
    answer = client.post(
        f"/api/organisations/{world.org_a}/certificates",
        files={"file": ("绿证.csv", bad.encode(), "text/csv")},
        headers=world.bearer("enterprise"),
    )
    assert answer.status_code == 422
    assert "quantity" in answer.text and "绿证.csv" in answer.text
