"""The PACT v3 REST API (Technical Specifications v3, ``data/openapi_v3_0.yaml``):
``POST /auth/token``, ``GET /3/footprints``, ``GET /3/footprints/{id}``, ``POST /3/events``.

A FastAPI application of its own, because PACT brings its own authentication (OAuth2 client
credentials for partner systems, not our users' keys), its own error body (``{code, message}``)
and its own OpenAPI document. :func:`mount_pact` routes the four paths of the main app to it.

Errors: a missing, garbled or foreign bearer token answers 400 ``BadRequest`` (the PACT
conformance cases 6, 7 and 16 expect 400 for an invalid token), an expired one 401
``TokenExpired`` with ``WWW-Authenticate: Bearer error="invalid_token"`` (RFC 6750 §3), an
unknown id and a footprint of another organisation alike 404 ``NotFound`` (the v3 ``Error``
schema's code; answering 403 for the latter would tell which ids exist). UUIDs are matched in
any letter case (RFC 9562 §4: case-insensitive on input). The token endpoint answers as RFC 6749
§5.2 says: 401 ``invalid_client`` with ``WWW-Authenticate: Basic``, 400 ``invalid_request`` or
``unsupported_grant_type``.

Incoming events are checked against their v3 schema with formats (``uuid``, ``date-time``) and
kept once per client, ``source`` and ``id`` (CloudEvents 1.0 identity, a unique constraint): a
repeat is answered 200 and not processed again. A RequestCreatedEvent from a client without an
event endpoint answers 400 at once (the spec: a request the owner can tell it cannot handle gets
a 4xx), since its answer could never be delivered.

The token endpoint is throttled like the login (:mod:`dualcarbon.api.throttle`, decision 0010):
attempts count per client id *from one address* and per address, each with exponential
back-off after its free attempts, reserved atomically before the secret is checked; a refused
attempt answers 429 ``temporarily_unavailable`` with ``Retry-After`` and costs no Argon2 work.
The client counter is keyed by address too because a client secret is 256 random bits: the
throttle protects the server's memory and time, not the secret, and so must not let anyone
elsewhere lock a partner out. Checking a secret goes through the server's one hashing gate
(:class:`~dualcarbon.security.HashingGate`): when it is full, 503 with ``Retry-After``.

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
import uuid
from typing import Any
from urllib.parse import unquote, urlencode

from fastapi import BackgroundTasks, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route

from dualcarbon.api.body_limit import BodyTooLargeError
from dualcarbon.api.throttle import (
    Backoff,
    Counters,
    LoginThrottle,
    TooManyAttemptsError,
    guarded,
)
from dualcarbon.pact import outbox, repository
from dualcarbon.pact.events import (
    CLOUDEVENTS_JSON,
    EVENT_TYPES,
    fulfilled_event,
    rejected_event,
)
from dualcarbon.pact.filters import FilterError, FootprintQuery, matches
from dualcarbon.pact.outbound import OutboundPolicy
from dualcarbon.pact.schema import event_errors
from dualcarbon.pact.tokens import (
    DEFAULT_LIFETIME_SECONDS,
    AccessTokens,
    InvalidTokenError,
    TokenExpiredError,
)
from dualcarbon.security import HashingBusyError, Passwords
from dualcarbon.store.models import PactClient, PactEvent, StoredProductFootprint

log = logging.getLogger(__name__)

PATHS = ("/auth/token", "/3/footprints", "/3/footprints/{id}", "/3/events")
MAX_LIMIT = 1000
_LIST_KEYS = ("productid", "companyid", "geography", "classification", "status")
_TIME_KEYS = ("validon", "validafter", "validbefore")


class PactError(Exception):
    """An error answered as PACT's ``{code, message}``."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
        super().__init__(message)


def pact_error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status, headers=headers)


def canonical_id(value: str) -> str:
    """A footprint id as stored: a UUID in its lower-case hyphenated form (any case and RFC 9562
    spelling accepted); anything else unchanged (it then matches nothing)."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return value


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


def pact_options(settings: Any) -> dict[str, Any]:
    """``create_pact_app``'s options from the server's settings (``api.settings.Settings``)."""
    return {
        "outbound": OutboundPolicy(
            verify=settings.pact_ca_bundle or True,
            allow_private=settings.pact_allow_private_event_urls,
        ),
        "public_url": settings.public_url,
    }


def _retry_later(status: int, retry_after: int, description: str) -> JSONResponse:
    """RFC 6749 §5.2's error body for a throttled (429) or busy (503) token endpoint."""
    return JSONResponse(
        {"error": "temporarily_unavailable", "error_description": description},
        status_code=status,
        headers={"Cache-Control": "no-store", "Retry-After": str(retry_after)},
    )


def client_counters(
    throttle: LoginThrottle, client_id: str, address: str | None
) -> list[tuple[str, Backoff]]:
    """Where a token request counts: the client id from this address, and the address."""
    where = (address or "unknown")[:100]
    return [
        (f"pact-address:{where}", throttle.address),
        (f"pact-client:{client_id[:200]}|{where}", throttle.account),
    ]


def create_pact_app(
    engine: Engine,
    passwords: Passwords,
    secret: str,
    *,
    token_lifetime_seconds: int = DEFAULT_LIFETIME_SECONDS,
    outbound: OutboundPolicy | None = None,
    public_url: str | None = None,
    throttle: LoginThrottle | None = None,
) -> FastAPI:
    """The PACT API over ``engine``'s store; tokens signed with ``secret``. ``outbound`` is how
    events are POSTed to partners (CA bundle, private targets; :mod:`dualcarbon.pact.outbound`);
    ``public_url`` the base of our absolute URLs (else the request's own scheme and host);
    ``throttle`` the limits of ``/auth/token`` (default: the login's defaults)."""
    throttle = throttle or LoginThrottle()
    app = FastAPI(
        title="dualcarbon PACT v3",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.passwords = passwords
    app.state.tokens = AccessTokens(secret, token_lifetime_seconds)
    app.state.outbound = outbound or OutboundPolicy()
    app.state.public_url = public_url.rstrip("/") if public_url else None
    app.state.secret = secret

    async def _pact_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, PactError)
        return pact_error(exc.status, exc.code, exc.message, exc.headers)

    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("PACT API error", exc_info=exc)
        return pact_error(500, "InternalError", "the server failed to answer")

    async def _too_large(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, BodyTooLargeError)
        return pact_error(exc.status_code, "BadRequest", str(exc.detail))

    async def _http_error(request: Request, exc: Exception) -> JSONResponse:
        """Starlette's own 404 (no such path) and 405 (with ``Allow``) in PACT's error shape."""
        assert isinstance(exc, StarletteHTTPException)
        code = "NotFound" if exc.status_code == 404 else "BadRequest"
        return pact_error(exc.status_code, code, str(exc.detail), dict(exc.headers or {}))

    app.add_exception_handler(PactError, _pact_error)
    app.add_exception_handler(BodyTooLargeError, _too_large)  # api/body_limit.py
    app.add_exception_handler(StarletteHTTPException, _http_error)
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
            raise PactError(
                401,
                "TokenExpired",
                "the access token has expired",
                # RFC 6750 §3: a 401 to a bearer request names the scheme and the error
                {
                    "WWW-Authenticate": 'Bearer realm="pact", error="invalid_token", '
                    'error_description="the access token expired"'
                },
            ) from None
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

        address = request.client.host if request.client else None
        counters = client_counters(throttle, credentials[0], address)

        def check() -> PactClient | None:
            with session() as db:
                guarded(db, counters)  # raises when an attempt must wait
                try:
                    found = repository.authenticate_client(db, passwords, *credentials)
                except HashingBusyError:  # not checked: uncount it
                    for key, _ in counters:
                        Counters.give_back(db, key)
                    raise
                if found is not None:
                    Counters.clear(db, [counters[1][0]])
                    Counters.give_back(db, counters[0][0])
                return found

        try:
            client = await run_in_threadpool(check)
        except TooManyAttemptsError as exc:
            return _retry_later(429, exc.retry_after, "too many failed attempts; wait")
        except HashingBusyError as exc:
            return _retry_later(503, exc.retry_after, "the server is busy; try again shortly")
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
                if number < 0:  # the schema's minimum is 0 for limit
                    raise PactError(400, "BadRequest", f"{key} out of range")
                if name == "limit":
                    limit = min(number, MAX_LIMIT)
                else:
                    offset = number
        try:
            return FootprintQuery.of(lists, times), limit, offset
        except FilterError as exc:
            raise PactError(400, "BadRequest", str(exc)) from None

    def base_url(request: Request) -> str:
        """Our address as the partner reaches it: the configured public URL, else the
        request's (scheme from a trusted proxy's X-Forwarded-Proto, see ``serve``)."""
        configured: str | None = app.state.public_url
        return configured or str(request.base_url).rstrip("/")

    def _next_link(request: Request, limit: int, offset: int) -> str:
        """The next page; after a ``limit=0`` page (empty, as asked) the rest without limit."""
        kept = [
            (k, v)
            for k, v in request.query_params.multi_items()
            if k.lower() != "offset" and not (limit == 0 and k.lower() == "limit")
        ]
        if limit and not any(k.lower() == "limit" for k, _ in kept):
            kept.append(("limit", str(limit)))
        kept.append(("offset", str(offset)))
        return f'<{base_url(request)}/3/footprints?{urlencode(kept)}>; rel="next"'

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
            row = db.get(StoredProductFootprint, canonical_id(id))
            # another organisation's footprint answers as an unknown one: no way to tell ids
            if row is None or row.organisation_id != client.organisation_id:
                raise PactError(404, "NotFound", "no such footprint")
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
                if requested and not client.event_url:
                    raise PactError(
                        400,
                        "BadRequest",
                        "this client has no event endpoint, so the request could never be "
                        "answered; ask the data owner to set the client's event_url",
                    )
                if repository.event_seen(db, client, event):
                    return None  # a repeat: acknowledged, not processed again
                try:
                    row = repository.record_event(
                        db, client, event, "received" if requested else "stored"
                    )
                    db.commit()
                except IntegrityError:  # the same event arrived concurrently and won
                    db.rollback()
                    return None
                return (row.id, event, client) if requested else None

        answer = await run_in_threadpool(receive)
        if answer is not None:
            row_id, event, client = answer
            source = base_url(request) + "/3/events"
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
        # the answer is owed in the same transaction that records it, then sent; a partner
        # that is down gets it later with back-off (pact/outbox.py), as PublishedEvents
        with session() as db:
            stored = db.get(PactEvent, row_id)
            if stored is None:
                return
            stored.outcome = outcome
            stored.reply = json.dumps(reply, ensure_ascii=False)
            [delivery_id] = outbox.enqueue(db, [client], reply)
            db.commit()
        outbox.attempt(
            app.state.engine, delivery_id, secret_key=app.state.secret, policy=app.state.outbound
        )

    return app


def mount_pact(app: FastAPI, pact: FastAPI) -> None:
    """Route the PACT paths of ``app`` to ``pact`` (plain Starlette routes, placed before the
    web pages mounted at ``/``; they are not part of the main app's OpenAPI document — PACT's
    own is ``dualcarbon/pact/data/openapi_v3_0.yaml``)."""
    app.state.pact = pact
    routes: list[Route] = [Route(path, endpoint=pact) for path in PATHS]
    routes.append(Route("/3/{rest:path}", endpoint=pact))  # an unknown /3/ path: PACT's 404
    app.router.routes[0:0] = routes
