"""The evidence log: proofs verify, and every kind of tampering is named."""

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualcarbon.ledger import merkle
from dualcarbon.ledger.audit import StoredEntry, audit
from dualcarbon.ledger.log import MerkleLog
from dualcarbon.ledger.signing import Signer, verify_head

SIGNER = Signer.generate()


def _log(n: int) -> tuple[MerkleLog, list[StoredEntry], list]:  # type: ignore[type-arg]
    log = MerkleLog("org:1", SIGNER)
    entries, heads = [], []
    for i in range(n):
        entry, head = log.append(
            {"month": i % 12 + 1, "fuel_t": 1000.0 + i, "seq": i},
            at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        )
        entries.append(entry)
        heads.append(head)
    return log, entries, heads


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 40), st.data())
def test_proofs_round_trip(n: int, data: st.DataObject) -> None:
    log, entries, heads = _log(n)
    index = data.draw(st.integers(0, n - 1))
    size = data.draw(st.integers(index + 1, n))
    proof = [bytes.fromhex(p) for p in log.inclusion_proof(index, size)]
    root = bytes.fromhex(heads[size - 1].head.root_hash)
    assert merkle.verify_inclusion(
        bytes.fromhex(entries[index].leaf_hash), index, size, proof, root
    )
    old = data.draw(st.integers(0, size))
    consistency = [bytes.fromhex(p) for p in log.consistency_proof(old, size)]
    old_root = merkle.EMPTY_ROOT if old == 0 else bytes.fromhex(heads[old - 1].head.root_hash)
    assert merkle.verify_consistency(old, size, old_root, root, consistency)


def test_a_wrong_proof_fails() -> None:
    log, entries, heads = _log(9)
    proof = [bytes.fromhex(p) for p in log.inclusion_proof(3)]
    proof[0] = bytes(32)
    root = bytes.fromhex(heads[-1].head.root_hash)
    assert not merkle.verify_inclusion(bytes.fromhex(entries[3].leaf_hash), 3, 9, proof, root)
    assert not merkle.verify_inclusion(bytes.fromhex(entries[3].leaf_hash), 4, 9, proof, root)


def test_heads_are_signed() -> None:
    _, _, heads = _log(3)
    assert all(verify_head(h, SIGNER.public_key) for h in heads)
    forged = dataclasses.replace(heads[-1], head=dataclasses.replace(heads[-1].head, tree_size=99))
    assert not verify_head(forged, SIGNER.public_key)
    assert not verify_head(heads[-1], Signer.generate().public_key)


def test_clean_log_audits_clean() -> None:
    log, entries, heads = _log(12)
    report = audit("org:1", entries, heads, SIGNER.public_key)
    assert report.ok and report.root_hash == log.root_hash


def test_altered_content_is_named() -> None:
    _, entries, heads = _log(10)
    entries[4] = dataclasses.replace(entries[4], content={**entries[4].content, "fuel_t": 1.0})
    report = audit("org:1", entries, heads, SIGNER.public_key)
    assert [(p.kind, p.sequence) for p in report.problems] == [("altered", 4)]


def test_altered_content_with_a_rewritten_leaf_hash_is_named() -> None:
    _, entries, heads = _log(10)
    for i in (2, 7):  # two entries changed, their recorded hashes recomputed to match
        content = {**entries[i].content, "fuel_t": 0.0}
        from dualcarbon.ledger.canonical import canonical_bytes

        entries[i] = StoredEntry(i, content, merkle.leaf_hash(canonical_bytes(content)).hex())
    report = audit("org:1", entries, heads, SIGNER.public_key)
    assert sorted(p.sequence for p in report.problems if p.kind == "altered") == [2, 7]


def test_removed_entries_are_named() -> None:
    _, entries, heads = _log(10)
    del entries[5]
    report = audit("org:1", entries, heads, SIGNER.public_key)
    assert ("removed", 5) in {(p.kind, p.sequence) for p in report.problems}
    _, entries, heads = _log(10)
    report = audit("org:1", entries[:8], heads, SIGNER.public_key)
    assert any(p.kind == "removed" for p in report.problems)


def test_reordered_entries_are_named() -> None:
    _, entries, heads = _log(10)
    entries[3], entries[4] = entries[4], entries[3]
    report = audit("org:1", entries, heads, SIGNER.public_key)
    assert any(p.kind == "reordered" for p in report.problems)


def test_forged_head_is_named() -> None:
    _, entries, heads = _log(4)
    heads[2] = dataclasses.replace(heads[2], signature=heads[1].signature)
    report = audit("org:1", entries, heads, SIGNER.public_key)
    assert [p.kind for p in report.problems] == ["bad_signature"]


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_numbers_cannot_be_logged(value: float) -> None:
    with pytest.raises(ValueError):
        MerkleLog("x", SIGNER).append({"v": value})


def test_a_removed_entry_names_only_itself() -> None:
    """Issue 12: deleting #5 of 12 named #5–#11 as altered; the entries after it are where the
    heads put them."""
    _, entries, heads = _log(12)
    del entries[5]
    report = audit("org:1", entries, heads, SIGNER.public_key)
    assert [(p.kind, p.sequence) for p in report.problems] == [("removed", 5)]


def test_a_swap_names_the_two_entries_reordered() -> None:
    """Issue 12: a swap was reported as "removed 2, reordered 2"."""
    _, entries, heads = _log(12)
    entries[3], entries[8] = (
        dataclasses.replace(entries[8], sequence=3),
        dataclasses.replace(entries[3], sequence=8),
    )
    report = audit("org:1", entries, heads, SIGNER.public_key)
    assert sorted((p.kind, p.sequence) for p in report.problems) == [
        ("reordered", 3),
        ("reordered", 8),
    ]
    _, entries, heads = _log(12)
    entries[3], entries[4] = entries[4], entries[3]  # stored out of order, numbers kept
    report = audit("org:1", entries, heads, SIGNER.public_key)
    assert sorted((p.kind, p.sequence) for p in report.problems) == [
        ("reordered", 3),
        ("reordered", 4),
    ]


def test_entries_no_head_covers_are_named() -> None:
    _, entries, heads = _log(6)
    report = audit("org:1", entries, heads[:4], SIGNER.public_key)
    assert [(p.kind, p.sequence) for p in report.problems] == [("unsigned", 4)]
    report = audit("org:1", entries, [], SIGNER.public_key)
    assert [(p.kind, p.sequence) for p in report.problems] == [("unsigned", 0)]
