"""The server's protections against hostile and failing surroundings, wired in one place
(decision 0011): security headers, NUL-free URLs, cross-site request refusal, 405 for a method a
path does not serve, and 503 (with one retry of a safe request) when the database is lost."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.exc import DataError
from starlette.routing import Mount

from dualcarbon.api.availability import RetryLostConnection, answer_unavailable
from dualcarbon.api.csrf import CrossOriginGuard
from dualcarbon.api.deps import COOKIE_NAME
from dualcarbon.api.headers import SecurityHeaders
from dualcarbon.api.request_guard import MethodNotAllowed, NulGuard, unstorable
from dualcarbon.api.settings import Settings


def protect(app: FastAPI, settings: Settings) -> None:
    """Wrap ``app`` (with the PACT app and the web pages mounted already)."""
    apps = [app] + [
        route.app
        for route in app.router.routes
        if isinstance(route, Mount) and isinstance(route.app, FastAPI)
    ]
    pact = getattr(app.state, "pact", None)
    if isinstance(pact, FastAPI):
        apps.append(pact)
    for each in apps:
        answer_unavailable(each)
        each.add_exception_handler(DataError, unstorable)
    routes = app.router.routes
    pages = next(
        (i for i, route in enumerate(routes) if isinstance(route, Mount) and route.path == ""),
        len(routes),
    )
    routes.insert(pages, MethodNotAllowed(routes))
    # added innermost first: the last one added sees the request first
    app.add_middleware(RetryLostConnection)
    app.add_middleware(
        CrossOriginGuard, cookie_name=COOKIE_NAME, trusted_origins=settings.trusted_origins
    )
    app.add_middleware(NulGuard)
    app.add_middleware(SecurityHeaders)
