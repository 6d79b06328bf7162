"""Verification of a result: comments (on the result or one of its lines) and sign-off."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from dualcarbon.api import services
from dualcarbon.api.deps import CurrentUser, PathId, SessionDep
from dualcarbon.api.schemas import (
    CommentCreate,
    CommentPublic,
    ErrorBody,
    SignOffCreate,
    SignOffPublic,
)

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
