"""Lodging evidence in the store, proving it, and auditing the whole store offline.

Every submission, every stored result and every verifier's sign-off is appended to its
organisation's log (``org:<id>``) and to the platform log (``platform``), each under a row lock on
the log, so that concurrent submissions get consecutive sequence numbers; a signed tree head is
stored after every append. The platform entry copies the organisation entry and the organisation
log's head after the append, so the platform log commits to every organisation log's size and
root. Each entry names its subject (``inventory:12``, ``result:40`` …), unique per log, so one
thing is never lodged twice however requests race (docs/decisions/0008-evidence-commitments.md).
Nothing is ever updated or deleted: a correction is a new entry whose content names the inventory
and the sequence it corrects.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, String, cast, exists, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute, Session

from dualcarbon.accounting.inventory import Inventory
from dualcarbon.ledger import merkle
from dualcarbon.ledger.audit import (
    AuditProblem,
    AuditReport,
    ProblemKind,
    StoredEntry,
    audit,
    check_kept_head,
)
from dualcarbon.ledger.canonical import canonical_bytes
from dualcarbon.ledger.signing import SignedTreeHead, Signer, TreeHead
from dualcarbon.store.models import (
    CertificateBatchRecord,
    CertificateClaim,
    EvidenceEntry,
    EvidenceHead,
    EvidenceLog,
    Facility,
    ResultSignOff,
    StoredCalibration,
    StoredInstrument,
    StoredInventory,
    StoredResult,
)

PLATFORM = "platform"
INVENTORY_KINDS = ("submission", "correction")


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
    subject: str | None = None,
    corrects_id: int | None = None,
) -> Lodged:
    """Append one entry and its signed head, inside the caller's transaction.

    ``subject`` and ``corrects_id`` are unique within the log (a unique index): a second entry
    for the same subject, or a second correction of one inventory, fails with an
    :class:`~sqlalchemy.exc.IntegrityError` however the requests raced.
    """
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
            subject=subject,
            corrects_id=corrects_id,
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
    corrects_id = None
    if corrects is not None:
        corrected = session.scalar(
            select(EvidenceEntry.sequence).where(
                EvidenceEntry.log_id == organisation_log(organisation_id),
                EvidenceEntry.inventory_id == corrects.id,
            )
        )
        content["corrects"] = {"inventory_id": corrects.id, "sequence": corrected}
        corrects_id = corrects.id
    return lodge_both(
        session,
        signer,
        organisation_id,
        content,
        subject=f"inventory:{inventory_row.id}",
        inventory_id=inventory_row.id,
        corrects_id=corrects_id,
    )


PLATFORM_ONLY = ("organisation_log_sequence", "organisation_log_head")
"""Keys a platform entry adds to its copy of the organisation entry."""


def lodge_both(
    session: Session,
    signer: Signer,
    organisation_id: int,
    content: dict[str, Any],
    *,
    subject: str,
    inventory_id: int | None = None,
    corrects_id: int | None = None,
) -> list[Lodged]:
    """Append ``content`` to the organisation's log, then its copy to the platform log with the
    organisation log's new sequence and head: the platform log thus commits to every
    organisation log's size and root, and a truncated or rewritten organisation log no longer
    matches it."""
    own = append(
        session,
        signer,
        organisation_log(organisation_id),
        content,
        organisation_id=organisation_id,
        inventory_id=inventory_id,
        subject=subject,
        corrects_id=corrects_id,
    )
    platform = append(
        session,
        signer,
        PLATFORM,
        {
            **content,
            "organisation_log_sequence": own.sequence,
            "organisation_log_head": {
                "tree_size": own.head.head.tree_size,
                "root_hash": own.head.head.root_hash,
            },
        },
        organisation_id=organisation_id,
        inventory_id=inventory_id,
        subject=subject,
        corrects_id=corrects_id,
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
        # added in migration 0014: named only when given, so entries lodged before still match
        **({} if row.error_found is None else {"error_found": row.error_found}),
    }


def lodge_calibrations(
    session: Session, signer: Signer, organisation_id: int, *, submitted_by: str = ""
) -> list[Lodged]:
    """Lodge every stored calibration record of the organisation not lodged yet, oldest first.

    Certificates are evidence as inventories are: once lodged, a record edited in the database no
    longer matches its entry, and :func:`audit_store` says so. The log's lock is taken first, as
    in :func:`lodge_results`.
    """
    _locked_log(session, organisation_log(organisation_id))
    rows = session.scalars(
        select(StoredCalibration)
        .join(StoredInstrument, StoredCalibration.instrument_id == StoredInstrument.id)
        .where(
            StoredInstrument.organisation_id == organisation_id,
            _not_lodged(organisation_id, "calibration", StoredCalibration.id),
        )
        .order_by(StoredCalibration.id)
    )
    done = []
    for row in rows:
        content = {**calibration_content(organisation_id, row), "submitted_by": submitted_by}
        done.extend(
            lodge_both(session, signer, organisation_id, content, subject=f"calibration:{row.id}")
        )
    return done


def result_content(organisation_id: int, row: StoredResult) -> dict[str, Any]:
    """What a stored result is lodged as: its digest (the SHA-256 of its JSON export and of its
    trace lines) and the columns pages show without reading the export."""
    return {
        "kind": "result",
        "organisation_id": organisation_id,
        "result_id": row.id,
        **result_columns(row),
        "lines_sha256": hashlib.sha256(row.lines_parquet).hexdigest(),
    }


def result_columns(row: StoredResult) -> dict[str, Any]:
    """The result's columns a page shows or filters on; compared with the lodged entry on every
    page view (cheap: no payload is read)."""
    return {
        "inventory_id": row.inventory_id,
        "methodology": row.methodology,
        "factor_refs": list(row.factor_refs),
        "total_tco2e": row.total_tco2e,
        "computed_at": _instant(row.computed_at),
        "engine_version": row.engine_version,
        "result_sha256": row.result_sha256,
        "line_count": row.line_count,
    }


def signoff_content(organisation_id: int, row: ResultSignOff) -> dict[str, Any]:
    """What a verifier's sign-off is lodged as: who decided what on which result, and when."""
    return {
        "kind": "signoff",
        "organisation_id": organisation_id,
        "signoff_id": row.id,
        **signoff_columns(row),
    }


def signoff_columns(row: ResultSignOff) -> dict[str, Any]:
    columns = {
        "result_id": row.result_id,
        "user_id": row.user_id,
        "decision": row.decision,
        "note": row.note,
        "created_at": _instant(row.created_at),
    }
    if row.checklist_sha256 is not None:  # approvals since migration 0013 name their checklist
        columns["checklist_sha256"] = row.checklist_sha256
    return columns


def _instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def lodge_results(
    session: Session, signer: Signer, organisation_id: int, *, submitted_by: str = ""
) -> list[Lodged]:
    """Lodge every stored result of the organisation not lodged yet, oldest first: the one just
    computed, and any stored before results were lodged (migration 0009).

    The organisation log's lock is taken first: a concurrent submission holds it from lodging
    its inventory to its commit, so what is read below includes its result and that result's
    entry, or neither (not its result without the entry, which would be lodged twice)."""
    _locked_log(session, organisation_log(organisation_id))
    rows = session.scalars(
        select(StoredResult)
        .join(StoredInventory, StoredResult.inventory_id == StoredInventory.id)
        .join(Facility, StoredInventory.facility_id == Facility.id)
        .where(
            Facility.organisation_id == organisation_id,
            _not_lodged(organisation_id, "result", StoredResult.id),
        )
        .order_by(StoredResult.id)
    )
    done: list[Lodged] = []
    for row in rows:
        content = {**result_content(organisation_id, row), "submitted_by": submitted_by}
        done.extend(
            lodge_both(session, signer, organisation_id, content, subject=f"result:{row.id}")
        )
    return done


def lodge_signoff(
    session: Session, signer: Signer, organisation_id: int, row: ResultSignOff
) -> list[Lodged]:
    """Lodge a verifier's decision as it was stored (call after the row is flushed)."""
    return lodge_both(
        session,
        signer,
        organisation_id,
        signoff_content(organisation_id, row),
        subject=f"signoff:{row.id}",
    )


def _not_lodged(
    organisation_id: int, kind: str, row_id: InstrumentedAttribute[int]
) -> ColumnElement[bool]:
    """True for a row with no entry ``<kind>:<id>`` in the organisation's log: one indexed
    look-up per row (``uq_evidence_entries_subject``), so a submission reads only what it has to
    lodge, however many results the organisation has stored before."""
    return ~exists().where(
        EvidenceEntry.log_id == organisation_log(organisation_id),
        EvidenceEntry.subject == literal(f"{kind}:") + cast(row_id, String),
    )


def evidence_of_inventory(session: Session, inventory_id: int) -> list[dict[str, Any]]:
    """The log entries an inventory (and so every result computed from it) was lodged as."""
    rows = session.execute(
        select(EvidenceEntry.log_id, EvidenceEntry.sequence, EvidenceEntry.leaf_hash)
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
    session: Session,
    public_key: str,
    *,
    organisation_id: int | None = None,
    kept: Sequence[SignedTreeHead] = (),
) -> list[AuditReport]:
    """Audit every log (or one organisation's) from the rows as they are now.

    Besides the Merkle checks of :func:`~dualcarbon.ledger.audit.audit`: the log's recorded size
    and compact root must match its entries and newest head; every organisation log must match
    what the platform log copied of it (each entry, and the organisation log's head after each
    append); each submission's inventory is re-digested, and each lodged calibration record,
    result and sign-off compared with its stored row; and each head in ``kept`` (held outside
    the store, e.g. by a verifier) must be a prefix of the stored log.
    """
    if organisation_id is None:
        logs = set(session.scalars(select(EvidenceEntry.log_id).distinct()))
        logs |= set(session.scalars(select(EvidenceHead.log_id).distinct()))
        logs |= set(session.scalars(select(EvidenceLog.log_id)))
    else:
        logs = {organisation_log(organisation_id)}
    logs |= {signed.head.log_id for signed in kept if organisation_id is None}
    reports = []
    stored: dict[str, list[StoredEntry]] = {}
    for log_id in sorted(logs):
        entries = _stored_entries(session, log_id)
        stored[log_id] = entries
        heads = [
            _signed(row)
            for row in session.scalars(select(EvidenceHead).where(EvidenceHead.log_id == log_id))
        ]
        report = audit(log_id, entries, heads, public_key)
        report.problems.extend(_log_row_problems(session, report))
        report.problems.extend(_inventory_problems(session, entries))
        if log_id != PLATFORM:
            report.problems.extend(_calibration_problems(session, entries))
            report.problems.extend(_result_problems(session, entries))
            report.problems.extend(_signoff_problems(session, entries))
            report.problems.extend(_unlodged_problems(session, log_id, entries))
            report.problems.extend(_certificate_problems(session, log_id, entries))
        for signed in kept:
            problem = check_kept_head(report, signed, public_key)
            if problem is not None:
                report.problems.append(problem)
        reports.append(report)
    platform = stored.get(PLATFORM)
    if platform is None:
        platform = _stored_entries(session, PLATFORM, organisation_id=organisation_id)
    for report in reports:
        if report.log_id.startswith("org:"):
            report.problems.extend(_platform_problems(report, stored[report.log_id], platform))
    return reports


def _stored_entries(
    session: Session, log_id: str, *, organisation_id: int | None = None
) -> list[StoredEntry]:
    """The log's entries in the order the store keeps them (their row ids)."""
    query = select(EvidenceEntry).where(EvidenceEntry.log_id == log_id)
    if organisation_id is not None:
        query = query.where(EvidenceEntry.organisation_id == organisation_id)
    return [
        StoredEntry(row.sequence, json.loads(row.content_json), row.leaf_hash)
        for row in session.scalars(query.order_by(EvidenceEntry.id))
    ]


def _log_row_problems(session: Session, report: AuditReport) -> list[AuditProblem]:
    """The log's own row (its size and compact range, kept for appends) against its entries and
    heads: entries deleted together with their heads still leave the recorded size behind."""
    row = session.get(EvidenceLog, report.log_id)
    named = {p.sequence for p in report.problems}
    if row is None:
        if report.size:
            return [AuditProblem("log_mismatch", None, "the log's own record is gone")]
        return []
    if row.size > report.size:
        missing = [p for p in range(report.size, row.size) if p not in named]
        if not missing:
            return []
        return [
            AuditProblem(
                "removed",
                missing[0],
                f"the log records {row.size} entries; {report.size} are stored",
            )
        ]
    if row.size < report.size:
        return [
            AuditProblem(
                "log_mismatch",
                row.size,
                f"the log records {row.size} entries; {report.size} are stored",
            )
        ]
    root = merkle.CompactRange.from_json(json.loads(row.compact_json)).root().hex()
    if root != report.root_hash and not report.problems:
        return [
            AuditProblem("log_mismatch", None, "the log's recorded root does not match its entries")
        ]
    return []


def _platform_problems(
    report: AuditReport, entries: list[StoredEntry], platform: list[StoredEntry]
) -> list[AuditProblem]:
    """An organisation log against the platform log, which copied each of its entries and its
    head after each append: an entry rewritten (even with its heads deleted), removed, or
    appended without the platform log, and a log cut short, all show here."""
    organisation_id = int(report.log_id.removeprefix("org:"))
    by_sequence = {entry.sequence: entry for entry in entries}
    roots = list(merkle.roots_by_size(report.prefix(report.size) or []))
    named = {p.sequence for p in report.problems if p.sequence is not None}
    problems: list[AuditProblem] = []

    def name(kind: ProblemKind, sequence: int, detail: str) -> None:
        if sequence not in named:
            named.add(sequence)
            problems.append(AuditProblem(kind, sequence, detail))

    copied: set[int] = set()
    for mirror in platform:
        content = mirror.content
        sequence = content.get("organisation_log_sequence")
        if content.get("organisation_id") != organisation_id or not isinstance(sequence, int):
            continue
        copied.add(sequence)
        copy = {k: v for k, v in content.items() if k not in PLATFORM_ONLY}
        entry = by_sequence.get(sequence)
        if entry is None:
            name("removed", sequence, f"the platform log's entry #{mirror.sequence} records it")
        elif entry.content != copy:
            name(
                "altered",
                sequence,
                f"differs from its copy in the platform log (#{mirror.sequence})",
            )
        head = content.get("organisation_log_head")
        if not isinstance(head, dict):
            continue
        size = head.get("tree_size")
        if not isinstance(size, int) or size < 1:
            continue
        if size > len(roots):
            if size > report.size:
                name(
                    "removed",
                    report.size,
                    f"the platform log (#{mirror.sequence}) records this log at {size} "
                    f"entries; {report.size} are stored",
                )
            continue
        if roots[size - 1].hex() != head.get("root_hash") and not (named & set(range(size))):
            problems.append(
                AuditProblem(
                    "platform_mismatch",
                    size - 1,
                    f"the log at size {size} differs from the head the platform log "
                    f"(#{mirror.sequence}) recorded for it",
                )
            )
    for sequence in sorted(set(by_sequence) - copied):
        name("platform_mismatch", sequence, "the platform log holds no copy of this entry")
    return problems


def _unlodged_problems(
    session: Session, log_id: str, entries: list[StoredEntry]
) -> list[AuditProblem]:
    """Results and sign-offs of the organisation stored after lodging them began (a newer row
    than the oldest lodged one) that the log does not hold: inserted behind the server's back,
    a forged approval say. Older rows predate lodging (migration 0009) and are not named."""
    organisation_id = int(log_id.removeprefix("org:"))
    lodged: dict[str, set[int]] = {"result": set(), "signoff": set()}
    for entry in entries:
        kind = entry.content.get("kind")
        key = f"{kind}_id"
        if kind in lodged and isinstance(entry.content.get(key), int):
            lodged[str(kind)].add(int(entry.content[key]))
    results = list(
        session.execute(
            select(StoredResult.id)
            .join(StoredInventory, StoredResult.inventory_id == StoredInventory.id)
            .join(Facility, StoredInventory.facility_id == Facility.id)
            .where(Facility.organisation_id == organisation_id)
        ).scalars()
    )
    signoffs = (
        list(session.scalars(select(ResultSignOff.id).where(ResultSignOff.result_id.in_(results))))
        if results
        else []
    )
    problems = []
    for kind, name, ids in (("result", "result", results), ("signoff", "sign-off", signoffs)):
        if not lodged[kind]:
            continue
        first = min(lodged[kind])
        for row_id in sorted(set(ids) - lodged[kind]):
            if row_id > first:
                problems.append(
                    AuditProblem(
                        "unlodged", None, f"{name} {row_id} is stored but was never lodged"
                    )
                )
    return problems


def _result_problems(session: Session, entries: list[StoredEntry]) -> list[AuditProblem]:
    """Lodged results whose stored row is gone or no longer says what was lodged (a total
    rewritten behind the update trigger, a JSON export replaced with its hash …)."""
    problems = []
    for entry in entries:
        if entry.content.get("kind") != "result":
            continue
        result_id = entry.content.get("result_id")
        row = session.get(StoredResult, result_id) if isinstance(result_id, int) else None
        if row is None:
            problems.append(AuditProblem("removed", entry.sequence, f"result {result_id} is gone"))
            continue
        now = result_content(int(entry.content["organisation_id"]), row)
        changed = sorted(k for k, v in now.items() if entry.content.get(k) != v)
        if hashlib.sha256(row.result_json.encode()).hexdigest() != row.result_sha256:
            changed.append("result_json")
        if changed:
            problems.append(
                AuditProblem(
                    "altered",
                    entry.sequence,
                    f"result {result_id} differs from what was lodged in {', '.join(changed)}",
                )
            )
    return problems


def _lodged_row_problems(
    session: Session,
    entries: list[StoredEntry],
    kind: str,
    model: type[Any],
    content: Callable[[int, Any], dict[str, Any]],
    named: Callable[[Any, StoredEntry], str],
) -> list[AuditProblem]:
    """Entries of ``kind`` whose stored row (``model``, by the entry's ``<kind>_id``) is gone or,
    rebuilt by ``content``, no longer says what was lodged; ``named`` says which row in words."""
    problems = []
    for entry in entries:
        if entry.content.get("kind") != kind:
            continue
        row_id = entry.content.get(f"{kind}_id")
        row = session.get(model, row_id) if isinstance(row_id, int) else None
        label = "sign-off" if kind == "signoff" else kind
        if row is None:
            problems.append(AuditProblem("removed", entry.sequence, f"{label} {row_id} is gone"))
            continue
        now = content(int(entry.content["organisation_id"]), row)
        changed = sorted(k for k, v in now.items() if entry.content.get(k) != v)
        if changed:
            problems.append(
                AuditProblem(
                    "altered",
                    entry.sequence,
                    f"{label} {row_id} {named(row, entry)}differs from what was lodged in "
                    f"{', '.join(changed)}",
                )
            )
    return problems


def _signoff_problems(session: Session, entries: list[StoredEntry]) -> list[AuditProblem]:
    """Lodged sign-offs whose stored row is gone or says another decision, note or signer."""
    return _lodged_row_problems(
        session,
        entries,
        "signoff",
        ResultSignOff,
        signoff_content,
        lambda row, entry: (
            f"of result {row.result_id} (lodged: {entry.content.get('decision')}; "
            f"stored: {row.decision}) "
        ),
    )


def _certificate_problems(
    session: Session, log_id: str, entries: list[StoredEntry]
) -> list[AuditProblem]:
    """The organisation's certificate batches and claims against what was lodged: every batch
    lodged with its quantity, every batch's cancelled certificates (quantity − remaining) equal to
    its claims and to the claims lodged, every claim the holder's. A row written past the
    ledger (a claim inserted, ``remaining`` lowered, a batch added) shows here."""
    organisation_id = int(log_id.removeprefix("org:"))
    lodged_batches: dict[int, int] = {}
    lodged_claimed: dict[int, int] = {}
    for entry in entries:
        kind = entry.content.get("kind")
        if kind == "certificates_imported":
            for batch in entry.content.get("batches", []):
                lodged_batches[int(batch["batch_id"])] = int(batch["quantity"])
        elif kind == "certificate_claim":
            for taken in entry.content.get("taken", []):
                batch_id = int(taken["batch_id"])
                lodged_claimed[batch_id] = lodged_claimed.get(batch_id, 0) + int(taken["claimed"])
    problems: list[AuditProblem] = []
    batches = session.scalars(
        select(CertificateBatchRecord).where(
            CertificateBatchRecord.organisation_id == organisation_id
        )
    ).all()
    for batch in batches:
        claimed = sum(
            session.scalars(
                select(CertificateClaim.quantity).where(CertificateClaim.batch_id == batch.id)
            )
        )
        cancelled = batch.quantity - batch.remaining
        if lodged_batches.get(batch.id) != batch.quantity:
            problems.append(
                AuditProblem(
                    "unlodged",
                    None,
                    f"certificate batch {batch.id} ({batch.quantity}) is not as lodged "
                    f"({lodged_batches.get(batch.id)})",
                )
            )
        if not cancelled == claimed == lodged_claimed.get(batch.id, 0):
            problems.append(
                AuditProblem(
                    "altered",
                    None,
                    f"certificate batch {batch.id}: {cancelled} cancelled, {claimed} in stored "
                    f"claims, {lodged_claimed.get(batch.id, 0)} in lodged claims",
                )
            )
    foreign = session.scalars(
        select(CertificateClaim.id)
        .join(CertificateBatchRecord, CertificateBatchRecord.id == CertificateClaim.batch_id)
        .where(
            CertificateClaim.organisation_id == organisation_id,
            CertificateBatchRecord.organisation_id != organisation_id,
        )
    ).all()
    problems.extend(
        AuditProblem("altered", None, f"certificate claim {claim} is of another's batch")
        for claim in foreign
    )
    return problems


def _calibration_problems(session: Session, entries: list[StoredEntry]) -> list[AuditProblem]:
    """Lodged calibration records whose stored row is gone or no longer says what was lodged."""
    return _lodged_row_problems(
        session,
        entries,
        "calibration",
        StoredCalibration,
        calibration_content,
        lambda row, _: f"({row.instrument.code}, certificate {row.certificate or '—'}) ",
    )


def _inventory_problems(session: Session, entries: list[StoredEntry]) -> list[AuditProblem]:
    from dualcarbon.store.repository import load_inventory

    problems = []
    for entry in entries:
        inventory_id = entry.content.get("inventory_id")
        if entry.content.get("kind") not in INVENTORY_KINDS or not isinstance(inventory_id, int):
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
