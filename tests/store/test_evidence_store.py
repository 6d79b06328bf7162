"""Evidence in the store: lodged, proven, and every edit behind the server's back is caught.

Each test tampers with the database by raw SQL, as an insider with database access would, then
audits the store offline.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, text

from dualcarbon.accounting.inventory import Inventory
from dualcarbon.ledger import merkle
from dualcarbon.ledger.lodging import (
    PLATFORM,
    audit_store,
    consistency_proof,
    inclusion_proof,
    latest_head,
    lodge_inventory,
    organisation_log,
)
from dualcarbon.ledger.signing import Signer, verify_head
from dualcarbon.store import save_inventory, session_scope

SIGNER = Signer.generate()


def _lodge(engine: Engine, factory: Callable[..., Inventory], n: int) -> int:
    """n submissions of one organisation; its id."""
    organisation_id = 0
    for i in range(n):
        inventory = factory(coal_t=1000.0 + i)
        with session_scope(engine) as session:
            stored = save_inventory(session, "华能测试", "一号电厂", inventory)
            organisation_id = stored.facility.organisation_id
            lodge_inventory(session, SIGNER, organisation_id, stored, inventory)
    return organisation_id


def _problems(engine: Engine) -> set[tuple[str, str, int | None]]:
    with session_scope(engine) as session:
        reports = audit_store(session, SIGNER.public_key)
    return {(r.log_id, p.kind, p.sequence) for r in reports for p in r.problems}


def test_lodged_evidence_audits_clean_and_proves(
    engine: Engine, inventory_factory: Callable[..., Inventory]
) -> None:
    org = _lodge(engine, inventory_factory, 5)
    assert _problems(engine) == set()
    with session_scope(engine) as session:
        head = latest_head(session, organisation_log(org))
        assert head is not None and head.head.tree_size == 5
        assert verify_head(head, SIGNER.public_key)
        proof = inclusion_proof(session, organisation_log(org), 2)
        assert merkle.verify_inclusion(
            bytes.fromhex(proof["leaf_hash"]),
            2,
            5,
            [bytes.fromhex(p) for p in proof["proof"]],
            bytes.fromhex(head.head.root_hash),
        )
        old = consistency_proof(session, organisation_log(org), 3, 5)
        three = session.execute(
            text("SELECT root_hash FROM evidence_heads WHERE log_id = :l AND tree_size = 3"),
            {"l": organisation_log(org)},
        ).scalar_one()
        assert merkle.verify_consistency(
            3,
            5,
            bytes.fromhex(three),
            bytes.fromhex(head.head.root_hash),
            [bytes.fromhex(p) for p in old["proof"]],
        )
        platform = latest_head(session, PLATFORM)
        assert platform is not None and platform.head.tree_size == 5


def test_edited_entry_is_named(engine: Engine, inventory_factory: Callable[..., Inventory]) -> None:
    org = _lodge(engine, inventory_factory, 4)
    with engine.begin() as connection:
        content = connection.execute(
            text("SELECT content_json FROM evidence_entries WHERE log_id = :l AND sequence = 1"),
            {"l": organisation_log(org)},
        ).scalar_one()
        changed = json.dumps({**json.loads(content), "year": 2023})
        connection.execute(
            text(
                "UPDATE evidence_entries SET content_json = :c WHERE log_id = :l AND sequence = 1"
            ),
            {"c": changed, "l": organisation_log(org)},
        )
    assert (organisation_log(org), "altered", 1) in _problems(engine)


def test_edited_entry_with_recomputed_hash_is_named(
    engine: Engine, inventory_factory: Callable[..., Inventory]
) -> None:
    from dualcarbon.ledger.canonical import canonical_bytes

    org = _lodge(engine, inventory_factory, 4)
    with engine.begin() as connection:
        content = json.loads(
            connection.execute(
                text(
                    "SELECT content_json FROM evidence_entries WHERE log_id = :l AND sequence = 2"
                ),
                {"l": organisation_log(org)},
            ).scalar_one()
        )
        content["submitted_by"] = "someone else"
        leaf = merkle.leaf_hash(canonical_bytes(content)).hex()
        connection.execute(
            text(
                "UPDATE evidence_entries SET content_json = :c, leaf_hash = :h "
                "WHERE log_id = :l AND sequence = 2"
            ),
            {"c": canonical_bytes(content).decode(), "h": leaf, "l": organisation_log(org)},
        )
    assert (organisation_log(org), "altered", 2) in _problems(engine)


def test_deleted_entry_is_named(
    engine: Engine, inventory_factory: Callable[..., Inventory]
) -> None:
    org = _lodge(engine, inventory_factory, 4)
    with engine.begin() as connection:
        connection.execute(
            text("DELETE FROM evidence_entries WHERE log_id = :l AND sequence = 1"),
            {"l": organisation_log(org)},
        )
    assert (organisation_log(org), "removed", 1) in _problems(engine)


def test_reordered_entries_are_named(
    engine: Engine, inventory_factory: Callable[..., Inventory]
) -> None:
    org = _lodge(engine, inventory_factory, 4)
    with engine.begin() as connection:
        for old, new in ((1, 100), (2, 1), (100, 2)):  # swap the sequence numbers of 1 and 2
            connection.execute(
                text(
                    "UPDATE evidence_entries SET sequence = :n WHERE log_id = :l AND sequence = :o"
                ),
                {"n": new, "o": old, "l": organisation_log(org)},
            )
    kinds = {kind for log, kind, _ in _problems(engine) if log == organisation_log(org)}
    assert kinds & {"reordered", "altered"}


def test_edited_inventory_is_named(
    engine: Engine, inventory_factory: Callable[..., Inventory]
) -> None:
    org = _lodge(engine, inventory_factory, 2)
    with engine.begin() as connection:
        payload = json.loads(
            connection.execute(
                text("SELECT inventory_json FROM inventories ORDER BY id LIMIT 1")
            ).scalar_one()
        )
        fuel = payload["tables"]["fuel"]["data"]
        fuel["consumption"][0] = fuel["consumption"][0] / 2  # halve a month's coal
        connection.execute(
            text(
                "UPDATE inventories SET inventory_json = :p WHERE id = "
                "(SELECT min(id) FROM inventories)"
            ),
            {"p": json.dumps(payload)},
        )
    assert (organisation_log(org), "altered", 0) in _problems(engine)


@pytest.mark.parametrize("n", [1, 3])
def test_another_key_does_not_verify(
    engine: Engine, inventory_factory: Callable[..., Inventory], n: int
) -> None:
    _lodge(engine, inventory_factory, n)
    with session_scope(engine) as session:
        reports = audit_store(session, Signer.generate().public_key)
    assert all(any(p.kind == "bad_signature" for p in r.problems) for r in reports)
