"""User administration: deactivate and reactivate, change a role, reset a password, end a user's
sessions — each an admin's act, recorded in the user audit trail (docs/api.md, "User
administration"; docs/decisions/0010-lockout-sessions-audit.md).

Ending sessions raises the user's ``session_epoch`` in one ``UPDATE … SET session_epoch =
session_epoch + 1``; a web session is valid only while its recorded epoch equals the user's
(checked on every request by :func:`~dualcarbon.api.principals.for_session`), so every
cookie issued before is dead at once on every server instance, including one whose login was
racing with the change. Deactivation, a role change and a password reset end the sessions too
(OWASP Session Management Cheat Sheet: renew sessions on privilege change and password change,
https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html).

API keys are the user's explicit machine credentials: deactivation revokes them all (a
reactivated user makes new ones); ending sessions revokes them too unless the admin keeps them;
a password reset keeps them unless asked. PACT access tokens belong to PACT clients (an
organisation's partner systems), not to users, and are governed by the client's ``active`` flag.

No change may leave the platform without an active admin.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, cast

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import CursorResult, Result, delete, func, select, update
from sqlalchemy.orm import Session

from dualcarbon.api.audit import record
from dualcarbon.api.schemas import MAX_ID
from dualcarbon.api.scope import Action, Area, Principal, Role, require
from dualcarbon.api.services import REQUEST, ConflictError, get_user
from dualcarbon.api.throttle import Counters, account_counter
from dualcarbon.errors import InputError, InputProblem
from dualcarbon.security import Passwords
from dualcarbon.store.models import (
    ApiKey,
    Organisation,
    User,
    UserAuditEntry,
    UserOrganisation,
    WebSession,
    utcnow,
)

_SAY_WHY = "say why (the reason is kept in the audit trail)"


def _reason(value: str) -> str:
    """The reason, trimmed; a blank one is refused (the command line reaches here directly)."""
    text = value.strip()
    if not text:
        raise InputError([InputProblem(REQUEST, _SAY_WHY, field="reason")])
    return text[:500]


class _Reasoned(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500, description="why; kept in the audit trail")

    @field_validator("reason")
    @classmethod
    def _why(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(_SAY_WHY)
        return value.strip()


class DeactivateRequest(_Reasoned):
    pass


class ActivateRequest(_Reasoned):
    pass


class RoleChange(_Reasoned):
    role: Role
    organisation_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="required when the new role is enterprise"
    )


class PasswordReset(_Reasoned):
    password: str = Field(min_length=12, max_length=1024)
    revoke_api_keys: bool = Field(default=False, description="also revoke the user's API keys")


class SessionRevocation(_Reasoned):
    revoke_api_keys: bool = Field(default=True, description="also revoke the user's API keys")


class AuditEntryPublic(BaseModel):
    id: int
    at: dt.datetime
    actor_id: int | None
    actor: str
    action: str
    subject_id: int
    subject_email: str
    reason: str
    detail: dict[str, Any]


def _count(result: Result[Any]) -> int:
    """Rows a DELETE or UPDATE touched."""
    return int(cast(CursorResult[Any], result).rowcount)


def _end_sessions(session: Session, user: User, revoke_keys: bool) -> dict[str, int]:
    """Raise the epoch (atomically, in SQL), delete the stored sessions, maybe revoke keys; the
    caller commits. Answers what was ended, for the trail."""
    session.execute(
        update(User).where(User.id == user.id).values(session_epoch=User.session_epoch + 1)
    )
    ended = _count(session.execute(delete(WebSession).where(WebSession.user_id == user.id)))
    keys = 0
    if revoke_keys:
        keys = _count(
            session.execute(
                update(ApiKey)
                .where(ApiKey.user_id == user.id, ApiKey.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
        )
    return {"sessions_ended": ended, "api_keys_revoked": keys}


def _admins_left(session: Session, without: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN.value, User.active.is_(True), User.id != without)
        )
        or 0
    )


def _keep_an_admin(session: Session, user: User) -> None:
    if user.role == Role.ADMIN.value and user.active and _admins_left(session, user.id) == 0:
        raise ConflictError(f"user {user.id} is the last active admin; make another admin first")


def _locked(session: Session, principal: Principal, user_id: int) -> User:
    """The user, for a change by an admin, its row locked (PostgreSQL) so that two admins'
    concurrent changes to one user apply one after the other."""
    require(principal, Action.WRITE, Area.PLATFORM, None)
    get_user(session, user_id)  # 404 if absent
    user = session.scalar(
        select(User)
        .where(User.id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert user is not None
    return user


def _done(session: Session, user_id: int) -> User:
    session.commit()
    session.expire_all()
    return get_user(session, user_id)


def deactivate(session: Session, principal: Principal, user_id: int, reason: str) -> User:
    """The user can no longer log in; their sessions end and their API keys are revoked."""
    user = _locked(session, principal, user_id)
    _keep_an_admin(session, user)
    was = user.active
    user.active = False
    ended = _end_sessions(session, user, revoke_keys=True)
    record(session, principal, "deactivate", user, _reason(reason), {"was_active": was, **ended})
    return _done(session, user_id)


def activate(session: Session, principal: Principal, user_id: int, reason: str) -> User:
    """Let a deactivated user log in again (with new sessions and keys)."""
    user = _locked(session, principal, user_id)
    was = user.active
    user.active = True
    record(session, principal, "activate", user, _reason(reason), {"was_active": was})
    session.commit()
    Counters.clear(session, [account_counter(user.email)])
    return _done(session, user_id)


def change_role(
    session: Session,
    principal: Principal,
    user_id: int,
    role: Role,
    organisation_id: int | None,
    reason: str,
) -> User:
    """Give the user another role. An enterprise user needs an organisation, no other role has
    one; assignments (verifiers, reviewers) are dropped when the new role takes none. The
    user's sessions end; their API keys act with the new role from the next request."""
    problems: list[InputProblem] = []
    if role.owns_organisation and organisation_id is None:
        problems.append(
            InputProblem(
                REQUEST,
                "an enterprise or project developer user belongs to an organisation",
                field="organisation_id",
            )
        )
    if not role.owns_organisation and organisation_id is not None:
        problems.append(
            InputProblem(
                REQUEST,
                f"a {role.value} has no organisation of its own",
                field="organisation_id",
                value=organisation_id,
            )
        )
    if organisation_id is not None and session.get(Organisation, organisation_id) is None:
        problems.append(
            InputProblem(
                REQUEST, "no such organisation", field="organisation_id", value=organisation_id
            )
        )
    if problems:
        raise InputError(problems)
    user = _locked(session, principal, user_id)
    if role is not Role.ADMIN:
        _keep_an_admin(session, user)
    before = {"role": user.role, "organisation_id": user.organisation_id}
    dropped: list[int] = []
    if role not in (Role.VERIFIER, Role.METROLOGY_REVIEWER):
        dropped = list(
            session.scalars(
                select(UserOrganisation.organisation_id).where(UserOrganisation.user_id == user.id)
            )
        )
        session.execute(delete(UserOrganisation).where(UserOrganisation.user_id == user.id))
    user.role = role.value
    user.organisation_id = organisation_id
    ended = _end_sessions(session, user, revoke_keys=False)
    detail = {
        "before": before,
        "after": {"role": role.value, "organisation_id": organisation_id},
        "assignments_dropped": dropped,
        **ended,
    }
    record(session, principal, "role", user, _reason(reason), detail)
    return _done(session, user_id)


def reset_password(
    session: Session,
    principal: Principal,
    user_id: int,
    password: str,
    reason: str,
    passwords: Passwords,
    *,
    revoke_api_keys: bool = False,
) -> User:
    """Set a new password (the admin hands it over out of band); the user's sessions end and
    the account's login back-off is cleared."""
    if len(password) < 12:
        raise InputError([InputProblem(REQUEST, "at least 12 characters", field="password")])
    hashed = passwords.hash(password)  # before the row lock: hashing takes a while
    user = _locked(session, principal, user_id)
    user.password_hash = hashed
    ended = _end_sessions(session, user, revoke_keys=revoke_api_keys)
    record(session, principal, "reset_password", user, _reason(reason), ended)
    session.commit()
    Counters.clear(session, [account_counter(user.email)])
    return _done(session, user_id)


def revoke_sessions(
    session: Session,
    principal: Principal,
    user_id: int,
    reason: str,
    *,
    revoke_api_keys: bool = True,
) -> User:
    """End every web session of the user (and, unless kept, revoke their API keys)."""
    user = _locked(session, principal, user_id)
    ended = _end_sessions(session, user, revoke_keys=revoke_api_keys)
    record(session, principal, "revoke_sessions", user, _reason(reason), ended)
    return _done(session, user_id)


def audit_trail(
    session: Session, principal: Principal, user_id: int | None = None, limit: int = 200
) -> list[AuditEntryPublic]:
    """The newest entries first (admins only)."""
    require(principal, Action.WRITE, Area.PLATFORM, None)
    query = (
        select(UserAuditEntry, User.email)
        .join(User, User.id == UserAuditEntry.subject_id)
        .order_by(UserAuditEntry.id.desc())
        .limit(limit)
    )
    if user_id is not None:
        query = query.where(UserAuditEntry.subject_id == user_id)
    return [
        AuditEntryPublic(
            id=entry.id,
            at=entry.at,
            actor_id=entry.actor_id,
            actor=entry.actor,
            action=entry.action,
            subject_id=entry.subject_id,
            subject_email=email,
            reason=entry.reason,
            detail=json.loads(entry.detail),
        )
        for entry, email in session.execute(query).all()
    ]


def find_user(session: Session, who: str) -> User:
    """A user by id (digits) or e-mail, for the command line."""
    if who.isdigit():
        return get_user(session, int(who))
    found = session.scalar(select(User.id).where(User.email == who.strip().lower()))
    if found is None:
        raise LookupError(f"no user {who}")
    return get_user(session, found)
