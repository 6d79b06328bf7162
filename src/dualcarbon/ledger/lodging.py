"""Lodging evidence in the store, proving it, and auditing the whole store offline.

Every submission is appended to its organisation's log (``org:<id>``) and to the platform log
(``platform``), each under a row lock on the log, so that concurrent submissions get consecutive
sequence numbers; a signed tree head is stored after every append. Nothing is ever updated or
deleted: a correction is a new entry whose content names the inventory and the sequence it
corrects.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dualcarbon.accounting.inventory import Inventory
from dualcarbon.ledger import merkle
from dualcarbon.ledger.audit import AuditProblem, AuditReport, StoredEntry, audit
from dualcarbon.ledger.canonical import canonical_bytes
from dualcarbon.ledger.signing import SignedTreeHead, Signer, TreeHead
from dualcarbon.store.models import (
    EvidenceEntry,
    EvidenceHead,
    EvidenceLog,
    StoredCalibration,
    StoredInstrument,
    StoredInventory,
)

PLATFORM = "platform"


def organisation_log(organisation_id: int) -> str:
    return f"org:{organisation_id}"


@dataclass(frozen=True)
class Lodged:
    log_id: str
    sequence: int
    leaf_hash: str
    head: SignedTreeHead


def _locked_log(session: Session, log_id: str) -> EvidenceLog:
    """The log's row, locked until the transaction ends; created on first use.

    Creation is an insert that ignores a conflict, so two first appends racing on a new log do
    not abort each other; the lock then orders them.
    """
    insert = (
        postgresql.insert(EvidenceLog)
        if session.get_bind().dialect.name == "postgresql"
        else sqlite.insert(EvidenceLog)
    )
    session.execute(
        insert.values(log_id=log_id, size=0, compact_json="[]").on_conflict_do_nothing()
    )
    row = session.scalar(
        select(EvidenceLog)
        .where(EvidenceLog.log_id == log_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert row is not None
    return row


def append(
    session: Session,
    signer: Signer,
    log_id: str,
    content: dict[str, Any],
    *,
    organisation_id: int | None = None,
    inventory_id: int | None = None,
) -> Lodged:
    """Append one entry and its signed head, inside the caller's transaction."""
    log = _locked_log(session, log_id)
    leaf = merkle.leaf_hash(canonical_bytes(content))
    compact = merkle.CompactRange.from_json(json.loads(log.compact_json))
    sequence = log.size
    compact.append(leaf)
    log.size = sequence + 1
    log.compact_json = json.dumps(compact.to_json())
    now = dt.datetime.now(dt.UTC)
    head = signer.sign(
        TreeHead(
            log_id=log_id,
            tree_size=sequence + 1,
            root_hash=compact.root().hex(),
            timestamp=now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            leaf_hash=leaf.hex(),
        )
    )
    session.add(
        EvidenceEntry(
            log_id=log_id,
            sequence=sequence,
            organisation_id=organisation_id,
            inventory_id=inventory_id,
            content_json=canonical_bytes(content).decode("utf-8"),
            leaf_hash=leaf.hex(),
            created_at=now,
        )
    )
    session.add(
        EvidenceHead(
            log_id=log_id,
            tree_size=head.head.tree_size,
            root_hash=head.head.root_hash,
            leaf_hash=head.head.leaf_hash,
            timestamp=head.head.timestamp,
            signature=head.signature,
        )
    )
    session.flush()
    return Lodged(log_id, sequence, leaf.hex(), head)


def lodge_inventory(
    session: Session,
    signer: Signer,
    organisation_id: int,
    inventory_row: StoredInventory,
    inventory: Inventory,
    *,
    submitted_by: str = "",
    corrects: StoredInventory | None = None,
) -> list[Lodged]:
    """Lodge a stored inventory as evidence in its organisation's log and the platform log.

    A correction names the inventory it corrects and that inventory's sequence in the
    organisation's log, so the chain of corrections can be followed from the log alone.
    """
    content: dict[str, Any] = {
        "kind": "submission" if corrects is None else "correction",
        "organisation_id": organisation_id,
        "inventory_id": inventory_row.id,
        "inventory_digest": inventory_row.digest,
        "year": inventory.header.year,
        "methodology": inventory.header.methodology,
        "source": inventory.source,
        "submitted_by": submitted_by,
    }
    if corrects is not None:
        corrected = session.scalar(
            select(EvidenceEntry.sequence).where(
                EvidenceEntry.log_id == organisation_log(organisation_id),
                EvidenceEntry.inventory_id == corrects.id,
            )
        )
        content["corrects"] = {"inventory_id": corrects.id, "sequence": corrected}
    own = append(
        session,
        signer,
        organisation_log(organisation_id),
        content,
        organisation_id=organisation_id,
        inventory_id=inventory_row.id,
    )
    platform = append(
        session,
        signer,
        PLATFORM,
        {**content, "organisation_log_sequence": own.sequence},
        organisation_id=organisation_id,
        inventory_id=inventory_row.id,
    )
    return [own, platform]


def calibration_content(organisation_id: int, row: StoredCalibration) -> dict[str, Any]:
    """What a calibration record is lodged as: the certificate's fields as stored."""
    return {
        "kind": "calibration",
        "organisation_id": organisation_id,
        "calibration_id": row.id,
        "instrument": row.instrument.code,
        "date": row.date.isoformat(),
        "institute": row.institute,
        "certificate": row.certificate,
        "result": row.result,
        "traceable_to": row.traceable_to,
        "next_due": None if row.next_due is None else row.next_due.isoformat(),
        "expanded_uncertainty": row.expanded_uncertainty,
        "uncertainty_unit": row.uncertainty_unit,
        "coverage_factor": row.coverage_factor,
    }


def lodge_calibrations(
    session: Session, signer: Signer, organisation_id: int, *, submitted_by: str = ""
) -> list[Lodged]:
    """Lodge every stored calibration record of the organisation not lodged yet, oldest first.

    Certificates are evidence as inventories are: once lodged, a record edited in the database no
    longer matches its entry, and :func:`audit_store` says so.
    """
    lodged = set(_lodged_calibrations(session, organisation_id))
    rows = session.scalars(
        select(StoredCalibration)
        .join(StoredInstrument, StoredCalibration.instrument_id == StoredInstrument.id)
        .where(StoredInstrument.organisation_id == organisation_id)
        .order_by(StoredCalibration.id)
    )
    done = []
    for row in rows:
        if row.id in lodged:
            continue
        content = {**calibration_content(organisation_id, row), "submitted_by": submitted_by}
        own = append(
            session,
            signer,
            organisation_log(organisation_id),
            content,
            organisation_id=organisation_id,
        )
        done.append(own)
        done.append(
            append(
                session,
                signer,
                PLATFORM,
                {**content, "organisation_log_sequence": own.sequence},
                organisation_id=organisation_id,
            )
        )
    return done


def _lodged_calibrations(session: Session, organisation_id: int) -> list[int]:
    found = []
    for content_json in session.scalars(
        select(EvidenceEntry.content_json).where(
            EvidenceEntry.log_id == organisation_log(organisation_id),
            EvidenceEntry.inventory_id.is_(None),
        )
    ):
        content = json.loads(content_json)
        if content.get("kind") == "calibration":
            found.append(int(content["calibration_id"]))
    return found


def evidence_of_inventory(session: Session, inventory_id: int) -> list[dict[str, Any]]:
    """The log entries an inventory (and so every result computed from it) was lodged as."""
    rows = session.scalars(
        select(EvidenceEntry)
        .where(EvidenceEntry.inventory_id == inventory_id)
        .order_by(EvidenceEntry.log_id, EvidenceEntry.sequence)
    )
    return [
        {"log_id": row.log_id, "sequence": row.sequence, "leaf_hash": row.leaf_hash} for row in rows
    ]


def _leaves(session: Session, log_id: str) -> list[bytes]:
    hashes = session.scalars(
        select(EvidenceEntry.leaf_hash)
        .where(EvidenceEntry.log_id == log_id)
        .order_by(EvidenceEntry.sequence)
    )
    return [bytes.fromhex(h) for h in hashes]


def latest_head(session: Session, log_id: str) -> SignedTreeHead | None:
    row = session.scalar(
        select(EvidenceHead)
        .where(EvidenceHead.log_id == log_id)
        .order_by(EvidenceHead.tree_size.desc())
        .limit(1)
    )
    return None if row is None else _signed(row)


def inclusion_proof(
    session: Session, log_id: str, sequence: int, tree_size: int | None = None
) -> dict[str, Any]:
    leaves = _leaves(session, log_id)
    size = len(leaves) if tree_size is None else tree_size
    if not 0 <= sequence < size <= len(leaves):
        raise LookupError(f"no entry {sequence} in {log_id} of size {size}")
    return {
        "log_id": log_id,
        "sequence": sequence,
        "tree_size": size,
        "leaf_hash": leaves[sequence].hex(),
        "proof": [p.hex() for p in merkle.inclusion_proof(leaves[:size], sequence)],
    }


def consistency_proof(session: Session, log_id: str, first: int, second: int) -> dict[str, Any]:
    leaves = _leaves(session, log_id)
    if not 0 <= first <= second <= len(leaves):
        raise LookupError(f"{log_id} has {len(leaves)} entries; cannot prove {first} → {second}")
    return {
        "log_id": log_id,
        "first": first,
        "second": second,
        "proof": [p.hex() for p in merkle.consistency_proof(leaves[:second], first)],
    }


def _signed(row: EvidenceHead) -> SignedTreeHead:
    return SignedTreeHead(
        TreeHead(row.log_id, row.tree_size, row.root_hash, row.timestamp, row.leaf_hash),
        row.signature,
    )


def audit_store(
    session: Session, public_key: str, *, organisation_id: int | None = None
) -> list[AuditReport]:
    """Audit every log (or one organisation's) from the rows as they are now.

    Besides the Merkle checks, each submission's inventory is re-digested: an inventory edited in
    the database no longer matches the digest its evidence entry committed to, and each lodged
    calibration record is compared field by field with its stored row.
    """
    if organisation_id is None:
        logs = list(session.scalars(select(EvidenceEntry.log_id).distinct()))
        logs += [
            log
            for log in session.scalars(select(EvidenceHead.log_id).distinct())
            if log not in logs
        ]
    else:
        logs = [organisation_log(organisation_id)]
    reports = []
    for log_id in sorted(logs):
        rows = list(
            session.scalars(
                select(EvidenceEntry)
                .where(EvidenceEntry.log_id == log_id)
                .order_by(EvidenceEntry.id)
            )
        )
        entries = [
            StoredEntry(row.sequence, json.loads(row.content_json), row.leaf_hash) for row in rows
        ]
        heads = [
            _signed(row)
            for row in session.scalars(select(EvidenceHead).where(EvidenceHead.log_id == log_id))
        ]
        report = audit(log_id, entries, heads, public_key)
        report.problems.extend(_inventory_problems(session, entries))
        report.problems.extend(_calibration_problems(session, entries))
        reports.append(report)
    return reports


def _calibration_problems(session: Session, entries: list[StoredEntry]) -> list[AuditProblem]:
    """Lodged calibration records whose stored row is gone or no longer says what was lodged."""
    problems = []
    for entry in entries:
        if entry.content.get("kind") != "calibration":
            continue
        calibration_id = entry.content.get("calibration_id")
        row = (
            session.get(StoredCalibration, calibration_id)
            if isinstance(calibration_id, int)
            else None
        )
        if row is None:
            problems.append(
                AuditProblem("removed", entry.sequence, f"calibration {calibration_id} is gone")
            )
            continue
        now = calibration_content(int(entry.content["organisation_id"]), row)
        changed = sorted(k for k, v in now.items() if entry.content.get(k) != v)
        if changed:
            problems.append(
                AuditProblem(
                    "altered",
                    entry.sequence,
                    f"calibration {calibration_id} ({row.instrument.code}, certificate "
                    f"{row.certificate or '—'}) differs from what was lodged in "
                    f"{', '.join(changed)}",
                )
            )
    return problems


def _inventory_problems(session: Session, entries: list[StoredEntry]) -> list[AuditProblem]:
    from dualcarbon.store.repository import load_inventory

    problems = []
    for entry in entries:
        inventory_id = entry.content.get("inventory_id")
        if not isinstance(inventory_id, int):
            continue
        row = session.get(StoredInventory, inventory_id)
        if row is None:
            problems.append(
                AuditProblem("removed", entry.sequence, f"inventory {inventory_id} is gone")
            )
            continue
        try:
            digest = load_inventory(row).digest()
        except Exception:  # any corruption of the stored payload is what an audit reports
            digest = ""
        if digest != entry.content.get("inventory_digest"):
            problems.append(
                AuditProblem(
                    "altered",
                    entry.sequence,
                    f"inventory {inventory_id} no longer matches the digest lodged with it",
                )
            )
    return problems
