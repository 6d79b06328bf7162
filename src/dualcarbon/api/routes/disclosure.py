"""Sustainability disclosure, climate part, from the organisation's stored results."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from dualcarbon.api import disclosure
from dualcarbon.api.deps import CurrentUser, PathId, SessionDep
from dualcarbon.api.schemas import ErrorBody

router = APIRouter(
    tags=["disclosure"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody}},
)


@router.get(
    "/organisations/{organisation_id}/disclosure/climate",
    responses={422: {"model": ErrorBody}},
)
def climate_disclosure(
    organisation_id: PathId,
    principal: CurrentUser,
    session: SessionDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
    revenue: Annotated[float | None, Query(gt=0, allow_inf_nan=False)] = None,
    currency: Annotated[str, Query(pattern=r"^[A-Z]{3}$")] = "CNY",
) -> dict[str, Any]:
    """Scope 1 and scope 2 (location-based) with their uncertainty and methods, the green
    certificates claimed for the year, and intensity per product and per million of revenue
    (IFRS S2 29(a); 财会〔2025〕34号), from each facility's newest stored result of ``year``."""
    return disclosure.climate(session, principal, organisation_id, year, revenue, currency)
