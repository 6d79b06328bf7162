"""The OpenAPI document says which errors each operation answers, in the shape it answers them
(issue 12: every 422 is ``{detail, problems}`` but the document advertised FastAPI's
``HTTPValidationError``, and 400/401/403/404/413/503 were missing).

FastAPI documents what a route declares; the errors the server adds around the routes it cannot
know. They follow from what the operation is (docs/api.md, Errors), so they are added here, to
every operation of the generated document, each with the one error body
(:class:`~dualcarbon.api.schemas.ErrorBody`):

- 422 everywhere: request validation, bad input, and a NUL anywhere in the URL;
- 503 everywhere, with ``Retry-After``: the database lost or busy (decision 0011);
- 401 and 403 where the operation needs a user (a key or the session cookie);
- 403 on every unsafe method besides: a cross-site request with the session cookie;
- 404 where the path names something (it may be absent or out of the user's sight);
- 400 and 413 where there is a body (one that cannot be parsed; one over its limit).

An operation's own declarations (409, 415, 429, its descriptions) stay.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI

from dualcarbon.api.schemas import ErrorBody

ERROR_REF = "#/components/schemas/ErrorBody"
UNSAFE = frozenset({"post", "put", "patch", "delete"})
DESCRIPTIONS = {
    400: "the body could not be parsed",
    401: "no credentials, an unknown or revoked key, or an expired session",
    403: "not allowed for this user, or a cross-site request with the session cookie",
    404: "absent, or out of the user's sight",
    413: "the body is larger than the server accepts; nothing was stored",
    422: "invalid input: every problem named (file, sheet, row, field, rule); nothing was stored",
    503: "the database is unavailable or busy; nothing was stored, try again after Retry-After",
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "seconds to wait before trying again",
        "schema": {"type": "integer"},
    }
}


def _statuses(path: str, method: str, operation: dict[str, Any]) -> list[int]:
    statuses = [422, 503]
    if operation.get("security"):
        statuses += [401, 403]
    if method in UNSAFE:
        statuses.append(403)
    if "{" in path:
        statuses.append(404)
    if "requestBody" in operation:
        statuses += [400, 413]
    return sorted(set(statuses))


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": ERROR_REF}}},
    }


def with_errors(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with the errors of every operation described (in place; returned)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(body.pop("$defs", {}))
    schemas["ErrorBody"] = body
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            for status in _statuses(path, method, operation):
                declared = responses.get(str(status))
                if declared is None:
                    responses[str(status)] = _error(DESCRIPTIONS[status])
                    continue
                declared["content"] = _error("")["content"]  # the body the server sends
                if declared.get("description") in ("", HTTPStatus(status).phrase):
                    declared["description"] = DESCRIPTIONS[status]
            responses["503"].setdefault("headers", {}).update(RETRY_AFTER)
            operation["responses"] = dict(sorted(responses.items()))
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return document


def describe_errors(app: FastAPI) -> None:
    """Make ``app.openapi()`` answer the document with :func:`with_errors` applied."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_errors(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
