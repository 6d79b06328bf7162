"""Refusals answered before (or instead of) a route, each in the shape of the surface it is for.

The server has three surfaces behind one ASGI app: the API (``/api/…``, ``/openapi.json``), whose
errors are ``{"detail", "problems"}`` (docs/api.md, Errors); PACT (``/auth/token``, ``/3/…``),
whose errors are ``{"code", "message"}`` (PACT Technical Specifications v3, §6 Error); and the
web pages (everything else), which answer a short HTML page. A middleware that refuses a request
(a NUL in the URL, a cross-site form post, a lost database connection) does not know which route
would have answered, so it picks the shape from the path with :func:`surface_of`.
"""

from __future__ import annotations

from enum import StrEnum

from markupsafe import Markup
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Scope

PACT_PREFIXES = ("/3/", "/auth/token")


class Surface(StrEnum):
    API = "api"
    PACT = "pact"
    PAGE = "page"


def surface_of(path: str) -> Surface:
    if path.startswith("/api/") or path == "/api" or path == "/openapi.json":
        return Surface.API
    if path.startswith(PACT_PREFIXES):
        return Surface.PACT
    return Surface.PAGE


PACT_CODES = {400: "BadRequest", 403: "AccessDenied", 404: "NotFound", 405: "BadRequest"}
"""PACT v3's ``Error.code`` for a status; anything else (503) is ``InternalError``."""


def refusal(
    scope: Scope,
    status: int,
    detail: str,
    *,
    field: str | None = None,
    headers: dict[str, str] | None = None,
    zh: str | None = None,
) -> Response:
    """The answer ``status`` with ``detail`` (English) for the request ``scope``.

    ``field`` names what was wrong (``path``, ``query``, ``origin``) in the API's problem; ``zh``
    is the Chinese text a page shows above the English (the pages are Chinese first).
    """
    surface = surface_of(scope.get("path", "/"))
    if surface is Surface.API:
        problems = (
            [
                {
                    "file": "request",
                    "sheet": None,
                    "row": None,
                    "field": field,
                    "rule": detail,
                    "value": None,
                }
            ]
            if field is not None
            else []
        )
        return JSONResponse(
            {"detail": detail, "problems": problems}, status_code=status, headers=headers
        )
    if surface is Surface.PACT:
        # a PACT client gets 400 for any malformed request (the conformance cases expect it)
        code = PACT_CODES.get(status, "InternalError")
        pact_status = 400 if status == 422 else status
        return JSONResponse(
            {"code": code, "message": detail}, status_code=pact_status, headers=headers
        )
    text = Markup("<p>{}</p>").format(zh) if zh else Markup("")
    page = Markup(
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{status}</title>'
        "</head><body><h1>{status}</h1>{text}<p>{detail}</p>"
        '<p><a href="/">返回首页 / home</a></p></body></html>'
    ).format(status=status, text=text, detail=detail)
    return HTMLResponse(str(page), status_code=status, headers=headers)
