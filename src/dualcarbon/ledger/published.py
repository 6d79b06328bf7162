"""Signed tree heads published outside the store, and read back by whoever kept them.

Heads in the store prove nothing against someone who can rewrite the store: they can delete heads
as easily as entries. A head copied out (``GET /api/evidence/heads``, ``dualcarbon evidence heads
export``) and kept by a verifier or regulator cannot be taken back, and the key that signed it is
not in the database. ``dualcarbon evidence verify --head FILE|URL`` then checks that the stored
log is an extension of the kept head, as Certificate Transparency's monitors check a log against
the heads they saw (RFC 6962 §5.3; RFC 9162 §8.3).

The document is JSON: ``{"format": …, "algorithm": "ed25519", "public_key": …, "exported_at": …,
"heads": [{log_id, tree_size, root_hash, timestamp, leaf_hash, signature}, …]}``; a bare head or
a list of heads is read too.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dualcarbon.errors import DualcarbonError
from dualcarbon.ledger.signing import SignedTreeHead, TreeHead
from dualcarbon.store.models import EvidenceHead

FORMAT = "dualcarbon-tree-heads/1"
MAX_BYTES = 1 << 20
"""A heads document larger than 1 MiB is refused: one head is about 300 bytes."""
TIMEOUT_SECONDS = 10.0


class HeadsError(DualcarbonError, ValueError):
    """A kept heads document that cannot be read: the message names the source and why."""


def _signed(row: EvidenceHead) -> SignedTreeHead:
    return SignedTreeHead(
        TreeHead(row.log_id, row.tree_size, row.root_hash, row.timestamp, row.leaf_hash),
        row.signature,
    )


def latest_heads(session: Session, log_ids: Iterable[str] | None = None) -> list[SignedTreeHead]:
    """The newest signed head of each log (or of the logs named), by log id."""
    newest = select(EvidenceHead.log_id, func.max(EvidenceHead.tree_size).label("size")).group_by(
        EvidenceHead.log_id
    )
    if log_ids is not None:
        newest = newest.where(EvidenceHead.log_id.in_(sorted(set(log_ids))))
    sub = newest.subquery()
    rows = session.scalars(
        select(EvidenceHead)
        .join(sub, (EvidenceHead.log_id == sub.c.log_id) & (EvidenceHead.tree_size == sub.c.size))
        .order_by(EvidenceHead.log_id)
    )
    return [_signed(row) for row in rows]


def head_at(session: Session, log_id: str, tree_size: int) -> SignedTreeHead | None:
    row = session.scalar(
        select(EvidenceHead).where(
            EvidenceHead.log_id == log_id, EvidenceHead.tree_size == tree_size
        )
    )
    return None if row is None else _signed(row)


def document(public_key: str, heads: Iterable[SignedTreeHead]) -> dict[str, Any]:
    """The published form of ``heads``."""
    return {
        "format": FORMAT,
        "algorithm": "ed25519",
        "public_key": public_key,
        "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "heads": [head.to_json() for head in heads],
    }


def parse(text: bytes, source: str) -> list[SignedTreeHead]:
    """The heads of a published document (or of a bare head, or a list of heads)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise HeadsError(f"{source}: not JSON ({exc})") from None
    items = data.get("heads") if isinstance(data, dict) and "heads" in data else data
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list) or not items:
        raise HeadsError(f"{source}: no signed tree head found (expected a 'heads' list)")
    heads = []
    for number, item in enumerate(items, 1):
        try:
            heads.append(
                SignedTreeHead(
                    TreeHead(
                        log_id=str(item["log_id"]),
                        tree_size=_size(item["tree_size"]),
                        root_hash=_hex(item["root_hash"]),
                        timestamp=str(item["timestamp"]),
                        leaf_hash=_hex(item.get("leaf_hash", ""), allow_empty=True),
                    ),
                    str(item["signature"]),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise HeadsError(f"{source}: head {number} is not a signed tree head ({exc})") from None
    return heads


def _size(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**63:
        raise ValueError(f"tree_size {value!r} is not a size")
    return value


def _hex(value: object, *, allow_empty: bool = False) -> str:
    text = str(value)
    if allow_empty and not text:
        return text
    if len(text) != 64:
        raise ValueError(f"{text[:80]!r} is not a SHA-256 hash in hex")
    bytes.fromhex(text)
    return text.lower()


def read(source: str, *, api_key: str | None = None) -> list[SignedTreeHead]:
    """Kept heads from a file, or from an http(s) URL (at most :data:`MAX_BYTES`, within
    :data:`TIMEOUT_SECONDS`; ``api_key`` is sent as a bearer token, for the platform's own
    ``/api/evidence/heads``)."""
    if source.startswith(("http://", "https://")):
        return parse(_fetch(source, api_key), source)
    path = Path(source)
    try:
        with path.open("rb") as handle:
            text = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise HeadsError(f"{source}: cannot read ({exc.strerror or exc})") from None
    if len(text) > MAX_BYTES:
        raise HeadsError(f"{source}: larger than {MAX_BYTES} bytes")
    return parse(text, source)


def _fetch(url: str, api_key: str | None) -> bytes:
    headers = {"Accept": "application/json"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    try:
        with httpx.stream(
            "GET", url, headers=headers, timeout=TIMEOUT_SECONDS, follow_redirects=False
        ) as response:
            if response.status_code != 200:
                raise HeadsError(f"{url}: answered HTTP {response.status_code}")
            body = bytearray()
            deadline = time.monotonic() + TIMEOUT_SECONDS  # a server dripping bytes is cut off
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) > MAX_BYTES:
                    raise HeadsError(f"{url}: larger than {MAX_BYTES} bytes")
                if time.monotonic() > deadline:
                    raise HeadsError(f"{url}: took longer than {TIMEOUT_SECONDS:.0f} s")
            return bytes(body)
    except httpx.HTTPError as exc:
        raise HeadsError(f"{url}: cannot fetch ({type(exc).__name__}: {exc})") from None
