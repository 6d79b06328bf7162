"""Receiving a file: a multipart upload (form field ``file``) or a JSON body, within the
configured size, counted while it streams in (:func:`dualcarbon.api.limits.limited`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from dualcarbon.api.limits import MULTIPART_SLACK, limited
from dualcarbon.api.schemas import ErrorBody
from dualcarbon.api.services import REQUEST, PayloadTooLargeError, UnsupportedMediaTypeError
from dualcarbon.errors import InputError, InputProblem


@dataclass(frozen=True)
class Received:
    filename: str | None
    """The client's file name; ``None`` for a JSON body."""
    content: bytes
    fields: dict[str, list[str]] = field(default_factory=dict)
    """The form's text fields (the upload page's acknowledged warnings and their reason)."""


MAX_FORM_FIELDS = 210
"""Text fields a form may send besides its file: a checkbox per warning acknowledged (at most
:data:`dualcarbon.api.services.MAX_ACCEPTANCES`) and a reason; more are refused unread."""


async def received_file(request: Request, limit: int) -> Received:
    """The uploaded file or JSON body, refused (413) as soon as it exceeds ``limit`` bytes and
    (415) in any other media type."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "application/json":
        return Received(None, await limited(request, limit).body())
    if media == "multipart/form-data":
        within = limited(request, limit, MULTIPART_SLACK)
        async with within.form(max_files=1, max_fields=MAX_FORM_FIELDS) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise InputError(
                    [InputProblem(REQUEST, "send the file as the form field 'file'", field="file")]
                )
            content = await upload.read(limit + 1)
            name = upload.filename
            fields: dict[str, list[str]] = {}
            for key, value in form.multi_items():
                if isinstance(value, str):
                    fields.setdefault(key, []).append(value)
        if len(content) > limit:
            raise PayloadTooLargeError(limit)
        return Received(name or "", content, fields)
    raise UnsupportedMediaTypeError(
        f"send multipart/form-data (field 'file') or application/json, not {media or 'nothing'}"
    )


UPLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorBody, "description": "larger than the upload limit; nothing was stored"},
    415: {"model": ErrorBody, "description": "neither multipart/form-data nor JSON"},
    422: {"model": ErrorBody, "description": "every problem of the input; nothing was stored"},
}
"""The answers of a route that :func:`received_file` reads, besides its own."""


def upload_body(file_description: str, json_description: str) -> dict[str, Any]:
    """The OpenAPI request body of a route that :func:`received_file` reads (for
    ``openapi_extra``: the route takes the raw request, so FastAPI cannot describe it itself)."""
    return {
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
                                "description": file_description,
                            }
                        },
                        "required": ["file"],
                        # the API reads the file only (acknowledgements are query parameters)
                        "additionalProperties": False,
                    }
                },
                "application/json": {"schema": {"type": "object", "description": json_description}},
            },
        }
    }
