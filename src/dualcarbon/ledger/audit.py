"""Offline audit of a log: recompute everything from the entries and name what does not fit.

Given the entries as stored (each with its sequence number, canonical content and recorded leaf
hash) and the signed tree heads published at each append, the audit reports, per entry:

- **altered** — its content no longer hashes to its recorded leaf hash, or the heads no longer
  commit to it (the recorded hash was rewritten too);
- **removed** — a sequence number is missing, or a head covers more entries than are stored;
- **reordered** — sequence numbers out of order or repeated;
- **bad signature** — a tree head whose Ed25519 signature does not verify.

With a head per append, the first head whose root does not match names the exact entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from dualcarbon.ledger import merkle
from dualcarbon.ledger.canonical import canonical_bytes
from dualcarbon.ledger.signing import SignedTreeHead, verify_head

ProblemKind = Literal["altered", "removed", "reordered", "bad_signature", "head_mismatch"]


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

    @property
    def ok(self) -> bool:
        return not self.problems


def audit(
    log_id: str,
    entries: Sequence[StoredEntry],
    heads: Sequence[SignedTreeHead],
    public_key: str,
) -> AuditReport:
    problems: list[AuditProblem] = []
    ordered = list(entries)
    sequences = [entry.sequence for entry in ordered]
    expected = 0
    for position, sequence in enumerate(sequences):
        if sequence == expected:
            expected += 1
            continue
        if sequence in sequences[:position] or sequence < expected:
            problems.append(AuditProblem("reordered", sequence, "sequence number out of order"))
        else:
            for missing in range(expected, sequence):
                problems.append(AuditProblem("removed", missing, "sequence number missing"))
            expected = sequence + 1
    leaves: list[bytes] = []
    for entry in ordered:
        recomputed = merkle.leaf_hash(canonical_bytes(entry.content))
        if recomputed.hex() != entry.leaf_hash:
            problems.append(
                AuditProblem("altered", entry.sequence, "content does not match its leaf hash")
            )
        leaves.append(recomputed)
    roots = list(merkle.roots_by_size(leaves))
    altered = {p.sequence for p in problems if p.kind == "altered"}
    root_mismatch_reported = False
    for signed in sorted(heads, key=lambda h: h.head.tree_size):
        head = signed.head
        if head.log_id != log_id:
            continue
        if not verify_head(signed, public_key):
            problems.append(
                AuditProblem("bad_signature", None, f"tree head of size {head.tree_size}")
            )
            continue
        if head.tree_size > len(leaves):
            problems.append(
                AuditProblem(
                    "removed",
                    len(leaves),
                    f"a signed head covers {head.tree_size} entries; {len(leaves)} are stored",
                )
            )
            continue
        newest = head.tree_size - 1
        if head.leaf_hash and newest >= 0 and leaves[newest].hex() != head.leaf_hash:
            if newest not in altered:
                problems.append(
                    AuditProblem(
                        "altered",
                        newest,
                        f"content differs from what the signed head of size {head.tree_size} "
                        "committed to",
                    )
                )
                altered.add(newest)
            continue
        actual = roots[newest] if head.tree_size else merkle.EMPTY_ROOT
        if actual.hex() != head.root_hash and not altered and not root_mismatch_reported:
            problems.append(
                AuditProblem(
                    "head_mismatch",
                    newest,
                    f"the signed head of size {head.tree_size} commits to another tree",
                )
            )
            root_mismatch_reported = True
    root_hash = (roots[-1] if roots else merkle.EMPTY_ROOT).hex()
    return AuditReport(log_id, len(ordered), len(heads), root_hash, problems)
