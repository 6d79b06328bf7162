"""``GET /api/results/{id}`` as bytes, cheaply: the immutable part of a result's document is
rendered once per (result id, content SHA-256) and kept; what can change is read every time.

A stored result never changes (triggers refuse an UPDATE), so its JSON export and its expanded
uncertainty are the same on every read. Rendering them — parsing the stored JSON, propagating the
uncertainty over the trace lines, encoding tens of kilobytes of JSON — was most of a read
(docs/decisions/0013-server-speed.md). They are kept here, already encoded, in a bounded LRU keyed
by ``(id, result_sha256)``. What a read still does every time, so that a cache can hide nothing:

- loads the row (without the Parquet lines) and checks the stored JSON against ``result_sha256``,
  as :func:`~dualcarbon.store.repository.result_payload` does — a row whose JSON was changed
  behind the server's back fails the same way with or without a cached entry;
- compares the row's cheap columns with the entry it was lodged as
  (:mod:`dualcarbon.ledger.commitments`) and lists the inventory's evidence entries, both of which
  may change after the result was stored (a correction lodges more; an insider may edit a row).

The document is the same JSON object as before, key for key and in the same order: the cached
export without its closing brace, then ``id``, ``organisation_id``, ``evidence``, ``commitment``
and ``uncertainty`` appended (none of them is a key of the export).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, defer, joinedload

from dualcarbon.accounting.uncertainty import account_uncertainty
from dualcarbon.api.scope import Action, Area, Principal, require
from dualcarbon.errors import DualcarbonError, NotFoundError, StoreError
from dualcarbon.ledger import commitments
from dualcarbon.ledger.lodging import evidence_of_inventory
from dualcarbon.store.models import Facility, StoredInventory, StoredResult
from dualcarbon.store.repository import load_result, result_payload

CACHE_SIZE = 256
"""Results kept rendered per process; an export is ~35 kB, so at most ~10 MB."""

APPENDED = ("id", "organisation_id", "evidence", "commitment", "uncertainty")
"""Keys a read adds after the export's own (the export never has them)."""


@dataclass(frozen=True)
class Rendered:
    """A result's immutable part, encoded: the export without its closing ``}``, and the
    expanded uncertainty."""

    export_open: bytes
    uncertainty: bytes


_CACHE: OrderedDict[tuple[int, str], Rendered] = OrderedDict()
_LOCK = threading.Lock()


def _encode(value: Any) -> bytes:
    """JSON as FastAPI's ``JSONResponse`` writes it: compact, UTF-8, no NaN."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def _render(row: StoredResult) -> Rendered:
    payload = result_payload(row)
    clash = [key for key in APPENDED if key in payload]
    if clash:  # would change the document's shape; the stored export is not what we wrote
        raise StoreError(f"result {row.id}: stored JSON has keys {clash} of its own")
    encoded = _encode(payload)
    uncertainty = account_uncertainty(load_result(row)).to_json()  # reads the Parquet lines
    return Rendered(encoded[:-1], _encode(uncertainty))


def rendered(row: StoredResult) -> Rendered:
    """The row's immutable part, from the cache or rendered now. The stored JSON is checked
    against its SHA-256 first, every time (cheap: no parsing)."""
    if hashlib.sha256(row.result_json.encode()).hexdigest() != row.result_sha256:
        raise StoreError(f"result {row.id}: stored JSON does not match its SHA-256")
    key = (row.id, row.result_sha256)
    with _LOCK:
        found = _CACHE.get(key)
        if found is not None:
            _CACHE.move_to_end(key)
            return found
    made = _render(row)
    with _LOCK:
        _CACHE[key] = made
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return made


def cached() -> int:
    """How many results are kept rendered."""
    with _LOCK:
        return len(_CACHE)


def clear() -> None:
    """Forget every rendered result (tests)."""
    with _LOCK:
        _CACHE.clear()


def result_document_bytes(session: Session, principal: Principal, result_id: int) -> bytes:
    """The stored result's JSON export (docs/result-json.md) with every line's trace, its
    evidence entries, what the log commits to and its expanded uncertainty, as UTF-8 JSON bytes
    (the same document as :func:`dualcarbon.api.services.result_document`)."""
    row = session.get(
        StoredResult,
        result_id,
        options=[
            defer(StoredResult.lines_parquet),  # only a cache miss reads the lines
            # of the inventory and its facility, only whose they are (not the inventory's JSON)
            joinedload(StoredResult.inventory)
            .load_only(StoredInventory.id, StoredInventory.facility_id)
            .joinedload(StoredInventory.facility)
            .load_only(Facility.id, Facility.organisation_id),
        ],
    )
    if row is None:
        raise NotFoundError("result", result_id)
    facility: Facility = row.inventory.facility
    organisation_id = facility.organisation_id
    try:
        require(principal, Action.READ, Area.ACCOUNTING, organisation_id)
    except DualcarbonError:
        raise NotFoundError("result", result_id) from None
    made = rendered(row)
    committed = commitments.of_results(session, [row])[row.id]
    tail = {
        "id": row.id,
        "organisation_id": organisation_id,
        "evidence": evidence_of_inventory(session, row.inventory_id),
        "commitment": {"state": committed.state, "differs": list(committed.fields)},
    }
    return b"".join(
        (
            made.export_open,
            b",",
            _encode(tail)[1:-1],
            b',"uncertainty":',
            made.uncertainty,
            b"}",
        )
    )
