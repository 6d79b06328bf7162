"""Emission-reduction projects: claim a monitoring period, read it, its report, its issuance."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from dualcarbon.api import admission, projects, services
from dualcarbon.api.deps import CurrentUser, PathId, SessionDep, SettingsDep
from dualcarbon.api.schemas import ErrorBody
from dualcarbon.api.scope import Area
from dualcarbon.api.uploads import UPLOAD_RESPONSES, received_file, upload_body
from dualcarbon.projects.model import ProjectInventory

router = APIRouter(
    tags=["projects"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody}},
)

Lang = Annotated[Literal["zh", "en"], Query(description="zh (default) or en")]
AcceptQuery = Annotated[
    list[str] | None,
    Query(max_length=services.MAX_ACCEPTANCES, description="acknowledge a warning: CODE:KEY"),
]
AcceptReasonQuery = Annotated[str | None, Query(max_length=services.MAX_REASON)]


@router.get("/projects/periods")
def list_periods(principal: CurrentUser, session: SessionDep) -> list[projects.PeriodPublic]:
    """The monitoring periods claimed that the user may read, with their issuances."""
    return projects.list_periods(session, principal)


async def _project_reader(request: Request, limit: int) -> Callable[[], ProjectInventory]:
    body = await received_file(request, limit)
    if body.filename is None:
        return lambda: projects.project_from_json(body.content)
    return lambda: projects.project_from_upload(body.filename, body.content)


@router.post(
    "/organisations/{organisation_id}/projects/periods",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=upload_body(
        "project file (.yaml or .xlsx; docs/projects.md)",
        "a project shaped as the YAML format: "
        "{project: {…}, monitoring_plan: […], grid_supply: […]}",
    ),
    responses={
        **UPLOAD_RESPONSES,
        409: {
            "model": ErrorBody,
            "description": "the period or a month of its electricity is claimed already",
        },
    },
)
async def claim_period(
    organisation_id: PathId,
    request: Request,
    principal: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    accept: AcceptQuery = None,
    accept_reason: AcceptReasonQuery = None,
) -> projects.ClaimOutcome:
    """Account a monitoring period with the organisation's stored instrument register and claim
    it: stored, its electricity claimed once across the platform, lodged with every reading."""
    await run_in_threadpool(
        services.writable_organisation, session, principal, organisation_id, Area.PROJECTS
    )
    given = services.acceptances(principal, accept or [], accept_reason)
    read = await _project_reader(request, settings.max_upload_bytes)

    def run() -> projects.ClaimOutcome:
        return projects.claim_upload(
            session, principal, organisation_id, read(), request.app.state.ledger, given
        )

    return await admission.in_turn(run)


@router.post(
    "/projects/periods/{period_id}/corrections",
    status_code=status.HTTP_201_CREATED,
    responses={
        **UPLOAD_RESPONSES,
        409: {"model": ErrorBody, "description": "issued (locked) or corrected already"},
    },
)
async def correct_period(
    period_id: PathId,
    request: Request,
    principal: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    accept: AcceptQuery = None,
    accept_reason: AcceptReasonQuery = None,
) -> projects.ClaimOutcome:
    """A corrected project file for an unissued period, sent as a claim is: the new period
    replaces it, its months of electricity are released to the new one, and the evidence entry
    names what it corrects."""
    organisation_id = await run_in_threadpool(
        projects.writable_period_owner, session, principal, period_id
    )
    given = services.acceptances(principal, accept or [], accept_reason)
    read = await _project_reader(request, settings.max_upload_bytes)

    def run() -> projects.ClaimOutcome:
        return projects.claim_upload(
            session,
            principal,
            organisation_id,
            read(),
            request.app.state.ledger,
            given,
            corrects=period_id,
        )

    return await admission.in_turn(run)


@router.get(
    "/projects/periods/{period_id}",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}, "description": "the result"}},
)
def get_period(period_id: PathId, principal: CurrentUser, session: SessionDep) -> Response:
    """The period's result as claimed (schema dualcarbon.project-result/1)."""
    content = projects.period_document(session, principal, period_id)
    return Response(content, media_type="application/json")


@router.get(
    "/projects/periods/{period_id}/report",
    tags=["reports"],
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}, "description": "the monitoring report"}},
)
def period_report(
    period_id: PathId, principal: CurrentUser, session: SessionDep, lang: Lang = "zh"
) -> HTMLResponse:
    """The monitoring report as claimed (rendered and stored at the claim)."""
    return HTMLResponse(projects.period_report(session, principal, period_id, lang))


@router.post(
    "/projects/periods/{period_id}/issuance",
    status_code=status.HTTP_201_CREATED,
    responses={409: {"model": ErrorBody, "description": "issued already"}},
)
def record_issuance(
    period_id: PathId,
    body: projects.IssuanceBody,
    request: Request,
    principal: CurrentUser,
    session: SessionDep,
) -> projects.PeriodPublic:
    """Record the registry's issuance of a period (admins); the period is locked from then on."""
    return projects.record_issuance(session, principal, period_id, body, request.app.state.ledger)
