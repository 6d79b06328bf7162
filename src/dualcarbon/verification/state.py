"""A result's checklist as it stands: the items with their latest answers and automatic checks,
the non-conformities, the approval; what it still lacks, and its digest."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from dualcarbon.store.models import (
    ResultSignOff,
    StoredResult,
    VerificationAnswer,
    VerificationFinding,
)
from dualcarbon.verification.checklist import AutoCheck, ChecklistItem


@dataclass(frozen=True)
class ItemState:
    item: ChecklistItem
    answer: VerificationAnswer | None
    check: AutoCheck | None


@dataclass(frozen=True)
class ChecklistState:
    result: StoredResult
    sector: str
    items: tuple[ItemState, ...]
    findings: tuple[VerificationFinding, ...]
    approved: ResultSignOff | None
    """The standing approval that took this checklist (one lodged with its digest; approvals
    from before the checklist existed carry none and do not freeze it)."""
    users: dict[int, str] = field(default_factory=dict)
    cems: Any = None
    """The latest CEMS attachment (``VerificationCems``), if any: part of what is approved."""

    @property
    def open_reasons(self) -> list[tuple[str, str]]:
        """Why the checklist cannot be approved yet (zh, en); empty when it can."""
        reasons = []
        unanswered = [s.item.id for s in self.items if s.answer is None]
        if unanswered:
            reasons.append(
                (
                    f"{len(unanswered)} 个核查项尚未给出结论：{', '.join(unanswered)}",
                    f"{len(unanswered)} item(s) without an outcome: {', '.join(unanswered)}",
                )
            )
        raised = {f.item for f in self.findings}
        bare = [
            s.item.id
            for s in self.items
            if s.answer is not None and s.answer.outcome == "nonconform" and s.item.id not in raised
        ]
        if bare:
            reasons.append(
                (
                    f"结论为不符合但未提出不符合项：{', '.join(bare)}",
                    f"answered nonconform with no non-conformity raised: {', '.join(bare)}",
                )
            )
        still_open = [f.id for f in self.findings if f.closed_at is None]
        if still_open:
            reasons.append(
                (
                    f"{len(still_open)} 个不符合项尚未关闭：#{', #'.join(map(str, still_open))}",
                    f"{len(still_open)} non-conformit(y/ies) still open: "
                    f"#{', #'.join(map(str, still_open))}",
                )
            )
        return reasons

    def digest(self) -> str:
        return checklist_digest(self)


def checklist_digest(state: ChecklistState) -> str:
    """SHA-256 of the checklist as it stands (canonical JSON): each answered item with its text
    as answered, outcome and note; every non-conformity with its corrective action and closing;
    and the CEMS data attached. Items not answered are left out, so a later release that adds
    an item does not change an approved checklist's digest."""
    document: dict[str, Any] = {
        "result_id": state.result.id,
        "items": {
            s.item.id: {
                "text": s.item.text_zh,
                "clause": s.item.clause,
                "outcome": s.answer.outcome,
                "note": s.answer.note,
                "by": s.answer.user_id,
            }
            for s in state.items
            if s.answer is not None
        },
        "findings": [
            {
                "id": f.id,
                "item": f.item,
                "description": f.description,
                "corrective_action": f.corrective_action,
                "closing_note": f.closing_note,
                "closed": f.closed_at is not None,
            }
            for f in state.findings
        ],
        "cems": None
        if state.cems is None
        else hashlib.sha256(state.cems.rows_json.encode()).hexdigest(),
    }
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
