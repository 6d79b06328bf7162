"""Who is asking: the user behind an API key or a web session, looked up on every request.

Every authenticated request starts here, so each lookup is one SQL statement: the key (or the
session), its user and the user's assigned organisations in one join, read as plain rows — no
ORM objects, no eager-loading round trips (decision 0013). Nothing is cached: a key revoked, a
user deactivated or a session ended takes effect on the very next request (decision 0010).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from dualcarbon.api.scope import Principal, Role
from dualcarbon.security import api_key_prefix, same_digest, sha256
from dualcarbon.store.models import ApiKey, User, UserOrganisation, WebSession, utcnow

KEY_USE_RESOLUTION = dt.timedelta(minutes=1)
"""How finely ``last_used_at`` of a key is kept: a key used many times a second is written at
most once a minute."""

_USER = (
    User.id.label("user_id"),
    User.email,
    User.role,
    User.organisation_id,
    User.active,
    User.session_epoch,
)

_BY_KEY = (
    select(
        ApiKey.id.label("key_id"), ApiKey.key_hash, ApiKey.revoked_at, ApiKey.last_used_at, *_USER
    )
    .add_columns(UserOrganisation.organisation_id.label("assigned"))
    .join(User, User.id == ApiKey.user_id)
    .outerjoin(UserOrganisation, UserOrganisation.user_id == User.id)
)

_BY_SESSION = (
    select(WebSession.epoch, *_USER)
    .add_columns(UserOrganisation.organisation_id.label("assigned"))
    .join(User, User.id == WebSession.user_id)
    .outerjoin(UserOrganisation, UserOrganisation.user_id == User.id)
)


def _principal(rows: Sequence[Row[Any]]) -> Principal:
    """The user of ``rows`` (one per assigned organisation, or one with ``assigned`` NULL)."""
    first = rows[0]
    return Principal(
        user_id=first.user_id,
        email=first.email,
        role=Role(first.role),
        organisation_id=first.organisation_id,
        assigned=frozenset(row.assigned for row in rows if row.assigned is not None),
    )


def for_api_key(session: Session, token: str) -> Principal | None:
    """The user of a valid, unrevoked key of an active user, noting when the key was last
    used; ``None`` for anything else."""
    prefix = api_key_prefix(token)
    if prefix is None:
        return None
    rows = session.execute(_BY_KEY.where(ApiKey.prefix == prefix)).all()
    if not rows:
        return None
    key = rows[0]
    if key.revoked_at is not None or not same_digest(key.key_hash, sha256(token)):
        return None
    if not key.active:
        return None
    principal = _principal(rows)
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > KEY_USE_RESOLUTION:
        session.execute(update(ApiKey).where(ApiKey.id == key.key_id).values(last_used_at=now))
        session.commit()
    return principal


def for_session(session: Session, token: str) -> Principal | None:
    """The user of an unexpired web session whose user is active and has not had their sessions
    ended since it began (decision 0010); ``None`` for anything else."""
    rows = session.execute(
        _BY_SESSION.where(WebSession.token_hash == sha256(token), WebSession.expires_at > utcnow())
    ).all()
    if not rows:
        return None
    first = rows[0]
    if not first.active or first.epoch != first.session_epoch:
        return None  # an admin ended the user's sessions, or deactivated them (decision 0010)
    return _principal(rows)
