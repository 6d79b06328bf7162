"""An insider with database access rewrites the evidence and hides the traces: issue 12.

Each test lodges a small organisation the way the server does (inventories, their results, a
verifier's sign-off), tampers by raw SQL, and audits the store offline. Before 0008 every one of
these audits said "intact" or named the wrong entries; see docs/decisions/0008.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import Engine, select, text

from dualcarbon.accounting.engine import account
from dualcarbon.accounting.inventory import Inventory
from dualcarbon.ledger import merkle
from dualcarbon.ledger.canonical import canonical_bytes
from dualcarbon.ledger.lodging import (
    PLATFORM,
    audit_store,
    latest_head,
    lodge_inventory,
    lodge_results,
    lodge_signoff,
    organisation_log,
)
from dualcarbon.ledger.signing import SignedTreeHead, Signer
from dualcarbon.store import save_inventory, save_result, session_scope
from dualcarbon.store.models import ResultSignOff, User, utcnow
from dualcarbon.store.repository import dump_inventory

SIGNER = Signer.generate()
Problems = set[tuple[str, str, int | None]]


def _lodge(
    engine: Engine, factory: Callable[..., Inventory], n: int, *, results: bool = False
) -> int:
    """n submissions of one organisation (each with its result when ``results``); its id."""
    organisation_id = 0
    for i in range(n):
        inventory = factory(coal_t=1000.0 + i)
        with session_scope(engine) as session:
            stored = save_inventory(session, "华能测试", "一号电厂", inventory)
            organisation_id = stored.facility.organisation_id
            lodge_inventory(session, SIGNER, organisation_id, stored, inventory)
            if results:
                save_result(session, stored, account(inventory))
                lodge_results(session, SIGNER, organisation_id)
    return organisation_id


def _problems(engine: Engine, kept: tuple[SignedTreeHead, ...] = ()) -> Problems:
    with session_scope(engine) as session:
        reports = audit_store(session, SIGNER.public_key, kept=kept)
    return {(r.log_id, p.kind, p.sequence) for r in reports for p in r.problems}


def _of(problems: Problems, log_id: str) -> set[tuple[str, int | None]]:
    return {(kind, sequence) for log, kind, sequence in problems if log == log_id}


def _rewrite_inventory_and_leaf(
    engine: Engine, factory: Callable[..., Inventory], org: int, sequence: int
) -> None:
    """Replace the inventory of org entry ``sequence`` by another one, and make the entry, its
    recorded leaf hash and the log's compact range agree with the new content."""
    log = organisation_log(org)
    with engine.begin() as connection:
        content = json.loads(
            connection.execute(
                text(
                    "SELECT content_json FROM evidence_entries WHERE log_id = :l AND sequence = :s"
                ),
                {"l": log, "s": sequence},
            ).scalar_one()
        )
        forged = factory(coal_t=1.0)  # a year of coal rewritten to one tonne
        connection.execute(
            text("UPDATE inventories SET inventory_json = :j, digest = :d WHERE id = :i"),
            {"j": dump_inventory(forged), "d": forged.digest(), "i": content["inventory_id"]},
        )
        content["inventory_digest"] = forged.digest()
        connection.execute(
            text(
                "UPDATE evidence_entries SET content_json = :c, leaf_hash = :h "
                "WHERE log_id = :l AND sequence = :s"
            ),
            {
                "c": canonical_bytes(content).decode(),
                "h": merkle.leaf_hash(canonical_bytes(content)).hex(),
                "l": log,
                "s": sequence,
            },
        )
        leaves = [
            bytes.fromhex(h)
            for h in connection.execute(
                text("SELECT leaf_hash FROM evidence_entries WHERE log_id = :l ORDER BY sequence"),
                {"l": log},
            ).scalars()
        ]
        compact = merkle.CompactRange()
        for leaf in leaves:
            compact.append(leaf)
        connection.execute(
            text("UPDATE evidence_logs SET compact_json = :c WHERE log_id = :l"),
            {"c": json.dumps(compact.to_json()), "l": log},
        )


def test_a_rewrite_with_all_its_heads_deleted_is_caught(
    engine: Engine, inventory_factory: Callable[..., Inventory]
) -> None:
    org = _lodge(engine, inventory_factory, 4)
    _rewrite_inventory_and_leaf(engine, inventory_factory, org, 1)
    with engine.begin() as connection:
        connection.execute(
            text("DELETE FROM evidence_heads WHERE log_id IN (:l)"), {"l": organisation_log(org)}
        )
    found = _of(_problems(engine), organisation_log(org))
    assert ("unsigned", 0) in found  # no signed head covers the log any more
    assert ("altered", 1) in found  # and the platform log's copy of entry 1 differs


def test_a_rewrite_with_every_log_unsigned_is_still_caught(
    engine: Engine, inventory_factory: Callable[..., Inventory]
) -> None:
    org = _lodge(engine, inventory_factory, 3)
    _rewrite_inventory_and_leaf(engine, inventory_factory, org, 2)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM evidence_heads"))
    problems = _problems(engine)
    assert ("unsigned", 0) in _of(problems, organisation_log(org))
    assert ("unsigned", 0) in _of(problems, PLATFORM)


def test_deleting_the_newest_heads_is_caught(
    engine: Engine, inventory_factory: Callable[..., Inventory]
) -> None:
    org = _lodge(engine, inventory_factory, 5)
    with engine.begin() as connection:
        connection.execute(
            text("DELETE FROM evidence_heads WHERE log_id = :l AND tree_size > 3"),
            {"l": organisation_log(org)},
        )
    assert _of(_problems(engine), organisation_log(org)) == {("unsigned", 3)}


def test_deleting_the_last_entry_with_its_head_is_caught(
    engine: Engine, inventory_factory: Callable[..., Inventory]
) -> None:
    org = _lodge(engine, inventory_factory, 4)
    with engine.begin() as connection:
        for table in ("evidence_entries", "evidence_heads"):
            column = "sequence" if table == "evidence_entries" else "tree_size"
            last = 3 if table == "evidence_entries" else 4
            connection.execute(
                text(f"DELETE FROM {table} WHERE log_id = :l AND {column} = :n"),
                {"l": organisation_log(org), "n": last},
            )
    # evidence_logs.size still says 4
    assert _of(_problems(engine), organisation_log(org)) == {("removed", 3)}


def test_a_log_cut_short_everywhere_in_it_is_caught_by_the_platform_log(
    engine: Engine, inventory_factory: Callable[..., Inventory]
) -> None:
    org = _lodge(engine, inventory_factory, 4)
    log = organisation_log(org)
    with engine.begin() as connection:
        connection.execute(
            text("DELETE FROM evidence_entries WHERE log_id = :l AND sequence = 3"), {"l": log}
        )
        connection.execute(
            text("DELETE FROM evidence_heads WHERE log_id = :l AND tree_size = 4"), {"l": log}
        )
        leaves = [
            bytes.fromhex(h)
            for h in connection.execute(
                text("SELECT leaf_hash FROM evidence_entries WHERE log_id = :l ORDER BY sequence"),
                {"l": log},
            ).scalars()
        ]
        compact = merkle.CompactRange()
        for leaf in leaves:
            compact.append(leaf)
        connection.execute(
            text("UPDATE evidence_logs SET size = 3, compact_json = :c WHERE log_id = :l"),
            {"c": json.dumps(compact.to_json()), "l": log},
        )
    assert ("removed", 3) in _of(_problems(engine), log)


def test_deleting_one_entry_names_only_that_entry(
    engine: Engine, inventory_factory: Callable[..., Inventory]
) -> None:
    org = _lodge(engine, inventory_factory, 12)
    with engine.begin() as connection:
        connection.execute(
            text("DELETE FROM evidence_entries WHERE log_id = :l AND sequence = 5"),
            {"l": organisation_log(org)},
        )
    assert _of(_problems(engine), organisation_log(org)) == {("removed", 5)}


def test_a_swap_of_two_entries_is_named_as_those_two_reordered(
    engine: Engine, inventory_factory: Callable[..., Inventory]
) -> None:
    org = _lodge(engine, inventory_factory, 12)
    with engine.begin() as connection:
        for old, new in ((4, 100), (7, 4), (100, 7)):  # swap the sequence numbers of 4 and 7
            connection.execute(
                text(
                    "UPDATE evidence_entries SET sequence = :n WHERE log_id = :l AND sequence = :o"
                ),
                {"n": new, "o": old, "l": organisation_log(org)},
            )
    assert _of(_problems(engine), organisation_log(org)) == {("reordered", 4), ("reordered", 7)}


def test_a_swap_of_two_entries_contents_is_named_as_those_two_reordered(
    engine: Engine, inventory_factory: Callable[..., Inventory]
) -> None:
    org = _lodge(engine, inventory_factory, 8)
    log = organisation_log(org)
    with engine.begin() as connection:
        rows = dict(
            connection.execute(
                text(
                    "SELECT sequence, content_json || '|' || leaf_hash FROM evidence_entries "
                    "WHERE log_id = :l AND sequence IN (2, 3)"
                ),
                {"l": log},
            ).all()
        )
        for mine, theirs in ((2, 3), (3, 2)):
            content, leaf = rows[theirs].rsplit("|", 1)
            connection.execute(
                text(
                    "UPDATE evidence_entries SET content_json = :c, leaf_hash = :h "
                    "WHERE log_id = :l AND sequence = :s"
                ),
                {"c": content, "h": leaf, "l": log, "s": mine},
            )
    found = _of(_problems(engine), log)
    assert {("reordered", 2), ("reordered", 3)} <= found
    assert {kind for kind, _ in found} == {"reordered"}


def _with_signoff(engine: Engine, factory: Callable[..., Inventory]) -> tuple[int, int, int]:
    """One submission with its result and an approval lodged; (organisation, result, sign-off)."""
    org = _lodge(engine, factory, 1, results=True)
    with session_scope(engine) as session:
        user = User(email="verifier@example.cn", name="核查员", password_hash="x", role="verifier")
        session.add(user)
        session.flush()
        result_id = session.scalars(text("SELECT id FROM results")).one()
        signoff = ResultSignOff(
            result_id=result_id,
            user_id=user.id,
            decision="approved",
            note="核查通过",
            created_at=utcnow(),
        )
        session.add(signoff)
        session.flush()
        lodge_signoff(session, SIGNER, org, signoff)
        return org, result_id, signoff.id


def test_lodged_results_and_signoffs_audit_clean(
    engine: Engine, inventory_factory: Callable[..., Inventory]
) -> None:
    _with_signoff(engine, inventory_factory)
    assert _problems(engine) == set()


def test_a_halved_total_behind_the_trigger_is_caught(
    engine: Engine, inventory_factory: Callable[..., Inventory]
) -> None:
    org, result_id, _ = _with_signoff(engine, inventory_factory)
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.execute(text("DROP TRIGGER results_immutable"))
        else:
            connection.execute(text("ALTER TABLE results DISABLE TRIGGER results_immutable"))
        connection.execute(
            text("UPDATE results SET total_tco2e = total_tco2e / 2 WHERE id = :i"), {"i": result_id}
        )
    assert ("altered", 1) in _of(_problems(engine), organisation_log(org))


def test_an_approval_turned_into_a_rejection_is_caught(
    engine: Engine, inventory_factory: Callable[..., Inventory]
) -> None:
    org, _, signoff_id = _with_signoff(engine, inventory_factory)
    with engine.begin() as connection:  # the trigger of migration 0009 refuses a plain UPDATE …
        if connection.dialect.name == "sqlite":
            connection.execute(text("DROP TRIGGER result_signoffs_no_update"))
        else:
            connection.execute(text("ALTER TABLE result_signoffs DISABLE TRIGGER USER"))
        connection.execute(  # … so an insider bypasses it first
            text("UPDATE result_signoffs SET decision = 'rejected' WHERE id = :i"),
            {"i": signoff_id},
        )
    assert ("altered", 2) in _of(_problems(engine), organisation_log(org))


def test_the_signoff_trigger_refuses_a_plain_update(
    engine: Engine, inventory_factory: Callable[..., Inventory]
) -> None:
    import pytest
    from sqlalchemy.exc import DatabaseError

    _, _, signoff_id = _with_signoff(engine, inventory_factory)
    with pytest.raises(DatabaseError, match="immutable"), engine.begin() as connection:
        connection.execute(
            text("UPDATE result_signoffs SET decision = 'rejected' WHERE id = :i"),
            {"i": signoff_id},
        )


def test_a_kept_head_catches_a_consistent_rewrite_of_every_log(
    engine: Engine, inventory_factory: Callable[..., Inventory]
) -> None:
    org = _lodge(engine, inventory_factory, 3)
    with session_scope(engine) as session:
        kept = latest_head(session, organisation_log(org))
    assert kept is not None
    assert _problems(engine, (kept,)) == set()
    # The insider drops the last entry of both logs with their heads and fixes every record.
    with engine.begin() as connection:
        for log, last in ((organisation_log(org), 2), (PLATFORM, 2)):
            connection.execute(
                text("DELETE FROM evidence_entries WHERE log_id = :l AND sequence = :s"),
                {"l": log, "s": last},
            )
            connection.execute(
                text("DELETE FROM evidence_heads WHERE log_id = :l AND tree_size = :s"),
                {"l": log, "s": last + 1},
            )
            leaves = [
                bytes.fromhex(h)
                for h in connection.execute(
                    text(
                        "SELECT leaf_hash FROM evidence_entries WHERE log_id = :l ORDER BY sequence"
                    ),
                    {"l": log},
                ).scalars()
            ]
            compact = merkle.CompactRange()
            for leaf in leaves:
                compact.append(leaf)
            connection.execute(
                text("UPDATE evidence_logs SET size = :n, compact_json = :c WHERE log_id = :l"),
                {"n": len(leaves), "c": json.dumps(compact.to_json()), "l": log},
            )
    assert _problems(engine) == set()  # nothing in the store tells
    assert ("removed", 2) in _of(_problems(engine, (kept,)), organisation_log(org))


def test_the_database_refuses_to_lodge_one_inventory_twice(
    engine: Engine, inventory_factory: Callable[..., Inventory]
) -> None:
    """The interleaving behind issue 12's 11 × 201: a request that read "not stored" before
    another committed, then found the committed row and lodged it again. The unique index on
    (log_id, subject) refuses it, whatever the request read."""
    import pytest
    from sqlalchemy.exc import IntegrityError

    inventory = inventory_factory()
    _lodge(engine, lambda coal_t: inventory, 1)
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        stored = save_inventory(session, "华能测试", "一号电厂", inventory)  # the row found
        lodge_inventory(session, SIGNER, stored.facility.organisation_id, stored, inventory)


def test_the_database_refuses_a_second_correction_of_one_inventory(
    engine: Engine, inventory_factory: Callable[..., Inventory]
) -> None:
    import pytest
    from sqlalchemy.exc import IntegrityError

    from dualcarbon.store.models import StoredInventory

    org = _lodge(engine, inventory_factory, 1)
    with session_scope(engine) as session:
        first = session.scalars(select(StoredInventory)).one()
        correction = inventory_factory(coal_t=2000.0)
        stored = save_inventory(session, "华能测试", "一号电厂", correction)
        lodge_inventory(session, SIGNER, org, stored, correction, corrects=first)
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        first = session.get(StoredInventory, first.id)
        assert first is not None
        other = inventory_factory(coal_t=3000.0)
        stored = save_inventory(session, "华能测试", "一号电厂", other)
        lodge_inventory(session, SIGNER, org, stored, other, corrects=first)


def test_a_signoff_inserted_behind_the_server_is_named(
    engine: Engine, inventory_factory: Callable[..., Inventory]
) -> None:
    org, result_id, _ = _with_signoff(engine, inventory_factory)
    with engine.begin() as connection:
        user = connection.execute(text("SELECT user_id FROM result_signoffs")).scalar_one()
        connection.execute(
            text(
                "INSERT INTO result_signoffs (result_id, user_id, decision, note, created_at) "
                "VALUES (:r, :u, 'rejected', '', :t)"
            ),
            {"r": result_id, "u": user, "t": utcnow()},
        )
    found = _of(_problems(engine), organisation_log(org))
    assert found == {("unlodged", None)}
