"""An organisation's measuring instruments: the register's import, states at a date, one
instrument's certificates, adding a certificate, and the GB 17167 review."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, status
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from dualcarbon.api import registers, services
from dualcarbon.api.deps import CurrentUser, PathId, SessionDep, SettingsDep
from dualcarbon.api.schemas import CalibrationCreate, Date, ErrorBody, RegisterImported
from dualcarbon.api.scope import Action, Area
from dualcarbon.api.uploads import UPLOAD_RESPONSES, received_file, upload_body
from dualcarbon.errors import NotFoundError
from dualcarbon.metrology.report import render_review_html
from dualcarbon.store.repository import load_register

router = APIRouter(
    tags=["instruments"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody}},
)

At = Annotated[Date | None, Query(description="status at this date (default today)")]
Code = Annotated[str, Path(min_length=1, max_length=100, description="the instrument's code")]


@router.get("/organisations/{organisation_id}/instruments")
def list_instruments(
    organisation_id: PathId, principal: CurrentUser, session: SessionDep, at: At = None
) -> list[dict[str, Any]]:
    """Every instrument of the organisation's register with its calibration state at ``at``."""
    organisation = services.organisation_for(
        session, principal, organisation_id, Action.READ, Area.INSTRUMENTS
    )
    register = load_register(session, organisation.name)
    return [] if register is None else registers.instrument_rows(register, at or dt.date.today())


_REGISTER_BODY = upload_body(
    "register workbook (.xlsx) or YAML file (.yaml)",
    "a register shaped as the YAML format: "
    "{register: {organisation}, instruments: [...], calibrations: [...], points: [...]}",
)


@router.post(
    "/organisations/{organisation_id}/instruments",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=_REGISTER_BODY,
    responses={
        **UPLOAD_RESPONSES,
        409: {"model": ErrorBody, "description": "a stored certificate sent with other content"},
    },
)
async def import_register(
    organisation_id: PathId,
    request: Request,
    principal: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
) -> RegisterImported:
    """Import the organisation's register (.xlsx or .yaml as multipart, or JSON): instruments and
    metering points are added or updated, new certificates added and lodged as evidence. All or
    nothing."""
    await run_in_threadpool(
        services.writable_organisation, session, principal, organisation_id, Area.INSTRUMENTS
    )
    body = await received_file(request, settings.max_upload_bytes)

    def run() -> RegisterImported:
        register = (
            registers.register_from_json(body.content)
            if body.filename is None
            else registers.register_from_upload(body.filename, body.content)
        )
        return registers.import_register(
            session, principal, organisation_id, register, request.app.state.ledger
        )

    return await run_in_threadpool(run)


@router.post(
    "/organisations/{organisation_id}/instruments/{code}/calibrations",
    status_code=status.HTTP_201_CREATED,
    responses={409: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)
def add_calibration(
    organisation_id: PathId,
    code: Code,
    body: CalibrationCreate,
    request: Request,
    principal: CurrentUser,
    session: SessionDep,
) -> RegisterImported:
    """Add one calibration certificate to an instrument of the register (and lodge it)."""
    return registers.add_calibration(
        session, principal, organisation_id, code, body, request.app.state.ledger
    )


@router.get(
    "/organisations/{organisation_id}/instrument-review",
    responses={200: {"content": {"text/html": {}}, "description": "JSON, or the HTML report"}},
)
def instrument_review(
    organisation_id: PathId,
    principal: CurrentUser,
    session: SessionDep,
    at: At = None,
    lang: Annotated[Literal["zh", "en"], Query()] = "zh",
    format: Annotated[Literal["json", "html"], Query()] = "json",
) -> Any:
    """The GB 17167-2006 review of the stored register at ``at``: coverage of the metering
    points, accuracy classes, calibration state, each finding with its clause. ``format=html``
    answers the printable report."""
    report = registers.review_register(session, principal, organisation_id, at)
    if format == "html":
        return HTMLResponse(render_review_html(report, lang))
    return report.to_json_dict(lang)


@router.get("/organisations/{organisation_id}/instruments/{code}")
def instrument_detail(
    organisation_id: PathId,
    code: Code,
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
