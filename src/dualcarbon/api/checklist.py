"""The verifier's checklist over a stored result, as plain functions over a session (issue 14,
item 2): answers per item, non-conformities with the enterprise's corrective actions, and what
an approval needs.

Who does what: the verifier (or an admin) answers items, raises and closes non-conformities; the
enterprise answers a non-conformity with its corrective action. An approval needs every item
answered, a non-conformity raised on every item answered "nonconform", and every non-conformity
closed; it carries the checklist's digest into the evidence log, and the checklist is frozen
from then on.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import PurePath

from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcarbon.accounting.result import AccountingResult
from dualcarbon.api.scope import Action, Area, Principal, allowed, require
from dualcarbon.api.services import ConflictError, end_reads
from dualcarbon.cems.comparison import ComparisonError, MonthlyCo2, read_monthly
from dualcarbon.errors import InputError, InputProblem, NotFoundError
from dualcarbon.store.models import (
    ResultSignOff,
    StoredResult,
    User,
    VerificationAnswer,
    VerificationCems,
    VerificationFinding,
)
from dualcarbon.store.models import utcnow as now
from dualcarbon.store.repository import get_result, load_result
from dualcarbon.verification.checklist import (
    OUTCOMES,
    ChecklistItem,
    automatic_check,
    checklist,
)
from dualcarbon.verification.state import ChecklistState, ItemState

REQUEST = "request"


class ChecklistLockedError(ConflictError):
    """The result is approved: its checklist is what the approval rests on (HTTP 409)."""


def _result(session: Session, principal: Principal, result_id: int) -> StoredResult:
    row = session.get(StoredResult, result_id)
    if row is None:
        raise NotFoundError("result", result_id)
    if not allowed(principal, Action.READ, Area.ACCOUNTING, row.inventory.facility.organisation_id):
        raise NotFoundError("result", result_id)
    return row


def _organisation(row: StoredResult) -> int:
    return row.inventory.facility.organisation_id


def checklist_state(
    session: Session,
    principal: Principal,
    result_id: int,
    *,
    with_checks: bool = True,
    loaded: AccountingResult | None = None,
) -> ChecklistState:
    """The checklist of a result: its items (the sector's), the latest answer of each, what the
    automatic checks found, the non-conformities, and the approval if there is one.
    ``loaded``: the stored result, where the caller has loaded it already (the result page)."""
    from dualcarbon.methodologies.definition import get_methodology

    row = _result(session, principal, result_id)
    sector = get_methodology(row.methodology.split("@", 1)[0]).sector
    answers: dict[str, VerificationAnswer] = {}
    for answer in session.scalars(
        select(VerificationAnswer)
        .where(VerificationAnswer.result_id == result_id)
        .order_by(VerificationAnswer.id)
    ):
        answers[answer.item] = answer
    findings = tuple(
        session.scalars(
            select(VerificationFinding)
            .where(VerificationFinding.result_id == result_id)
            .order_by(VerificationFinding.id)
        )
    )
    result = loaded if with_checks else None
    if with_checks and result is None:
        stored = get_result(session, result_id)
        result = load_result(stored) if stored is not None else None
    attachment = latest_cems(session, result_id)
    cems = () if attachment is None or result is None else rows_of(attachment)
    items = tuple(
        ItemState(
            item,
            answers.get(item.id),
            automatic_check(item.automatic, result, cems)
            if result is not None and item.automatic
            else None,
        )
        for item in checklist().for_sector(sector)
    )
    latest = session.scalars(
        select(ResultSignOff)
        .where(ResultSignOff.result_id == result_id)
        .order_by(ResultSignOff.id.desc())
        .limit(1)
    ).first()
    people = {a.user_id for a in answers.values()} | {
        u for f in findings for u in (f.raised_by, f.answered_by, f.closed_by) if u is not None
    }
    users = (
        {u.id: u.email for u in session.scalars(select(User).where(User.id.in_(people)))}
        if people
        else {}
    )
    return ChecklistState(
        row,
        sector,
        items,
        findings,
        # an approval freezes the checklist it lodged; one from before the checklist existed
        # (no digest) neither froze nor checked one
        latest
        if latest is not None and latest.decision == "approved" and latest.checklist_sha256
        else None,
        users,
        attachment,
    )


def lock_result(session: Session, result_id: int) -> None:
    """Take the result's row lock until the transaction ends (PostgreSQL ``FOR UPDATE``): the
    approval and every change of the checklist take it first, so an approval never lodges a
    checklist that a concurrent change has just made stale. (SQLite serialises writers on its
    file lock.)"""
    session.execute(select(StoredResult.id).where(StoredResult.id == result_id).with_for_update())


def _unlocked(session: Session, principal: Principal, result_id: int) -> ChecklistState:
    lock_result(session, result_id)
    state = checklist_state(session, principal, result_id, with_checks=False)
    if state.approved is not None:
        raise ChecklistLockedError(
            f"result {result_id} is approved (sign-off #{state.approved.id}); its checklist is "
            "what the approval rests on and is not changed"
        )
    return state


def _item(state: ChecklistState, item_id: str) -> ChecklistItem:
    for entry in state.items:
        if entry.item.id == item_id:
            return entry.item
    known = ", ".join(s.item.id for s in state.items)
    rule = f"no checklist item {item_id!r} here (known: {known})"
    raise InputError([InputProblem(REQUEST, rule, field="item")])


def _text(value: str, field_name: str, *, required: bool) -> str:
    text = value.strip()
    if required and not text:
        raise InputError([InputProblem(REQUEST, "required value is missing", field=field_name)])
    return text


def answer_item(
    session: Session,
    principal: Principal,
    result_id: int,
    item_id: str,
    outcome: str,
    note: str,
) -> VerificationAnswer:
    """The verifier's outcome on an item (a new row: the history stays)."""
    state = _unlocked(session, principal, result_id)
    require(principal, Action.SIGN_OFF, Area.ACCOUNTING, _organisation(state.result))
    _item(state, item_id)
    if outcome not in OUTCOMES:
        raise InputError(
            [InputProblem(REQUEST, f"must be one of {', '.join(OUTCOMES)}", field="outcome")]
        )
    answer = VerificationAnswer(
        result_id=result_id,
        item=item_id,
        outcome=outcome,
        note=_text(note, "note", required=outcome == "not_applicable"),
        user_id=principal.user_id,
        created_at=now(),
    )
    session.add(answer)
    session.commit()
    return answer


def raise_finding(
    session: Session, principal: Principal, result_id: int, item_id: str, description: str
) -> VerificationFinding:
    state = _unlocked(session, principal, result_id)
    require(principal, Action.SIGN_OFF, Area.ACCOUNTING, _organisation(state.result))
    _item(state, item_id)
    finding = VerificationFinding(
        result_id=result_id,
        item=item_id,
        description=_text(description, "description", required=True),
        raised_by=principal.user_id,
        raised_at=now(),
    )
    session.add(finding)
    session.commit()
    return finding


def _finding(state: ChecklistState, finding_id: int) -> VerificationFinding:
    for finding in state.findings:
        if finding.id == finding_id:
            return finding
    raise NotFoundError("non-conformity", finding_id)


def answer_finding(
    session: Session,
    principal: Principal,
    result_id: int,
    finding_id: int,
    corrective_action: str,
) -> VerificationFinding:
    """The enterprise's corrective action on a non-conformity (again, until it is closed)."""
    state = _unlocked(session, principal, result_id)
    require(principal, Action.WRITE, Area.ACCOUNTING, _organisation(state.result))
    finding = _finding(state, finding_id)
    if finding.closed_at is not None:
        raise ChecklistLockedError(f"non-conformity #{finding_id} is closed")
    finding.corrective_action = _text(corrective_action, "corrective_action", required=True)
    finding.answered_by = principal.user_id
    finding.answered_at = now()
    session.commit()
    return finding


def close_finding(
    session: Session, principal: Principal, result_id: int, finding_id: int, note: str
) -> VerificationFinding:
    """The verifier closes a non-conformity once the enterprise has answered it."""
    state = _unlocked(session, principal, result_id)
    require(principal, Action.SIGN_OFF, Area.ACCOUNTING, _organisation(state.result))
    finding = _finding(state, finding_id)
    if finding.corrective_action is None:
        raise InputError(
            [
                InputProblem(
                    REQUEST,
                    "the enterprise has not answered this non-conformity with a corrective "
                    "action yet",
                    field="finding",
                    rule_zh="企业尚未对该不符合项提出整改措施",
                )
            ]
        )
    finding.closing_note = _text(note, "note", required=True)
    finding.closed_by = principal.user_id
    finding.closed_at = now()
    session.commit()
    return finding


def approval_digest(session: Session, principal: Principal, result_id: int) -> str:
    """The digest an approval carries; refuses while the checklist is not complete."""
    state = checklist_state(session, principal, result_id, with_checks=False)
    reasons = state.open_reasons
    if reasons:
        raise InputError(
            [InputProblem(REQUEST, en, field="checklist", rule_zh=zh) for zh, en in reasons]
        )
    return state.digest()


MAX_CEMS_ROWS = 10_000
"""Unit-months one attachment may hold (a plant of 800 units over a year is under 10,000)."""


def latest_cems(session: Session, result_id: int) -> VerificationCems | None:
    """The CEMS monthly CO2 last attached to the result, if any."""
    return session.scalars(
        select(VerificationCems)
        .where(VerificationCems.result_id == result_id)
        .order_by(VerificationCems.id.desc())
        .limit(1)
    ).first()


def rows_of(attachment: VerificationCems) -> tuple[MonthlyCo2, ...]:
    return tuple(MonthlyCo2(**row) for row in json.loads(attachment.rows_json))


def may_attach_cems(session: Session, principal: Principal, result_id: int) -> None:
    """Whether ``principal`` may attach CEMS data to the result (the enterprise or its
    verifier, while the checklist is open); raises 404, 403 or 409 otherwise. Checked before an
    upload is read."""
    state = checklist_state(session, principal, result_id, with_checks=False)
    if state.approved is not None:
        raise ChecklistLockedError(f"result {result_id} is approved; its checklist is frozen")
    organisation = _organisation(state.result)
    if not allowed(principal, Action.WRITE, Area.ACCOUNTING, organisation):
        require(principal, Action.SIGN_OFF, Area.ACCOUNTING, organisation)
    end_reads(session)  # an upload may take long to arrive: hold no transaction meanwhile


def attach_cems(
    session: Session, principal: Principal, result_id: int, filename: str, content: bytes
) -> VerificationCems:
    """Attach a CSV of CEMS monthly CO2 (unit, month, co2_t, u_co2_t: standard uncertainty,
    tCO2) for the checklist's comparison: the enterprise or its verifier may."""
    import io

    import polars as pl

    may_attach_cems(session, principal, result_id)
    lock_result(session, result_id)
    name = filename or REQUEST
    try:
        frame = pl.read_csv(io.BytesIO(content), n_rows=MAX_CEMS_ROWS + 1, infer_schema_length=0)
        if frame.height > MAX_CEMS_ROWS:
            raise ValueError(f"more than {MAX_CEMS_ROWS:,} rows")
        if any(frame.get_column(c).null_count() for c in frame.columns):
            raise ValueError("a cell is empty")
        rows = read_monthly(frame)
        if len({(r.unit, r.month) for r in rows}) != len(rows):
            raise ValueError("a unit and month twice")
        if not all(math.isfinite(r.co2_t) and math.isfinite(r.u_co2_t) for r in rows):
            raise ValueError("a value that is not a finite number")
    except (ValueError, TypeError, pl.exceptions.PolarsError, ComparisonError) as exc:
        raise InputError(
            [
                InputProblem(
                    name,
                    f"not a CEMS monthly CSV with columns unit, month, co2_t, u_co2_t ({exc})",
                    rule_zh=f"不是含 unit、month、co2_t、u_co2_t 列的在线监测月度 CSV（{exc}）",
                )
            ]
        ) from None
    bad = [r for r in rows if not (1 <= r.month <= 12 and r.co2_t >= 0 and r.u_co2_t >= 0)]
    if bad:
        raise InputError(
            [
                InputProblem(
                    name,
                    "month 1–12, co2_t and u_co2_t not negative",
                    field="month",
                    value=f"{bad[0].unit}/{bad[0].month}",
                    rule_zh="月份须为 1–12，co2_t、u_co2_t 不能为负",
                )
            ]
        )
    attached = VerificationCems(
        result_id=result_id,
        user_id=principal.user_id,
        source=PurePath(name).name[:200],
        rows_json=json.dumps([dataclasses.asdict(r) for r in rows], ensure_ascii=False),
        created_at=now(),
    )
    session.add(attached)
    session.commit()
    return attached
