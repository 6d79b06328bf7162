"""Green certificates: the holder's batches and claims, uploading batches, claiming consumption."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status
from starlette.concurrency import run_in_threadpool

from dualcarbon.api import admission, certificates
from dualcarbon.api.deps import CurrentUser, PathId, SessionDep, SettingsDep
from dualcarbon.api.schemas import ErrorBody
from dualcarbon.api.scope import Area
from dualcarbon.api.services import writable_organisation
from dualcarbon.api.uploads import UPLOAD_RESPONSES, received_file, upload_body

router = APIRouter(
    tags=["certificates"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody}},
)

REFUSED: dict[int | str, dict[str, Any]] = {
    409: {
        "model": ErrorBody,
        "description": "a certificate recorded or claimed already, too few left, or its "
        "plant-month under a CCER claim",
    }
}


@router.get("/organisations/{organisation_id}/certificates")
def holdings(
    organisation_id: PathId, principal: CurrentUser, session: SessionDep
) -> certificates.Holdings:
    """The organisation's certificate batches (what remains, until when) and its claims."""
    return certificates.holdings(session, principal, organisation_id)


@router.post(
    "/organisations/{organisation_id}/certificates",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=upload_body(
        "certificate batches (.csv, .xlsx or .yaml; docs/energy.md)",
        "the YAML format's shape as JSON: {certificates: [{serial_from, serial_to, quantity, "
        "plant, technology, production_month, …}]}",
    ),
    responses={**UPLOAD_RESPONSES, **REFUSED},
)
async def import_certificates(
    organisation_id: PathId,
    request: Request,
    principal: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
) -> certificates.ImportOutcome:
    """Record batches the organisation holds: each certificate once in the ledger, lodged in the
    evidence log."""
    await run_in_threadpool(
        writable_organisation, session, principal, organisation_id, Area.CERTIFICATES
    )
    body = await received_file(request, settings.max_upload_bytes)

    def run() -> certificates.ImportOutcome:
        return certificates.import_upload(
            session,
            principal,
            organisation_id,
            body.filename,
            body.content,
            request.app.state.ledger,
        )

    return await admission.in_turn(run)


@router.post(
    "/organisations/{organisation_id}/certificates/claims",
    status_code=status.HTTP_201_CREATED,
    responses=REFUSED,
)
def claim_certificates(
    organisation_id: PathId,
    body: certificates.ClaimBody,
    request: Request,
    principal: CurrentUser,
    session: SessionDep,
) -> certificates.ClaimOutcome:
    """Declare green-electricity consumption: cancel certificates, those expiring first, for an
    enterprise's year, a product or a park; each certificate once."""
    return certificates.claim(session, principal, organisation_id, body, request.app.state.ledger)
