"""Organisations, their results, and importing an inventory into one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Query, Request, status
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from dualcarbon.accounting.inventory import Inventory
from dualcarbon.api import admission, documents, services
from dualcarbon.api.deps import AdminUser, CurrentUser, PathId, SessionDep, SettingsDep
from dualcarbon.api.schemas import (
    ErrorBody,
    FacilityCreate,
    FacilityPublic,
    ImportOutcome,
    InventoryPublic,
    OrganisationCreate,
    OrganisationPublic,
    ResultSummary,
)
from dualcarbon.api.scope import Action, Area
from dualcarbon.api.uploads import UPLOAD_RESPONSES, received_file, upload_body

router = APIRouter(
    tags=["organisations"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody}},
)

Lang = Annotated[Literal["zh", "en"], Query(description="zh (default) or en")]


@router.get("/organisations")
def list_organisations(principal: CurrentUser, session: SessionDep) -> list[OrganisationPublic]:
    """The organisations the current user may see."""
    return [
        OrganisationPublic.model_validate(o)
        for o in services.list_organisations(session, principal)
    ]


@router.post(
    "/organisations", status_code=status.HTTP_201_CREATED, responses={409: {"model": ErrorBody}}
)
def create_organisation(
    body: OrganisationCreate, principal: AdminUser, session: SessionDep
) -> OrganisationPublic:
    """Register an organisation (admins only)."""
    return OrganisationPublic.model_validate(
        services.create_organisation(session, principal, body.name)
    )


@router.get("/organisations/{organisation_id}")
def get_organisation(
    organisation_id: PathId, principal: CurrentUser, session: SessionDep
) -> OrganisationPublic:
    organisation = services.organisation_for(
        session, principal, organisation_id, Action.READ, Area.ORGANISATION
    )
    return OrganisationPublic.model_validate(organisation)


@router.get("/organisations/{organisation_id}/results")
def list_results(
    organisation_id: PathId, principal: CurrentUser, session: SessionDep
) -> list[ResultSummary]:
    """The organisation's stored accounting results, oldest first."""
    return services.organisation_results(session, principal, organisation_id)


@router.get(
    "/results/{result_id}",
    tags=["results"],
    response_class=Response,
    responses={200: {"content": {"application/json": {}}, "description": "the result"}},
)
def get_result(result_id: PathId, principal: CurrentUser, session: SessionDep) -> Response:
    """A stored result as computed: totals, and every line with its trace (docs/result-json.md)."""
    # bytes, not a dict: the immutable part is kept encoded (api/documents.py)
    content = documents.result_document_bytes(session, principal, result_id)
    return Response(content, media_type="application/json")


@router.get(
    "/results/{result_id}/report",
    tags=["results", "reports"],
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}, "description": "the report page"}},
)
def result_report(
    result_id: PathId, principal: CurrentUser, session: SessionDep, lang: Lang = "zh"
) -> HTMLResponse:
    """The result's printable report: one self-contained HTML page with monthly charts, every
    parameter and its tier, the factor versions, the expanded uncertainty and the full trace."""
    return HTMLResponse(services.result_report(session, principal, result_id, lang))


@router.get("/results/{result_id}/improvements", tags=["results"])
def result_improvements(
    result_id: PathId, principal: CurrentUser, session: SessionDep
) -> dict[str, Any]:
    """Which measurement to improve first: the meters, analyses and defaults ranked by how much
    improving each lowers the total's expanded uncertainty, the defaults by their emissions
    effect, the instruments overdue and the values without a stated uncertainty."""
    return services.result_improvements(session, principal, result_id).to_json()


@router.get("/organisations/{organisation_id}/facilities", tags=["facilities"])
def list_facilities(
    organisation_id: PathId, principal: CurrentUser, session: SessionDep
) -> list[FacilityPublic]:
    """The organisation's plants, each with its count of inventories and latest result."""
    return services.list_facilities(session, principal, organisation_id)


@router.post(
    "/organisations/{organisation_id}/facilities",
    tags=["facilities"],
    status_code=status.HTTP_201_CREATED,
    responses={409: {"model": ErrorBody}},
)
def create_facility(
    organisation_id: PathId, body: FacilityCreate, principal: CurrentUser, session: SessionDep
) -> FacilityPublic:
    """Register a plant (an inventory naming a new plant registers it as well)."""
    return services.create_facility(session, principal, organisation_id, body)


@router.get("/organisations/{organisation_id}/inventories", tags=["inventories"])
def list_inventories(
    organisation_id: PathId, principal: CurrentUser, session: SessionDep
) -> list[InventoryPublic]:
    """The organisation's submissions, oldest first: each with what it corrects or what
    corrects it, its results and its evidence entries."""
    return services.list_inventories(session, principal, organisation_id)


AcceptQuery = Annotated[
    list[str] | None,
    Query(
        max_length=services.MAX_ACCEPTANCES,
        description="acknowledge a plausibility warning: CODE, or CODE:KEY (the row or unit the "
        "finding names); repeatable",
    ),
]
AcceptReasonQuery = Annotated[
    str | None,
    Query(max_length=services.MAX_REASON, description="why the acknowledged figures are right"),
]

_UPLOAD_BODY = upload_body(
    "inventory workbook (.xlsx) or YAML file (.yaml)",
    "an inventory shaped as the YAML format: "
    "{inventory: {organisation, facility, year, methodology}, fuel: [...], …}",
)


async def _inventory_reader(request: Request, limit: int) -> Callable[[], Inventory]:
    """Receive the body within ``limit`` bytes; a function reading the inventory from it (run
    in a worker thread: reading a workbook is blocking work)."""
    body = await received_file(request, limit)
    if body.filename is None:
        return lambda: services.inventory_from_json(body.content)
    return lambda: services.inventory_from_upload(body.filename, body.content)


@router.post(
    "/organisations/{organisation_id}/inventories",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=_UPLOAD_BODY,
    responses={
        **UPLOAD_RESPONSES,
    },
)
async def import_inventory(
    organisation_id: PathId,
    request: Request,
    principal: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    background: BackgroundTasks,
    accept: AcceptQuery = None,
    accept_reason: AcceptReasonQuery = None,
) -> ImportOutcome:
    """Upload an inventory (.xlsx or .yaml as multipart, or JSON), account it and store both.

    All or nothing: any problem answers 422 with every problem found (file, sheet, row, field,
    rule) and stores nothing. Figures that fail the plausibility checks answer 422 with the
    ``findings``; a warning among them is acknowledged by sending the file again with
    ``accept=CODE:KEY`` (repeatable) and ``accept_reason``.
    """
    await run_in_threadpool(services.writable_organisation, session, principal, organisation_id)
    given = services.acceptances(principal, accept or [], accept_reason)
    read = await _inventory_reader(request, settings.max_upload_bytes)

    def run() -> ImportOutcome:
        return services.import_inventory(
            session, principal, organisation_id, read(), request.app.state.ledger, given
        )

    outcome = await admission.in_turn(run)  # a few at once per process, the rest in order
    await _announce(request, session, background, organisation_id, outcome)
    return outcome


@router.post(
    "/organisations/{organisation_id}/inventories/{inventory_id}/corrections",
    tags=["inventories"],
    status_code=status.HTTP_201_CREATED,
    openapi_extra=_UPLOAD_BODY,
    responses={
        **UPLOAD_RESPONSES,
        409: {"model": ErrorBody, "description": "unchanged, or corrected already"},
    },
)
async def correct_inventory(
    organisation_id: PathId,
    inventory_id: PathId,
    request: Request,
    principal: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    background: BackgroundTasks,
    accept: AcceptQuery = None,
    accept_reason: AcceptReasonQuery = None,
) -> ImportOutcome:
    """Submit a corrected version of a stored inventory (same facility and year), sent as an
    import is. The corrected inventory and its results stay as they were; the new evidence entry
    names what it corrects."""
    await run_in_threadpool(services.writable_organisation, session, principal, organisation_id)
    given = services.acceptances(principal, accept or [], accept_reason)
    read = await _inventory_reader(request, settings.max_upload_bytes)

    def run() -> ImportOutcome:
        return services.correct_inventory(
            session,
            principal,
            organisation_id,
            inventory_id,
            read(),
            request.app.state.ledger,
            given,
        )

    outcome = await admission.in_turn(run)  # a few at once per process, the rest in order
    await _announce(request, session, background, organisation_id, outcome)
    return outcome


async def _announce(
    request: Request,
    session: SessionDep,
    background: BackgroundTasks,
    organisation_id: int,
    outcome: ImportOutcome,
) -> None:
    """The footprint versions the inventory brought (``outcome.footprints``), announced to the
    organisation's PACT clients as a publication is."""
    if outcome.footprints:
        from dualcarbon.api.routes.footprints import announce

        await run_in_threadpool(
            announce, request, session, background, organisation_id, outcome.footprints
        )
