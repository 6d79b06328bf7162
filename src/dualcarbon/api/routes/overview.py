"""The regulator's view: one year across every organisation the user may read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BeforeValidator

from dualcarbon.api import overview
from dualcarbon.api.deps import CurrentUser, SessionDep, digits
from dualcarbon.api.schemas import Date, ErrorBody, Overview

router = APIRouter(tags=["overview"], responses={401: {"model": ErrorBody}})


@router.get("/overview")
def get_overview(
    principal: CurrentUser,
    session: SessionDep,
    year: Annotated[
        int | None, Query(ge=1900, le=2200, description="default: latest"), BeforeValidator(digits)
    ] = None,
    at: Annotated[Date | None, Query(description="instrument states at (default today)")] = None,
) -> Overview:
    """Emissions, data tiers, verification, instruments and evidence for each organisation the
    user may read (a regulator: all of them), with the sums."""
    return overview.overview(session, principal, year, at)
