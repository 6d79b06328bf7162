"""Evidence logs: entries, signed tree heads, and the proofs anyone can check offline."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BeforeValidator
from sqlalchemy import select

from dualcarbon.api import services
from dualcarbon.api.deps import CurrentUser, PathId, SessionDep, digits
from dualcarbon.api.schemas import ErrorBody
from dualcarbon.api.scope import Action, Area, readable_organisations
from dualcarbon.errors import DualcarbonError
from dualcarbon.ledger import lodging, published
from dualcarbon.store.models import EvidenceEntry

router = APIRouter(
    tags=["evidence"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody}},
)

Size = Annotated[
    int | None,
    Query(ge=1, le=2**31 - 1, description="tree size to prove against"),
    BeforeValidator(digits),
]


class EvidenceNotFoundError(DualcarbonError, LookupError):
    pass


@router.get("/evidence/public-key")
def public_key(request: Request, principal: CurrentUser) -> dict[str, str]:
    """The Ed25519 public key (base64) that signs every tree head: pin it to verify offline.

    Any logged-in user may read it (``principal`` only requires a login)."""
    return {"algorithm": "ed25519", "public_key": request.app.state.ledger.public_key}


@router.get("/organisations/{organisation_id}/evidence")
def organisation_evidence(
    organisation_id: PathId, principal: CurrentUser, session: SessionDep
) -> dict[str, Any]:
    """The organisation's log: every entry and the latest signed tree head."""
    services.organisation_for(session, principal, organisation_id, Action.READ, Area.ACCOUNTING)
    log_id = lodging.organisation_log(organisation_id)
    rows = session.scalars(
        select(EvidenceEntry).where(EvidenceEntry.log_id == log_id).order_by(EvidenceEntry.sequence)
    )
    head = lodging.latest_head(session, log_id)
    return {
        "log_id": log_id,
        "entries": [
            {
                "sequence": row.sequence,
                "leaf_hash": row.leaf_hash,
                "content": json.loads(row.content_json),
                "created_at": row.created_at.isoformat(),
            }
            for row in rows
        ],
        "head": None if head is None else head.to_json(),
    }


@router.get("/organisations/{organisation_id}/evidence/{sequence}/proof")
def inclusion_proof(
    organisation_id: PathId,
    sequence: Annotated[int, Path(ge=0, le=2**31 - 1), BeforeValidator(digits)],
    principal: CurrentUser,
    session: SessionDep,
    tree_size: Size = None,
) -> dict[str, Any]:
    """Audit path of one entry (RFC 6962 §2.1.1) against the current or a given tree size."""
    services.organisation_for(session, principal, organisation_id, Action.READ, Area.ACCOUNTING)
    try:
        return lodging.inclusion_proof(
            session, lodging.organisation_log(organisation_id), sequence, tree_size
        )
    except LookupError as exc:
        raise EvidenceNotFoundError(str(exc)) from None


@router.get("/organisations/{organisation_id}/evidence/consistency")
def consistency_proof(
    organisation_id: PathId,
    principal: CurrentUser,
    session: SessionDep,
    first: Annotated[int, Query(ge=0, le=2**31 - 1), BeforeValidator(digits)] = 0,
    second: Size = None,
) -> dict[str, Any]:
    """Proof that the log at size ``first`` is a prefix of the log at ``second`` (§2.1.2)."""
    services.organisation_for(session, principal, organisation_id, Action.READ, Area.ACCOUNTING)
    log_id = lodging.organisation_log(organisation_id)
    size = second
    if size is None:
        head = lodging.latest_head(session, log_id)
        size = 0 if head is None else head.head.tree_size
    try:
        return lodging.consistency_proof(session, log_id, first, size)
    except LookupError as exc:
        raise EvidenceNotFoundError(str(exc)) from None


@router.get("/evidence/heads")
def published_heads(
    request: Request, principal: CurrentUser, session: SessionDep
) -> dict[str, Any]:
    """The newest signed tree head of the platform log and of each organisation log the user may
    read, with the public key: keep them, and ``dualcarbon evidence verify --head`` later proves
    the store still extends them (RFC 9162 §8.3). The platform log commits to every
    organisation log's heads, so its head alone covers the whole store."""
    visible = readable_organisations(principal, Area.ACCOUNTING)
    heads = published.latest_heads(session)
    if visible is not None:
        allowed_logs = {lodging.PLATFORM} | {lodging.organisation_log(o) for o in visible}
        heads = [h for h in heads if h.head.log_id in allowed_logs]
    return published.document(request.app.state.ledger.public_key, heads)


@router.get("/evidence/heads/{log_id}")
def published_head(
    log_id: Annotated[str, Path(max_length=64, pattern=r"^(platform|org:[0-9]{1,10})$")],
    principal: CurrentUser,
    session: SessionDep,
    tree_size: Size = None,
) -> dict[str, Any]:
    """One log's signed tree head: the newest, or the one of ``tree_size``."""
    if log_id != lodging.PLATFORM:
        organisation_id = int(log_id.removeprefix("org:"))
        services.organisation_for(session, principal, organisation_id, Action.READ, Area.ACCOUNTING)
    head = (
        lodging.latest_head(session, log_id)
        if tree_size is None
        else published.head_at(session, log_id, tree_size)
    )
    if head is None:
        size = "" if tree_size is None else f" of size {tree_size}"
        raise EvidenceNotFoundError(f"no signed tree head of {log_id}{size}")
    return head.to_json()
