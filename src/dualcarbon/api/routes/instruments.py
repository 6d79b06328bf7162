"""An organisation's measuring instruments: status at a date, and one instrument's records."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from dualcarbon.api import services
from dualcarbon.api.deps import CurrentUser, PathId, SessionDep
from dualcarbon.api.schemas import ErrorBody
from dualcarbon.api.scope import Action, Area, NotFoundError
from dualcarbon.store.repository import load_register

router = APIRouter(
    tags=["instruments"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody}},
)

At = Annotated[dt.date | None, Query(description="status at this date (default today)")]


@router.get("/organisations/{organisation_id}/instruments")
def list_instruments(
    organisation_id: PathId, principal: CurrentUser, session: SessionDep, at: At = None
) -> list[dict[str, Any]]:
    """Every instrument of the organisation's register with its calibration state at ``at``."""
    organisation = services.organisation_for(
        session, principal, organisation_id, Action.READ, Area.INSTRUMENTS
    )
    register = load_register(session, organisation.name)
    if register is None:
        return []
    when = at or dt.date.today()
    found = []
    for status in register.statuses(when):
        instrument = register.instrument(status.instrument_id)
        assert instrument is not None
        found.append(
            {
                "id": instrument.id,
                "name": instrument.name,
                "energy": instrument.energy,
                "accuracy": str(instrument.accuracy),
                "state": status.state.value,
                "due_date": status.due_date,
                "last_calibrated": status.last_calibrated,
                "certificate": status.certificate,
            }
        )
    return found


@router.get("/organisations/{organisation_id}/instruments/{code}")
def instrument_detail(
    organisation_id: PathId,
    code: Annotated[str, Path(min_length=1, max_length=100)],
    principal: CurrentUser,
    session: SessionDep,
    at: At = None,
) -> dict[str, Any]:
    """One instrument, its calibration records (certificates, traceability) and its state."""
    organisation = services.organisation_for(
        session, principal, organisation_id, Action.READ, Area.INSTRUMENTS
    )
    register = load_register(session, organisation.name)
    instrument = None if register is None else register.instrument(code)
    if register is None or instrument is None:
        raise NotFoundError("instrument", code)
    status = register.status_at(code, at or dt.date.today())
    return {
        "instrument": instrument.model_dump(mode="json"),
        "state": status.state.value,
        "explanation": status.explain("zh"),
        "explanation_en": status.explain("en"),
        "calibrations": [r.model_dump(mode="json") for r in register.records_for(code)],
    }
