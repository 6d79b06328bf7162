"""The published signed tree heads (issue 12): the newest of each readable log, one of a given
size, and the platform's to everyone logged in."""

from __future__ import annotations

from fastapi.testclient import TestClient

from dualcarbon.ledger.published import parse
from dualcarbon.ledger.signing import verify_head

from .world import TEST_SIGNER, World


def test_heads_are_published_to_whoever_may_read_the_log(client: TestClient, world: World) -> None:
    admin = client.get("/api/evidence/heads", headers=world.bearer("admin"))
    assert admin.status_code == 200, admin.text
    heads = parse(admin.content, "route")
    assert admin.json()["public_key"] == TEST_SIGNER.public_key
    assert sorted(h.head.log_id for h in heads) == sorted(
        ["platform", f"org:{world.org_a}", f"org:{world.org_b}"]
    )
    assert all(verify_head(h, TEST_SIGNER.public_key) for h in heads)
    mine = client.get("/api/evidence/heads", headers=world.bearer("enterprise")).json()
    assert sorted(h["log_id"] for h in mine["heads"]) == sorted(["platform", f"org:{world.org_a}"])


def test_one_head_by_size(client: TestClient, world: World) -> None:
    key = world.bearer("enterprise")
    one = client.get(f"/api/evidence/heads/org:{world.org_a}?tree_size=1", headers=key)
    assert one.status_code == 200, one.text
    assert one.json()["tree_size"] == 1
    assert client.get("/api/evidence/heads/platform", headers=key).status_code == 200
    other = client.get(f"/api/evidence/heads/org:{world.org_b}", headers=key)
    assert other.status_code in (403, 404)
    missing = client.get(f"/api/evidence/heads/org:{world.org_a}?tree_size=999", headers=key)
    assert missing.status_code == 404
    assert client.get("/api/evidence/heads/elsewhere", headers=key).status_code == 422
