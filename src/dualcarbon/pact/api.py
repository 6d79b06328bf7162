"""The PACT v3 REST API (Technical Specifications v3, ``data/openapi_v3_0.yaml``):
``POST /auth/token``, ``GET /3/footprints``, ``GET /3/footprints/{id}``, ``POST /3/events``.

A FastAPI application of its own, because PACT brings its own authentication (OAuth2 client
credentials for partner systems, not our users' keys), its own error body (``{code, message}``)
and its own OpenAPI document. :func:`mount_pact` routes the four paths of the main app to it.

Errors: a missing, garbled or foreign bearer token answers 400 ``BadRequest`` (the PACT
conformance cases 6, 7 and 16 expect 400 for an invalid token), an expired one 401
``TokenExpired``, a footprint of another organisation 403 ``AccessDenied``, an unknown id 404
``NotFound`` (the v3 ``Error`` schema's code; v2 called it ``NoSuchFootprint``). The token
endpoint answers as RFC 6749 §5.2 says: 401 ``invalid_client`` with ``WWW-Authenticate: Basic``,
400 ``invalid_request`` or ``unsupported_grant_type``.

Links for the next page (RFC 8288) carry the filters, ``limit`` and an ``offset``; they are
stateless, so they stay valid well beyond the 180 s the spec asks for. Footprints are listed
oldest first and new ones are added at the end, so a page link keeps pointing at the same
footprints while new ones are published.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from typing import Any
from urllib.parse import unquote, urlencode

from fastapi import BackgroundTasks, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.routing import Route

from dualcarbon.api.body_limit import BodyTooLargeError
from dualcarbon.api.security import Passwords
from dualcarbon.pact import repository
from dualcarbon.pact.delivery import deliver
from dualcarbon.pact.events import (
    CLOUDEVENTS_JSON,
    EVENT_TYPES,
    fulfilled_event,
    rejected_event,
)
from dualcarbon.pact.filters import FilterError, FootprintQuery, matches
from dualcarbon.pact.schema import event_errors
from dualcarbon.pact.tokens import (
    DEFAULT_LIFETIME_SECONDS,
    AccessTokens,
    InvalidTokenError,
    TokenExpiredError,
)
from dualcarbon.store.models import PactClient, PactEvent, StoredProductFootprint

log = logging.getLogger(__name__)

PATHS = ("/auth/token", "/3/footprints", "/3/footprints/{id}", "/3/events")
MAX_LIMIT = 1000
_LIST_KEYS = ("productid", "companyid", "geography", "classification", "status")
_TIME_KEYS = ("validon", "validafter", "validbefore")


class PactError(Exception):
    """An error answered as PACT's ``{code, message}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status = status
        self.code = code
        self.message = message
        super().__init__(message)


def pact_error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status)


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    headers = {"Cache-Control": "no-store"}
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="pact"'
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status, headers=headers
    )


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        return None
    # RFC 6749 §2.3.1: both are form-urlencoded before Basic encoding
    return unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))


def create_pact_app(
    engine: Engine,
    passwords: Passwords,
    secret: str,
    *,
    token_lifetime_seconds: int = DEFAULT_LIFETIME_SECONDS,
    outgoing_verify: bool | str = True,
) -> FastAPI:
    """The PACT API over ``engine``'s store; tokens signed with ``secret``. ``outgoing_verify``
    is httpx's ``verify`` for the events we POST to partners (a CA bundle path, or True)."""
    app = FastAPI(
        title="dualcarbon PACT v3",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.passwords = passwords
    app.state.tokens = AccessTokens(secret, token_lifetime_seconds)
    app.state.outgoing_verify = outgoing_verify
    app.state.secret = secret

    async def _pact_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, PactError)
        return pact_error(exc.status, exc.code, exc.message)

    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("PACT API error", exc_info=exc)
        return pact_error(500, "InternalError", "the server failed to answer")

    async def _too_large(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, BodyTooLargeError)
        return pact_error(exc.status_code, "BadRequest", str(exc.detail))

    app.add_exception_handler(PactError, _pact_error)
    app.add_exception_handler(BodyTooLargeError, _too_large)  # api/body_limit.py
    app.add_exception_handler(Exception, _internal)

    def session() -> Session:
        return Session(app.state.engine, expire_on_commit=False)

    def client_for(request: Request, db: Session) -> PactClient:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise PactError(400, "BadRequest", "send a bearer token from /auth/token")
        tokens: AccessTokens = app.state.tokens
        try:
            client_id = tokens.client_of(token.strip())
        except TokenExpiredError:
            raise PactError(401, "TokenExpired", "the access token has expired") from None
        except InvalidTokenError:
            raise PactError(400, "BadRequest", "invalid token provided") from None
        client = repository.client_by_id(db, client_id)
        if client is None or not client.active:
            raise PactError(403, "AccessDenied", "this client may no longer access footprints")
        return client

    @app.post("/auth/token")
    async def token(request: Request) -> Response:
        credentials = _basic_credentials(request.headers.get("authorization"))
        if credentials is None:
            return _oauth_error(401, "invalid_client", "authenticate with HTTP Basic")
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        form = await request.form() if media == "application/x-www-form-urlencoded" else None

        def check() -> PactClient | None:
            with session() as db:
                return repository.authenticate_client(db, passwords, *credentials)

        client = await run_in_threadpool(check)
        if client is None:
            return _oauth_error(401, "invalid_client", "client authentication failed")
        grant = form.get("grant_type") if form is not None else None
        if grant is None:
            return _oauth_error(400, "invalid_request", "send grant_type=client_credentials")
        if grant != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type", "only client_credentials")
        tokens: AccessTokens = app.state.tokens
        return JSONResponse(
            {
                "access_token": tokens.issue(client.client_id),
                "token_type": "Bearer",
                "expires_in": tokens.lifetime_seconds,
            },
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )

    def _query(request: Request) -> tuple[FootprintQuery, int | None, int]:
        params = request.query_params
        lists: dict[str, list[str]] = {key: [] for key in _LIST_KEYS}
        times: dict[str, str | None] = {}
        limit: int | None = None
        offset = 0
        for key, value in params.multi_items():
            name = key.lower()
            if name in _LIST_KEYS:
                lists[name].append(value)
            elif name in _TIME_KEYS:
                times[name] = value
            elif name in ("limit", "offset"):
                try:
                    number = int(value)
                except ValueError:
                    raise PactError(400, "BadRequest", f"{key} must be an integer") from None
                if number < 0 or (name == "limit" and number == 0):
                    raise PactError(400, "BadRequest", f"{key} out of range")
                if name == "limit":
                    limit = min(number, MAX_LIMIT)
                else:
                    offset = number
        try:
            return FootprintQuery.of(lists, times), limit, offset
        except FilterError as exc:
            raise PactError(400, "BadRequest", str(exc)) from None

    def _next_link(request: Request, limit: int, offset: int) -> str:
        kept = [
            (k, v) for k, v in request.query_params.multi_items() if k.lower() not in ("offset",)
        ]
        if not any(k.lower() == "limit" for k, _ in kept):
            kept.append(("limit", str(limit)))
        kept.append(("offset", str(offset)))
        base = str(request.base_url).rstrip("/")
        return f'<{base}/3/footprints?{urlencode(kept)}>; rel="next"'

    @app.get("/3/footprints")
    def list_footprints(request: Request) -> Response:
        query, limit, offset = _query(request)
        with session() as db:
            client = client_for(request, db)
            rows = repository.organisation_footprints(db, client.organisation_id)
            found = [doc for doc in map(repository.served, rows) if matches(doc, query)]
        page = found[offset : offset + limit] if limit is not None else found[offset:]
        headers = {}
        if limit is not None and offset + limit < len(found):
            headers["Link"] = _next_link(request, limit, offset + limit)
        return JSONResponse({"data": page}, headers=headers)

    @app.get("/3/footprints/{id}")
    def get_footprint(id: str, request: Request) -> Response:
        with session() as db:
            client = client_for(request, db)
            row = db.get(StoredProductFootprint, id)
            if row is None:
                raise PactError(404, "NotFound", f"no footprint {id}")
            if row.organisation_id != client.organisation_id:
                raise PactError(403, "AccessDenied", f"footprint {id} is not shared with you")
            return JSONResponse({"data": repository.served(row)})

    @app.post("/3/events")
    async def events(request: Request, background: BackgroundTasks) -> Response:
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await request.body()

        def receive() -> tuple[int, dict[str, Any], PactClient] | None:
            with session() as db:
                client = client_for(request, db)
                if media != CLOUDEVENTS_JSON:
                    raise PactError(400, "BadRequest", f"send {CLOUDEVENTS_JSON}")
                try:
                    event = json.loads(body)
                except (json.JSONDecodeError, UnicodeDecodeError):
                    raise PactError(400, "BadRequest", "the body is not JSON") from None
                problems = event_errors(event)
                if problems:
                    raise PactError(400, "BadRequest", "; ".join(problems[:5]))
                if event.get("specversion") != "1.0":
                    raise PactError(400, "BadRequest", "CloudEvents specversion must be 1.0")
                if event["type"] not in EVENT_TYPES.values():
                    raise PactError(400, "NotImplemented", f"event type {event['type']!r}")
                requested = event["type"] == EVENT_TYPES["request_created"]
                row = repository.record_event(
                    db, client, event, "received" if requested else "stored"
                )
                db.commit()
                return (row.id, event, client) if requested else None

        answer = await run_in_threadpool(receive)
        if answer is not None:
            row_id, event, client = answer
            source = str(request.base_url).rstrip("/") + "/3/events"
            background.add_task(_answer_request, row_id, event, client, source)
        return Response(status_code=200)

    def _answer_request(
        row_id: int, event: dict[str, Any], client: PactClient, source: str
    ) -> None:
        """Fulfil or reject a RequestCreatedEvent and POST the answer to the client's endpoint."""
        try:
            query = FootprintQuery.from_event_data(event.get("data") or {})
        except FilterError as exc:
            query, error = None, str(exc)
        else:
            error = ""
        with session() as db:
            found = []
            if query is not None:
                rows = repository.organisation_footprints(db, client.organisation_id)
                found = [doc for doc in map(repository.served, rows) if matches(doc, query)]
        if found:
            reply = fulfilled_event(source, str(event["id"]), found)
            outcome = "fulfilled"
        else:
            reply = rejected_event(
                source,
                str(event["id"]),
                "BadRequest" if error else "NotFound",
                error or "no footprint matches the request",
            )
            outcome = "rejected"
        delivered = _deliver(client, reply)
        with session() as db:
            stored = db.get(PactEvent, row_id)
            if stored is not None:
                stored.outcome = outcome if delivered else "reply_failed"
                stored.reply = json.dumps(reply, ensure_ascii=False)
                db.commit()

    def _deliver(client: PactClient, reply: dict[str, Any]) -> bool:
        return deliver(client, reply, secret_key=app.state.secret, verify=app.state.outgoing_verify)

    return app


def mount_pact(app: FastAPI, pact: FastAPI) -> None:
    """Route the PACT paths of ``app`` to ``pact`` (plain Starlette routes, placed before the
    web pages mounted at ``/``; they are not part of the main app's OpenAPI document — PACT's
    own is ``dualcarbon/pact/data/openapi_v3_0.yaml``)."""
    app.state.pact = pact
    routes: list[Route] = [Route(path, endpoint=pact) for path in PATHS]
    app.router.routes[0:0] = routes
