"""Verification of a result: comments (on the result or one of its lines), the verifier's
checklist with its non-conformities, the verification report, and sign-off."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Request, status
from fastapi import Path as UrlPath
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from dualcarbon.api import checklist, services
from dualcarbon.api.deps import CurrentUser, PathId, SessionDep, SettingsDep
from dualcarbon.api.schemas import (
    AutoCheckPublic,
    ChecklistAnswerCreate,
    ChecklistItemPublic,
    ChecklistPublic,
    CommentCreate,
    CommentPublic,
    ErrorBody,
    FindingAnswer,
    FindingClose,
    FindingCreate,
    FindingPublic,
    SignOffCreate,
    SignOffPublic,
)
from dualcarbon.api.uploads import UPLOAD_RESPONSES, received_file, upload_body
from dualcarbon.errors import InputError, InputProblem
from dualcarbon.store.models import VerificationFinding
from dualcarbon.verification.state import ChecklistState

router = APIRouter(
    tags=["verification"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody}},
)


@router.get("/results/{result_id}/comments")
def list_comments(
    result_id: PathId, principal: CurrentUser, session: SessionDep
) -> list[CommentPublic]:
    """Every comment on the result, oldest first."""
    return [
        CommentPublic.model_validate(c, from_attributes=True)
        for c in services.list_comments(session, principal, result_id)
    ]


@router.post(
    "/results/{result_id}/comments",
    status_code=status.HTTP_201_CREATED,
    responses={422: {"model": ErrorBody}},
)
def add_comment(
    result_id: PathId, body: CommentCreate, principal: CurrentUser, session: SessionDep
) -> CommentPublic:
    """Comment on the result (verifiers of the organisation, its own users, admins)."""
    comment = services.add_comment(session, principal, result_id, body)
    return CommentPublic.model_validate(comment, from_attributes=True)


@router.get("/results/{result_id}/signoffs")
def list_signoffs(
    result_id: PathId, principal: CurrentUser, session: SessionDep
) -> list[SignOffPublic]:
    """Every decision on the result, oldest first; the last one stands."""
    return [
        SignOffPublic.model_validate(s, from_attributes=True)
        for s in services.list_signoffs(session, principal, result_id)
    ]


@router.post(
    "/results/{result_id}/signoffs",
    status_code=status.HTTP_201_CREATED,
    responses={422: {"model": ErrorBody}},
)
def sign_off(
    result_id: PathId,
    body: SignOffCreate,
    principal: CurrentUser,
    session: SessionDep,
    request: Request,
) -> SignOffPublic:
    """Approve or reject the result (verifiers assigned to the organisation, admins); the
    decision is lodged in the evidence log."""
    decision = services.sign_off(session, principal, result_id, body, request.app.state.ledger)
    return SignOffPublic.model_validate(decision, from_attributes=True)


def checklist_public(state: ChecklistState) -> ChecklistPublic:
    """The checklist as the API and the pages show it."""
    from dualcarbon.verification.checklist import checklist as document

    users = state.users
    return ChecklistPublic(
        result_id=state.result.id,
        sector=state.sector,
        document=document().document,
        items=[
            ChecklistItemPublic(
                id=s.item.id,
                clause=s.item.clause,
                stage=s.item.stage,
                text_zh=s.item.text_zh,
                text_en=s.item.text_en,
                outcome=None if s.answer is None else s.answer.outcome,
                note=None if s.answer is None else s.answer.note,
                answered_by=None if s.answer is None else users.get(s.answer.user_id),
                answered_at=None if s.answer is None else s.answer.created_at,
                automatic=None
                if s.check is None
                else AutoCheckPublic(
                    hint=s.check.hint, text_zh=s.check.text_zh, text_en=s.check.text_en
                ),
            )
            for s in state.items
        ],
        findings=[finding_public(f, users) for f in state.findings],
        open_reasons=[f"{zh} / {en}" for zh, en in state.open_reasons],
        approved_signoff_id=None if state.approved is None else state.approved.id,
        digest=state.digest(),
    )


def finding_public(finding: VerificationFinding, users: dict[int, str]) -> FindingPublic:
    def who(user_id: int | None) -> str | None:
        return None if user_id is None else users.get(user_id, f"user {user_id}")

    return FindingPublic(
        id=finding.id,
        item=finding.item,
        description=finding.description,
        raised_by=who(finding.raised_by) or "",
        raised_at=finding.raised_at,
        corrective_action=finding.corrective_action,
        answered_by=who(finding.answered_by),
        answered_at=finding.answered_at,
        closing_note=finding.closing_note,
        closed_by=who(finding.closed_by),
        closed_at=finding.closed_at,
    )


@router.get("/results/{result_id}/checklist")
def get_checklist(
    result_id: PathId, principal: CurrentUser, session: SessionDep
) -> ChecklistPublic:
    """The verifier's checklist of the result: each item with its outcome and what dualcarbon's
    automatic checks found, the non-conformities, and why it cannot be approved yet."""
    return checklist_public(checklist.checklist_state(session, principal, result_id))


@router.put(
    "/results/{result_id}/checklist/items/{item}",
    responses={409: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)
def answer_item(
    result_id: PathId,
    item: Annotated[str, UrlPath(max_length=60, pattern=r"^[a-z][a-z0-9_]*$")],
    body: ChecklistAnswerCreate,
    principal: CurrentUser,
    session: SessionDep,
) -> ChecklistPublic:
    """The verifier's outcome on one item (conform, nonconform, not_applicable with a note)."""
    checklist.answer_item(session, principal, result_id, item, body.outcome, body.note)
    return checklist_public(checklist.checklist_state(session, principal, result_id))


@router.post(
    "/results/{result_id}/checklist/findings",
    status_code=status.HTTP_201_CREATED,
    responses={409: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)
def raise_finding(
    result_id: PathId, body: FindingCreate, principal: CurrentUser, session: SessionDep
) -> FindingPublic:
    """Raise a non-conformity (不符合项) on an item; the enterprise answers it."""
    found = checklist.raise_finding(session, principal, result_id, body.item, body.description)
    return finding_public(found, {principal.user_id: principal.email})


@router.post(
    "/results/{result_id}/checklist/findings/{finding_id}/answer",
    responses={409: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)
def answer_finding(
    result_id: PathId,
    finding_id: PathId,
    body: FindingAnswer,
    principal: CurrentUser,
    session: SessionDep,
) -> FindingPublic:
    """The enterprise's corrective action on a non-conformity."""
    found = checklist.answer_finding(
        session, principal, result_id, finding_id, body.corrective_action
    )
    state = checklist.checklist_state(session, principal, result_id, with_checks=False)
    return finding_public(found, state.users)


@router.post(
    "/results/{result_id}/checklist/findings/{finding_id}/close",
    responses={409: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)
def close_finding(
    result_id: PathId,
    finding_id: PathId,
    body: FindingClose,
    principal: CurrentUser,
    session: SessionDep,
) -> FindingPublic:
    """The verifier closes a non-conformity the enterprise has answered."""
    found = checklist.close_finding(session, principal, result_id, finding_id, body.note)
    state = checklist.checklist_state(session, principal, result_id, with_checks=False)
    return finding_public(found, state.users)


@router.post(
    "/results/{result_id}/checklist/cems",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=upload_body(
        "CSV of CEMS monthly CO2: unit, month, co2_t, u_co2_t (standard uncertainty, tCO2)",
        "not accepted: send the CSV as the form field 'file'",
    ),
    responses={**UPLOAD_RESPONSES, 409: {"model": ErrorBody}},
)
async def attach_cems(
    result_id: PathId,
    request: Request,
    principal: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
) -> ChecklistPublic:
    """Attach the CEMS monthly CO2 of the result's units: the checklist compares it with the
    accounting month by month (E_n, |E_n| ≤ 1 consistent)."""
    await run_in_threadpool(checklist.may_attach_cems, session, principal, result_id)
    body = await received_file(request, settings.max_upload_bytes)
    if body.filename is None:
        raise InputError(
            [InputProblem(services.REQUEST, "send the CSV as the form field 'file'", field="file")]
        )

    def run() -> ChecklistPublic:
        checklist.attach_cems(session, principal, result_id, body.filename or "", body.content)
        return checklist_public(checklist.checklist_state(session, principal, result_id))

    return await run_in_threadpool(run)


@router.get("/results/{result_id}/verification-report", response_class=HTMLResponse)
def verification_report(
    result_id: PathId,
    principal: CurrentUser,
    session: SessionDep,
    lang: Literal["zh", "en"] = "zh",
) -> HTMLResponse:
    """The verification report (核查报告) as one HTML page, Chinese unless ``lang=en``."""
    from dualcarbon.reports.verification_report import render_verification_report

    state = checklist.checklist_state(session, principal, result_id)
    return HTMLResponse(render_verification_report(state, lang=lang))
