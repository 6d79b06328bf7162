"""Offline audit of a log: recompute everything from the entries and name what does not fit.

Given the entries as stored (each with its sequence number, canonical content and recorded leaf
hash, in the order the store keeps them) and the signed tree heads published at each append, the
audit reports, per entry:

- **altered** — its content no longer hashes to the leaf a signed head committed to at its
  position, or to its own recorded leaf hash;
- **removed** — a position a signed head (or the log's recorded size) covers holds no entry;
- **reordered** — an entry sits at another position than the one a signed head committed it to,
  or the store keeps the entries out of sequence order (a swap of two entries names those two);
- **unsigned** — entries that no signed head covers: a log is only as good as its newest head,
  so heads deleted to hide a rewrite leave entries uncovered, and that is reported;
- **head_mismatch** — a signed head's root does not match the entries it covers, when no single
  entry can be named (the head committing to that entry's position is gone);
- **bad signature** — a tree head whose Ed25519 signature does not verify.

Every head carries the leaf hash of the entry whose append produced it (docs/decisions/0005), so
entries are compared position by position with what was committed, and a deleted entry names
only itself: the entries after it are still where the heads put them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from dualcarbon.ledger import merkle
from dualcarbon.ledger.canonical import canonical_bytes
from dualcarbon.ledger.signing import SignedTreeHead, TreeHead, verify_head

ProblemKind = Literal[
    "altered",
    "removed",
    "reordered",
    "bad_signature",
    "head_mismatch",
    "unsigned",
    "log_mismatch",
    "platform_mismatch",
    "kept_head",
    "unlodged",
]


@dataclass(frozen=True)
class StoredEntry:
    sequence: int
    content: dict[str, Any]
    leaf_hash: str
    """hex, as recorded at append time"""


@dataclass(frozen=True)
class AuditProblem:
    kind: ProblemKind
    sequence: int | None
    detail: str


@dataclass(frozen=True)
class AuditReport:
    log_id: str
    entries: int
    heads: int
    root_hash: str
    problems: list[AuditProblem] = field(default_factory=list)
    signed_size: int = 0
    """the size of the largest head whose signature verifies"""
    leaves: dict[int, bytes] = field(default_factory=dict, repr=False, compare=False)
    """the leaf hash recomputed from each stored entry's content, by sequence number"""

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def size(self) -> int:
        """Positions the stored entries reach (the highest sequence number + 1)."""
        return max(self.leaves, default=-1) + 1

    def prefix(self, size: int) -> list[bytes] | None:
        """The recomputed leaves 0..size-1, or ``None`` when one of them is not stored."""
        if any(position not in self.leaves for position in range(size)):
            return None
        return [self.leaves[position] for position in range(size)]


class _Problems:
    """Problems in the order found; one per entry (the first reason found names it)."""

    def __init__(self) -> None:
        self.items: list[AuditProblem] = []
        self.named: set[int] = set()

    def entry(self, kind: ProblemKind, sequence: int, detail: str) -> None:
        if sequence not in self.named:
            self.named.add(sequence)
            self.items.append(AuditProblem(kind, sequence, detail))

    def log(self, kind: ProblemKind, sequence: int | None, detail: str) -> None:
        self.items.append(AuditProblem(kind, sequence, detail))


def audit(
    log_id: str,
    entries: Sequence[StoredEntry],
    heads: Sequence[SignedTreeHead],
    public_key: str,
) -> AuditReport:
    problems = _Problems()
    valid: list[TreeHead] = []
    for signed in sorted(heads, key=lambda h: h.head.tree_size):
        head = signed.head
        if head.log_id != log_id:
            continue
        if not verify_head(signed, public_key):
            problems.log("bad_signature", None, f"tree head of size {head.tree_size}")
            continue
        valid.append(head)
    committed = {h.tree_size - 1: h.leaf_hash for h in valid if h.tree_size > 0 and h.leaf_hash}
    committed_at = {leaf: position for position, leaf in committed.items()}

    leaves: dict[int, bytes] = {}
    recorded: dict[int, str] = {}
    stored_order: list[int] = []
    for entry in entries:
        leaf = merkle.leaf_hash(canonical_bytes(entry.content))
        if entry.sequence in leaves:
            problems.entry("reordered", entry.sequence, "sequence number repeated")
            continue
        leaves[entry.sequence] = leaf
        recorded[entry.sequence] = entry.leaf_hash
        stored_order.append(entry.sequence)
    for sequence, expected in zip(stored_order, sorted(stored_order), strict=True):
        if sequence != expected:
            problems.entry("reordered", sequence, "stored out of sequence order")

    stored = max(leaves, default=-1) + 1
    signed_size = max((h.tree_size for h in valid), default=0)
    present = {leaf.hex() for leaf in leaves.values()}
    for position in range(max(stored, signed_size)):
        want = committed.get(position)
        found = leaves.get(position)
        if found is None:
            if want is not None and want in present:
                continue  # the entry is stored at another position, named there
            problems.entry(
                "removed",
                position,
                "sequence number missing"
                if position < stored
                else f"a signed head covers {signed_size} entries; {stored} are stored",
            )
            continue
        if found.hex() == want:
            continue
        moved_from = committed_at.get(found.hex())
        if moved_from is not None and moved_from != position:
            problems.entry(
                "reordered",
                position,
                f"holds the entry a signed head committed to at #{moved_from}",
            )
        elif want is not None:
            problems.entry(
                "altered",
                position,
                f"content differs from what the signed head of size {position + 1} committed to",
            )
        elif found.hex() != recorded[position]:
            problems.entry("altered", position, "content does not match its leaf hash")

    if stored > signed_size:
        problems.log(
            "unsigned",
            signed_size,
            f"entries #{signed_size}–#{stored - 1} are covered by no signed head"
            if stored - signed_size > 1
            else f"entry #{signed_size} is covered by no signed head",
        )
    _check_roots(valid, leaves, problems)
    ordered = [leaves[p] for p in sorted(leaves)]
    root_hash = merkle.root(ordered).hex()
    return AuditReport(
        log_id, len(entries), len(heads), root_hash, problems.items, signed_size, leaves
    )


def check_kept_head(
    report: AuditReport, kept: SignedTreeHead, public_key: str
) -> AuditProblem | None:
    """Is the stored log an extension of a head a verifier kept outside the store?

    As a Certificate Transparency monitor does (RFC 6962 §5.3, RFC 9162 §8.3): the stored
    entries must reach the kept head's size, and a consistency proof from the kept size to the
    stored size, built from the entries' recomputed leaves, must verify against the kept root
    (RFC 9162 §2.1.4.2). Nothing stored can satisfy that after an entry the head covers was
    changed, removed or moved, whatever else was rewritten in the store.
    """
    head = kept.head
    if head.log_id != report.log_id:
        return None
    if not verify_head(kept, public_key):
        return AuditProblem(
            "kept_head", None, f"the kept head of size {head.tree_size} is not signed by this key"
        )
    if report.size < head.tree_size:
        return AuditProblem(
            "removed",
            report.size,
            f"the kept head of size {head.tree_size} ({head.timestamp}) covers "
            f"{head.tree_size} entries; {report.size} are stored",
        )
    leaves = report.prefix(report.size)
    proof = [] if leaves is None else merkle.consistency_proof(leaves, head.tree_size)
    if leaves is None or not merkle.verify_consistency(
        head.tree_size,
        len(leaves),
        bytes.fromhex(head.root_hash),
        merkle.root(leaves),
        proof,
    ):
        return AuditProblem(
            "kept_head",
            None,
            f"the stored log is not an extension of the kept head of size {head.tree_size} "
            f"({head.timestamp}): the consistency proof fails (RFC 9162 §2.1.4.2)",
        )
    return None


def _check_roots(heads: list[TreeHead], leaves: dict[int, bytes], problems: _Problems) -> None:
    """Every head whose entries are all in place must commit to their root; the first that does
    not names the range since the last head that did (its own position's head is gone)."""
    first_named = min(problems.named, default=2**63)
    compact = merkle.CompactRange()
    last_good = 0
    for head in heads:
        if head.tree_size > first_named:
            return
        while compact.size < head.tree_size:
            leaf = leaves.get(compact.size)
            if leaf is None:
                return
            compact.append(leaf)
        if compact.root().hex() == head.root_hash:
            last_good = head.tree_size
            continue
        problems.log(
            "head_mismatch",
            last_good,
            f"an entry among #{last_good}–#{head.tree_size - 1} differs from what the signed "
            f"head of size {head.tree_size} committed to",
        )
        return
