"""What the evidence log commits to about a stored result or sign-off, for pages and API answers.

A page showing a result's total or a verifier's decision reads a row that an insider could have
changed behind the triggers. So each view compares the row with the entry it was lodged as (one
indexed query for a whole list, the row's cheap columns against the entry's content; no Merkle
audit per view, that is ``dualcarbon evidence verify``'s job) and shows what the log commits to,
saying so when the row differs (docs/decisions/0008-evidence-commitments.md).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcarbon.ledger.lodging import organisation_log, result_columns, signoff_columns
from dualcarbon.store.models import EvidenceEntry, ResultSignOff, StoredResult

State = Literal["lodged", "differs", "unlodged"]


@dataclass(frozen=True)
class Commitment:
    """``lodged``: the row says what was lodged; ``differs``: it does not (``fields`` name the
    columns), ``content`` is what was lodged; ``unlodged``: stored before lodging began, or
    inserted behind the server's back."""

    state: State
    content: dict[str, Any] | None = None
    fields: tuple[str, ...] = ()

    def value(self, key: str, stored: Any) -> Any:
        """What the log commits to for ``key``, else the stored value."""
        if self.content is not None and key in self.content:
            return self.content[key]
        return stored


def _lodged(session: Session, subjects: dict[str, int]) -> dict[str, dict[str, Any]]:
    """Subject → the content lodged for it in its organisation's log."""
    if not subjects:
        return {}
    logs = sorted({organisation_log(o) for o in subjects.values()})
    found: dict[str, dict[str, Any]] = {}
    names = sorted(subjects)
    for start in range(0, len(names), 500):  # bounded IN lists
        rows = session.execute(
            select(EvidenceEntry.subject, EvidenceEntry.content_json).where(
                EvidenceEntry.log_id.in_(logs),
                EvidenceEntry.subject.in_(names[start : start + 500]),
            )
        )
        for subject, content_json in rows:
            if subject is not None:
                found[subject] = json.loads(content_json)
    return found


def _compare(now: dict[str, Any], content: dict[str, Any] | None) -> Commitment:
    if content is None:
        return Commitment("unlodged")
    changed = tuple(sorted(k for k, v in now.items() if content.get(k) != v))
    return Commitment("differs" if changed else "lodged", content, changed)


def of_results(session: Session, rows: Sequence[StoredResult]) -> dict[int, Commitment]:
    """Each result's commitment (owners must be loaded: ``row.inventory.facility``)."""
    subjects = {f"result:{row.id}": row.inventory.facility.organisation_id for row in rows}
    lodged = _lodged(session, subjects)
    return {row.id: _compare(result_columns(row), lodged.get(f"result:{row.id}")) for row in rows}


def of_signoffs(
    session: Session, organisation_id: int, rows: Sequence[ResultSignOff]
) -> dict[int, Commitment]:
    lodged = _lodged(session, {f"signoff:{row.id}": organisation_id for row in rows})
    return {row.id: _compare(signoff_columns(row), lodged.get(f"signoff:{row.id}")) for row in rows}


def lodged_decision(session: Session, organisation_id: int, result_id: int) -> tuple[str, bool]:
    """The latest decision on a result that the log commits to (``pending`` if none), and whether
    any sign-off row of the result differs from the log or was never lodged."""
    rows = list(
        session.scalars(
            select(ResultSignOff)
            .where(ResultSignOff.result_id == result_id)
            .order_by(ResultSignOff.id)
        )
    )
    found = of_signoffs(session, organisation_id, rows)
    lodged = [row for row in rows if found[row.id].state != "unlodged"]
    # Sign-offs stored before they were lodged (migration 0009) count while none of the result's
    # is lodged; they, like any row the log does not confirm, are flagged.
    counted = lodged or rows
    decision = (
        str(found[counted[-1].id].value("decision", counted[-1].decision)) if counted else "pending"
    )
    return decision, any(c.state != "lodged" for c in found.values())
