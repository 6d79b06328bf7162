"""User administration (admins only): deactivate, activate, change a role, reset a password,
end a user's sessions, read the audit trail (docs/api.md, "User administration")."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BeforeValidator

from dualcarbon.api import users
from dualcarbon.api.deps import AdminUser, PasswordsDep, PathId, SessionDep, digits
from dualcarbon.api.schemas import MAX_ID, ErrorBody, UserPublic
from dualcarbon.api.services import user_public

router = APIRouter(
    tags=["users"],
    responses={
        401: {"model": ErrorBody},
        403: {"model": ErrorBody},
        404: {"model": ErrorBody},
        422: {"model": ErrorBody},
    },
)

_LAST_ADMIN: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": "it would leave no active admin"}
}


@router.get("/users/audit")
def audit(
    principal: AdminUser,
    session: SessionDep,
    user_id: Annotated[int | None, Query(ge=1, le=MAX_ID), BeforeValidator(digits)] = None,
    limit: Annotated[int, Query(ge=1, le=1000), BeforeValidator(digits)] = 200,
) -> list[users.AuditEntryPublic]:
    """The user audit trail, newest first: who changed which account, how, when and why."""
    return users.audit_trail(session, principal, user_id, limit)


@router.post("/users/{user_id}/deactivate", responses=_LAST_ADMIN)
def deactivate(
    user_id: PathId, body: users.DeactivateRequest, principal: AdminUser, session: SessionDep
) -> UserPublic:
    """The user can no longer log in; their sessions end at once and their API keys are
    revoked."""
    return user_public(users.deactivate(session, principal, user_id, body.reason))


@router.post("/users/{user_id}/activate")
def activate(
    user_id: PathId, body: users.ActivateRequest, principal: AdminUser, session: SessionDep
) -> UserPublic:
    """Let a deactivated user log in again."""
    return user_public(users.activate(session, principal, user_id, body.reason))


@router.put("/users/{user_id}/role", responses=_LAST_ADMIN)
def change_role(
    user_id: PathId, body: users.RoleChange, principal: AdminUser, session: SessionDep
) -> UserPublic:
    """Another role (an enterprise user names its organisation); the user's sessions end."""
    user = users.change_role(
        session, principal, user_id, body.role, body.organisation_id, body.reason
    )
    return user_public(user)


@router.post("/users/{user_id}/password")
def reset_password(
    user_id: PathId,
    body: users.PasswordReset,
    principal: AdminUser,
    session: SessionDep,
    passwords: PasswordsDep,
) -> UserPublic:
    """Set a new password; the user's sessions end (and, if asked, their API keys)."""
    user = users.reset_password(
        session,
        principal,
        user_id,
        body.password,
        body.reason,
        passwords,
        revoke_api_keys=body.revoke_api_keys,
    )
    return user_public(user)


@router.post("/users/{user_id}/revoke-sessions")
def revoke_sessions(
    user_id: PathId, body: users.SessionRevocation, principal: AdminUser, session: SessionDep
) -> UserPublic:
    """End every session of the user at once, on every server (and revoke their API keys
    unless ``revoke_api_keys`` is false)."""
    user = users.revoke_sessions(
        session, principal, user_id, body.reason, revoke_api_keys=body.revoke_api_keys
    )
    return user_public(user)
