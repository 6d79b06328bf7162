"""The FastAPI application: ``create_app(settings)`` wires the engine, the secrets, the routes
and the error handlers (docs/api.md).

Errors answer in one shape, ``{"detail": "...", "problems": [{file, sheet, row, field, rule,
value}]}``: bad input is a 422 naming what to fix, a lookup of something absent or out of scope a
404, a forbidden action a 403 — never a 500 for anything a user sent.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from dualcarbon import __version__
from dualcarbon.accounting.findings import Finding, FindingsError
from dualcarbon.api.body_limit import BodyLimit
from dualcarbon.api.openapi import describe_errors
from dualcarbon.api.pact import create_pact_app, mount_pact, pact_options
from dualcarbon.api.protection import protect
from dualcarbon.api.routes import (
    accounts,
    cbam,
    certificates,
    disclosure,
    evidence,
    factor_validation,
    footprints,
    instruments,
    organisations,
    overview,
    parks,
    projects,
    reference,
    users,
    verification,
)
from dualcarbon.api.scope import AccessDeniedError
from dualcarbon.api.services import (
    REQUEST,
    ConflictError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)
from dualcarbon.api.settings import Settings
from dualcarbon.api.throttle import LoginThrottle, TooManyAttemptsError
from dualcarbon.errors import (
    ClaimRefusedError,
    DualcarbonError,
    InputError,
    InputProblem,
    StoreError,
)
from dualcarbon.ledger.keys import load_signer
from dualcarbon.ledger.signing import Signer
from dualcarbon.pact.outbox import delivery_worker
from dualcarbon.security import CookieSigner, HashingBusyError, HashingGate, Passwords
from dualcarbon.store.database import make_engine
from dualcarbon.web.routes import create_web

UNPROCESSABLE = 422
TOO_LARGE = 413
"""Written as numbers: Starlette renamed their constants (``…_UNPROCESSABLE_CONTENT``) recently."""


SHOWN_TEXT = 100
"""Characters of an offending text shown back in a problem; the rest is cut (a problem names
what to fix, it does not return what was sent)."""
SHOWN_ITEMS = 10


def _plain(value: object) -> object:
    """A problem's offending value as JSON can carry it (dates and the like as text), cut
    short: long texts to :data:`SHOWN_TEXT` characters, lists to :data:`SHOWN_ITEMS` items."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return value if len(value) <= SHOWN_TEXT else value[:SHOWN_TEXT] + "…"
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, list | tuple):
        shown = [_plain(v) for v in value[:SHOWN_ITEMS]]
        return [*shown, "…"] if len(value) > SHOWN_ITEMS else shown
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return _plain(str(value))
    return value if len(text) <= SHOWN_TEXT else _plain(text)


def problem_json(problem: InputProblem) -> dict[str, Any]:
    return {
        "file": problem.file,
        "sheet": problem.sheet,
        "row": problem.row,
        "field": problem.field,
        "rule": problem.rule,
        "rule_zh": problem.chinese(),
        "value": _plain(problem.value),
    }


def error_response(
    status_code: int,
    detail: str,
    problems: Sequence[InputProblem] = (),
    headers: dict[str, str] | None = None,
    findings: Sequence[Finding] = (),
) -> JSONResponse:
    body: dict[str, Any] = {"detail": detail, "problems": [problem_json(p) for p in problems]}
    if findings:
        body["findings"] = [{**f.to_json(), "value": _plain(f.value)} for f in findings]
    return JSONResponse(body, status_code=status_code, headers=headers)


async def _input_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InputError)
    count = len(exc.problems)
    return error_response(
        UNPROCESSABLE,
        f"{count} problem(s) in input; nothing was stored",
        exc.problems,
    )


async def _findings_error(request: Request, exc: Exception) -> JSONResponse:
    """Figures that fail the plausibility checks: each open one as a problem (its rule in both
    languages), and every finding, with its code and key for ``accept=CODE:KEY``."""
    assert isinstance(exc, FindingsError)
    problems = [
        InputProblem(
            f.file,
            f"[{f.severity.value} {f.code}:{f.key}] {f.rule_zh} / {f.rule_en}",
            field=f.field,
            sheet=f.sheet,
            row=f.row,
            value=f.value,
        )
        for f in exc.open
    ]
    problems += [
        InputProblem(
            REQUEST,
            f"accept={a.code}{':' + a.key if a.key else ''} matches no warning",
            field="accept",
        )
        for a in exc.unused
    ]
    return error_response(
        UNPROCESSABLE,
        f"{len(problems)} finding(s) to correct or acknowledge; nothing was stored",
        problems,
        findings=exc.findings,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        InputProblem(
            REQUEST,
            str(error.get("msg", "invalid")),
            field=".".join(str(part) for part in error.get("loc", ())),
        )  # never the input: it may be a password, or megabytes sent to be echoed back
        for error in exc.errors()
    ]
    return error_response(UNPROCESSABLE, f"{len(problems)} problem(s) in request", problems)


_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (AccessDeniedError, status.HTTP_403_FORBIDDEN),
    (LookupError, status.HTTP_404_NOT_FOUND),
    (ConflictError, status.HTTP_409_CONFLICT),
    (ClaimRefusedError, status.HTTP_409_CONFLICT),
    (StoreError, status.HTTP_409_CONFLICT),
    (PayloadTooLargeError, TOO_LARGE),
    (UnsupportedMediaTypeError, status.HTTP_415_UNSUPPORTED_MEDIA_TYPE),
    (TooManyAttemptsError, status.HTTP_429_TOO_MANY_REQUESTS),
    (HashingBusyError, status.HTTP_503_SERVICE_UNAVAILABLE),
)


async def _dualcarbon_error(request: Request, exc: Exception) -> JSONResponse:
    retry_after = getattr(exc, "retry_after", None)  # 429 throttled, 503 hashing busy
    headers = {"Retry-After": str(retry_after)} if isinstance(retry_after, int) else None
    for kind, code in _STATUS:
        if isinstance(exc, kind):
            return error_response(code, str(exc), headers=headers)
    return error_response(UNPROCESSABLE, str(exc))


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    return error_response(status.HTTP_409_CONFLICT, "the request conflicts with stored data")


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers) if exc.headers else None
    return error_response(exc.status_code, str(exc.detail), headers=headers)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API over the store at ``settings.database_url`` (migrated beforehand: ``dualcarbon
    serve`` upgrades it; the app itself never changes the schema). Without ``settings``, read
    from the environment: each worker of ``serve --workers N`` builds its app so (a factory)."""
    settings = settings or Settings()
    engine = make_engine(
        settings.database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pact = app.state.pact.state
        async with delivery_worker(
            engine,
            secret_key=pact.secret,
            policy=pact.outbound,
            every_seconds=settings.pact_delivery_poll_seconds,
        ):
            yield
        engine.dispose()

    app = FastAPI(
        title="dualcarbon",
        version=__version__,
        summary="Carbon accounting by China's standards, every figure traced to its evidence.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.passwords = Passwords(
        settings.password_memory_kib,
        settings.password_time_cost,
        HashingGate(settings.password_hash_concurrency, settings.password_hash_queue),
    )
    app.state.signer = CookieSigner(settings.secret, settings.session_max_age_seconds)
    app.state.ledger = (
        Signer.from_private_bytes(base64.b64decode(settings.ledger_key.get_secret_value()))
        if settings.ledger_key is not None
        else load_signer()
    )
    app.add_exception_handler(InputError, _input_error)
    app.add_exception_handler(FindingsError, _findings_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DualcarbonError, _dualcarbon_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for module in (
        users,  # before accounts: /users/audit is not a user id
        accounts,
        organisations,
        reference,
        evidence,
        verification,
        instruments,
        overview,
        footprints,
        projects,
        certificates,
        cbam,
        disclosure,
        parks,
        factor_validation,
    ):
        app.include_router(module.router, prefix="/api")
    pact = create_pact_app(
        engine,
        app.state.passwords,
        settings.secret,
        throttle=LoginThrottle.from_settings(settings),
        **pact_options(settings),
    )
    mount_pact(app, pact)
    app.mount("/", create_web(app))  # after the API, so /api/* is matched first
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    protect(app, settings)  # outside the body limit: its refusals carry the headers too
    describe_errors(app)
    return app
