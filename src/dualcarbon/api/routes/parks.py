"""Parks: the boundary over member organisations, each year's declaration, the park's account and
zero-carbon evaluation, and a member's grant of its details to the park's manager."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, status
from fastapi.responses import HTMLResponse

from dualcarbon.api import parks
from dualcarbon.api.deps import CurrentUser, PathId, SessionDep
from dualcarbon.api.schemas import ErrorBody
from dualcarbon.api.scope import Action

router = APIRouter(
    tags=["parks"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody}},
)

Year = Annotated[int, Path(ge=2000, le=2100)]


@router.get("/parks")
def list_parks(principal: CurrentUser, session: SessionDep) -> list[parks.ParkPublic]:
    """The parks the caller may see (all for administrators and regulators; a manager's own; the
    parks of an enterprise user's organisation)."""
    return parks.list_parks(session, principal)


@router.post(
    "/parks",
    status_code=status.HTTP_201_CREATED,
    responses={409: {"model": ErrorBody, "description": "a park of that name exists"}},
)
def create_park(
    body: parks.ParkCreate, principal: CurrentUser, session: SessionDep
) -> parks.ParkPublic:
    """Draw a park over member organisations and name its manager (administrators)."""
    return parks.create_park(session, principal, body)


@router.get("/parks/{park_id}")
def get_park(park_id: PathId, principal: CurrentUser, session: SessionDep) -> parks.ParkPublic:
    return parks.public(session, parks.park_for(session, principal, park_id, Action.READ))


@router.put("/parks/{park_id}/years/{year}")
def declare_year(
    park_id: PathId,
    year: Year,
    body: parks.ParkYearBody,
    principal: CurrentUser,
    session: SessionDep,
) -> dict[str, Any]:
    """The year's internal transfers, green electricity and declared indicators (the park's
    manager); checked against the members' stored inventories before it is kept."""
    return parks.declare_year(session, principal, park_id, year, body)


@router.get("/parks/{park_id}/years/{year}")
def park_account(
    park_id: PathId, year: Year, principal: CurrentUser, session: SessionDep
) -> dict[str, Any]:
    """The park's emissions and energy (internal transfers counted once) and its zero-carbon
    evaluation, from the members' newest stored results (docs/parks.md)."""
    return parks.park_account_json(session, principal, park_id, year)


@router.get(
    "/parks/{park_id}/years/{year}/report",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}, "description": "the park's report"}},
)
def park_report(
    park_id: PathId,
    year: Year,
    principal: CurrentUser,
    session: SessionDep,
    lang: Annotated[Literal["zh", "en"], Query()] = "zh",
) -> HTMLResponse:
    """The park's dashboard: members, the boundary balance and the evaluation, with charts."""
    from dualcarbon.reports.park_report import render_park

    account, evaluation = parks.park_account(session, principal, park_id, year)
    return HTMLResponse(render_park(account, evaluation, lang=lang))


@router.put("/organisations/{organisation_id}/parks/{park_id}/grant")
def grant_details(
    organisation_id: PathId,
    park_id: PathId,
    body: parks.DetailsGrant,
    principal: CurrentUser,
    session: SessionDep,
) -> parks.ParkMemberPublic:
    """A member opens its accounting to the park's manager (``granted: true``) or closes it."""
    return parks.grant_details(session, principal, organisation_id, park_id, body.granted)
