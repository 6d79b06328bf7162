"""Signed tree heads (Ed25519, RFC 8032) — the log's public commitment after every append."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from dualcarbon.ledger.canonical import canonical_bytes


@dataclass(frozen=True)
class TreeHead:
    """What a log commits to: its id, its size, its root hash and when."""

    log_id: str
    tree_size: int
    root_hash: str
    """hex"""
    timestamp: str
    """ISO 8601 UTC"""
    leaf_hash: str = ""
    """hex leaf hash of the entry whose append produced this head (an extension of RFC 6962's
    tree head: with one head per append it lets an audit name every altered entry, not only the
    first)"""

    def signed_bytes(self) -> bytes:
        return canonical_bytes(
            {
                "leaf_hash": self.leaf_hash,
                "log_id": self.log_id,
                "root_hash": self.root_hash,
                "timestamp": self.timestamp,
                "tree_size": self.tree_size,
            }
        )


@dataclass(frozen=True)
class SignedTreeHead:
    head: TreeHead
    signature: str
    """base64 of the Ed25519 signature over ``head.signed_bytes()``"""

    def to_json(self) -> dict[str, Any]:
        return {**self.head.__dict__, "signature": self.signature}


class Signer:
    """The log's key. Private bytes stay in the server's key file; the public key is published."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key

    @classmethod
    def generate(cls) -> Signer:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_private_bytes(cls, raw: bytes) -> Signer:
        return cls(Ed25519PrivateKey.from_private_bytes(raw))

    def private_bytes(self) -> bytes:
        return self._key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())

    @property
    def public_key(self) -> str:
        """base64 of the raw 32-byte public key."""
        raw = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return base64.b64encode(raw).decode()

    def sign(self, head: TreeHead) -> SignedTreeHead:
        signature = self._key.sign(head.signed_bytes())
        return SignedTreeHead(head, base64.b64encode(signature).decode())


def verify_head(signed: SignedTreeHead, public_key: str) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key, validate=True))
        key.verify(base64.b64decode(signed.signature, validate=True), signed.head.signed_bytes())
    except (InvalidSignature, ValueError):
        return False
    return True
