"""EU CBAM: the operator's communication to its importer, from the organisation's stored
inventories, as JSON or in the Commission's template."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from dualcarbon.api import cbam
from dualcarbon.api.deps import CurrentUser, PathId, SessionDep, SettingsDep
from dualcarbon.api.schemas import ErrorBody
from dualcarbon.api.uploads import UPLOAD_RESPONSES, received_file, upload_body

router = APIRouter(
    tags=["cbam"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody}},
)


@router.post(
    "/organisations/{organisation_id}/cbam",
    openapi_extra=upload_body(
        "the installation's CBAM declaration (.yaml; docs/cbam.md), each actual.inventory a "
        "facility of the organisation",
        "the YAML format's shape as JSON: {installation: {...}, year, goods: [...]}",
    ),
    responses={
        **UPLOAD_RESPONSES,
        200: {
            "content": {cbam.XLSX: {}},
            "description": "the communication (JSON, or ?format=xlsx)",
        },
    },
)
async def cbam_communication(
    organisation_id: PathId,
    request: Request,
    principal: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    format: Annotated[Literal["json", "xlsx"], Query()] = "json",
) -> Any:
    """Specific embedded emissions of the declared goods (IR 2025/2547 Annex III) from the
    organisation's newest stored results: the communication as JSON, or filled into the
    Commission's template (``?format=xlsx``)."""
    body = await received_file(request, settings.max_upload_bytes)
    record = await run_in_threadpool(
        cbam.cbam_communication, session, principal, organisation_id, body.filename, body.content
    )
    if format == "json":
        return record
    return Response(
        await run_in_threadpool(cbam.communication_workbook, record),
        media_type=cbam.XLSX,
        headers={"Content-Disposition": 'attachment; filename="cbam-communication.xlsx"'},
    )
