"""Requests refused whole, before any route: a NUL in the URL, and a method the path does not
serve.

**NUL.** PostgreSQL text cannot hold U+0000 (its ``text`` type is NUL-terminated), so an id or
code with a NUL made the driver fail and the page answer 500 (issue 12). Every text a URL gives a
route (path segments and query values) passes through here, so no route has to remember it; bodies
are checked by the schemas (:class:`dualcarbon.api.schemas.RequestBody`).

**405 and 404.** The web pages are mounted at ``/`` after the API, so a path the API serves with
other methods (``TRACE /api/organisations``) fell through to the pages and answered 404. RFC 9110
§15.5.6: the answer is 405 with an ``Allow`` header naming the methods the path does serve. An
``/api/`` path that nothing serves is the API's 404 (``{detail, problems}``), not a page's.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from dualcarbon.api.refusals import refusal

API_PREFIX = "/api/"
NUL_RULE = "the URL may not contain the NUL character (%00)"
NUL_ZH = "网址中不能含有空字符（%00）。"


def has_nul(scope: Scope) -> str | None:
    """``"path"`` or ``"query"`` if that part of the request's URL holds a NUL, else ``None``."""
    if "\x00" in scope.get("path", "") or b"\x00" in scope.get("raw_path", b""):
        return "path"
    query: bytes = scope.get("query_string", b"")
    if b"%00" in query or b"\x00" in query:
        return "query"
    return None


REPEATED_RULE = "give each query parameter once: {names}"


def repeated_api_parameters(scope: Scope) -> list[str]:
    """Query parameters given more than once to an ``/api/`` route. No API route takes a list
    in its query string, and FastAPI would silently keep the last value of a repeated one, so
    ``?q=a&q=b`` is refused rather than read as ``q=b`` (PACT's filters, outside ``/api/``, do
    repeat)."""
    if not scope.get("path", "").startswith(API_PREFIX):
        return []
    names = [name for name, _ in parse_qsl(scope.get("query_string", b"").decode("latin-1"), True)]
    return sorted({name for name in names if names.count(name) > 1})


class NulGuard:
    """Refuse a URL holding a NUL: 422 (the API and pages), 400 (PACT); and an API query
    string repeating a parameter (422)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            part = has_nul(scope)
            if part is not None:
                response = refusal(scope, 422, NUL_RULE, field=part, zh=NUL_ZH)
                await response(scope, receive, send)
                return
            repeated = repeated_api_parameters(scope)
            if repeated:
                rule = REPEATED_RULE.format(names=", ".join(repeated))
                await refusal(scope, 422, rule, field="query")(scope, receive, send)
                return
        await self.app(scope, receive, send)


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class MethodNotAllowed(BaseRoute):
    """A route matching any request whose path one of ``routes`` serves, but not with this method:
    it answers 405 with ``Allow``; and any other ``/api/`` path, answered 404 in the API's error
    shape. Place it after those routes and before the pages' mount."""

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self.routes = routes

    def _allowed(self, scope: Scope) -> list[str]:
        allowed = []
        for method in METHODS:
            probe = {**scope, "method": method}
            for route in self.routes:
                if route is self or isinstance(route, Mount):
                    continue
                if route.matches(probe)[0] is Match.FULL:
                    allowed.append(method)
                    break
        return allowed

    def _fixed_paths(self) -> set[str]:
        """The paths without parameters the routes serve outside ``/api/`` (``/openapi.json``,
        ``/docs``…): the only others a method can be wrong for."""
        return {
            path
            for route in self.routes
            if isinstance(path := getattr(route, "path", None), str) and "{" not in path
        }

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        path = scope.get("path", "")
        if path.startswith(API_PREFIX):
            return Match.FULL, {}
        # a page (everything else) is passed on at once, without trying every route
        if path in self._fixed_paths() and self._allowed(scope):
            return Match.FULL, {}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        allowed = self._allowed(scope)
        if not allowed:  # an /api/ path no route serves: the API's 404, not a page's
            path = scope.get("path", "")
            await refusal(scope, 404, f"no such API path: {path}")(scope, receive, send)
            return
        response = refusal(
            scope,
            405,
            f"{scope['method']} is not served here; use {', '.join(allowed)}",
            headers={"Allow": ", ".join(allowed)},
        )
        await response(scope, receive, send)


UNSTORABLE = (
    "a value the database cannot store (a NUL character, a number out of range); nothing was stored"
)


async def unstorable(request: Request, exc: Exception) -> Response:
    """422 for a value the database refused as data (``sqlalchemy.exc.DataError``: PostgreSQL's
    "invalid byte sequence 0x00", "integer out of range"). The request checks should have caught
    it; this is the net under them, so that a body model that forgets a rule still answers 4xx."""
    return refusal(request.scope, 422, UNSTORABLE, field="body")
