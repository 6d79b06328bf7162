"""Organisations, their results, and importing an inventory into one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, status
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from dualcarbon.accounting.inventory import Inventory
from dualcarbon.api import services
from dualcarbon.api.deps import AdminUser, CurrentUser, PathId, SessionDep, SettingsDep
from dualcarbon.api.schemas import (
    ErrorBody,
    ImportOutcome,
    OrganisationCreate,
    OrganisationPublic,
    ResultSummary,
)
from dualcarbon.api.scope import Action, Area
from dualcarbon.errors import InputError, InputProblem

router = APIRouter(
    tags=["organisations"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody}},
)

MULTIPART_SLACK = 64 * 1024
"""Room for the multipart envelope around a file of the allowed size."""


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


@router.get("/results/{result_id}", tags=["results"])
def get_result(result_id: PathId, principal: CurrentUser, session: SessionDep) -> dict[str, Any]:
    """A stored result as computed: totals, and every line with its trace (docs/result-json.md)."""
    return services.result_document(session, principal, result_id)


_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "inventory workbook (.xlsx) or YAML file (.yaml)",
                        }
                    },
                    "required": ["file"],
                }
            },
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "an inventory shaped as the YAML format: "
                    "{inventory: {organisation, facility, year, methodology}, fuel: [...], …}",
                }
            },
        },
    }
}


async def _limited_body(request: Request, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise services.PayloadTooLargeError(limit)
        chunks.append(chunk)
    return b"".join(chunks)


async def _inventory_reader(request: Request, limit: int) -> Callable[[], Inventory]:
    """Receive the body within ``limit`` bytes; a function reading the inventory from it."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            too_big = int(declared) > limit + MULTIPART_SLACK
        except ValueError:
            too_big = False
        if too_big:
            raise services.PayloadTooLargeError(limit)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "application/json":
        data = await _limited_body(request, limit)
        return lambda: services.inventory_from_json(data)
    if media == "multipart/form-data":
        async with request.form(max_files=1, max_fields=10) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise InputError(
                    [
                        InputProblem(
                            services.REQUEST,
                            "send the inventory file as the form field 'file'",
                            field="file",
                        )
                    ]
                )
            content = await upload.read(limit + 1)
            name = upload.filename
        if len(content) > limit:
            raise services.PayloadTooLargeError(limit)
        return lambda: services.inventory_from_upload(name, content)
    raise services.UnsupportedMediaTypeError(
        f"send multipart/form-data (field 'file') or application/json, not {media or 'nothing'}"
    )


@router.post(
    "/organisations/{organisation_id}/inventories",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=_UPLOAD_BODY,
    responses={
        413: {"model": ErrorBody},
        415: {"model": ErrorBody},
        422: {"model": ErrorBody, "description": "the input's problems; nothing was stored"},
    },
)
async def import_inventory(
    organisation_id: PathId,
    request: Request,
    principal: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
) -> ImportOutcome:
    """Upload an inventory (.xlsx or .yaml as multipart, or JSON), account it and store both.

    All or nothing: any problem answers 422 with every problem found (file, sheet, row, field,
    rule) and stores nothing.
    """
    await run_in_threadpool(
        services.organisation_for,
        session,
        principal,
        organisation_id,
        Action.WRITE,
        Area.ACCOUNTING,
    )
    read = await _inventory_reader(request, settings.max_upload_bytes)

    def run() -> ImportOutcome:
        return services.import_inventory(
            session, principal, organisation_id, read(), request.app.state.ledger
        )

    return await run_in_threadpool(run)
