"""The user audit trail (decision 0010): who changed which account, how, when and why.

Written in the same transaction as the change it records, by :mod:`dualcarbon.api.users` (the
admins' changes) and :mod:`dualcarbon.api.services` (creating a user, assigning organisations).
"""

from __future__ import annotations

import getpass
import json
from typing import Any

from sqlalchemy.orm import Session

from dualcarbon.api.scope import Principal
from dualcarbon.store.models import User, UserAuditEntry, utcnow

ACTIONS = (
    "create",
    "assign",
    "deactivate",
    "activate",
    "role",
    "reset_password",
    "revoke_sessions",
)
"""What the audit trail records."""

CLI_ACTOR_ID = 0
"""The ``user_id`` of the command line's principal (it acts as an admin; no such user)."""


def actor_label(principal: Principal) -> str:
    """Who acted, as the trail shows it: the admin's e-mail, or the command line and the
    operating-system account that ran it."""
    if principal.user_id == CLI_ACTOR_ID:
        try:
            who = getpass.getuser()
        except (KeyError, OSError):  # no passwd entry (a container)
            who = "?"
        return f"command line ({who})"
    return principal.email


def record(
    session: Session,
    principal: Principal,
    action: str,
    subject: User,
    reason: str,
    detail: dict[str, Any],
) -> None:
    session.add(
        UserAuditEntry(
            at=utcnow(),
            actor_id=None if principal.user_id == CLI_ACTOR_ID else principal.user_id,
            actor=actor_label(principal),
            action=action,
            subject_id=subject.id,
            reason=reason,
            detail=json.dumps(detail, ensure_ascii=False, sort_keys=True),
        )
    )
