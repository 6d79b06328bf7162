"""An append-only evidence log in memory: append, prove, and head — the store persists it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from dualcarbon.ledger import merkle
from dualcarbon.ledger.audit import StoredEntry
from dualcarbon.ledger.canonical import canonical_bytes
from dualcarbon.ledger.signing import SignedTreeHead, Signer, TreeHead


class MerkleLog:
    """One log (per organisation, or platform-wide); entries are never changed or removed."""

    def __init__(self, log_id: str, signer: Signer, leaves: Iterable[bytes] = ()) -> None:
        self.log_id = log_id
        self._signer = signer
        self._leaves = list(leaves)

    @property
    def size(self) -> int:
        return len(self._leaves)

    @property
    def root_hash(self) -> str:
        return merkle.root(self._leaves).hex()

    def append(
        self, content: dict[str, Any], *, at: dt.datetime | None = None
    ) -> tuple[StoredEntry, SignedTreeHead]:
        """Add one entry; return it with the signed head of the grown tree."""
        leaf = merkle.leaf_hash(canonical_bytes(content))
        entry = StoredEntry(self.size, content, leaf.hex())
        self._leaves.append(leaf)
        when = (at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
        head = TreeHead(
            log_id=self.log_id,
            tree_size=self.size,
            root_hash=self.root_hash,
            timestamp=when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            leaf_hash=leaf.hex(),
        )
        return entry, self._signer.sign(head)

    def inclusion_proof(self, index: int, tree_size: int | None = None) -> list[str]:
        size = self.size if tree_size is None else tree_size
        return [p.hex() for p in merkle.inclusion_proof(self._leaves[:size], index)]

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[str]:
        size = self.size if new_size is None else new_size
        return [p.hex() for p in merkle.consistency_proof(self._leaves[:size], old_size)]
