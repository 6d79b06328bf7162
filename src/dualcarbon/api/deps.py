"""FastAPI dependencies as ``Annotated`` aliases: ``SettingsDep``, ``SessionDep``,
``CurrentUser``, ``AdminUser``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import anyio.to_thread
from fastapi import Depends, HTTPException, Path, Request, Response, status
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BeforeValidator
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from dualcarbon.api import principals
from dualcarbon.api.schemas import MAX_ID
from dualcarbon.api.scope import Action, Area, Principal, require
from dualcarbon.api.settings import Settings
from dualcarbon.api.throttle import DEVICE_COOKIE, DEVICE_MAX_AGE_SECONDS, DeviceCookies
from dualcarbon.security import CookieSigner, Passwords

COOKIE_NAME = "dualcarbon_session"

_bearer = HTTPBearer(auto_error=False, description="an API key: `Authorization: Bearer dck_…`")
_cookie = APIKeyCookie(
    name=COOKIE_NAME, auto_error=False, description="the session cookie set by /api/auth/login"
)


# The three below only read the app's state: ``async`` so that FastAPI runs them on the event
# loop instead of handing each to a worker thread and back (decision 0013).
async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_passwords(request: Request) -> Passwords:
    passwords: Passwords = request.app.state.passwords
    return passwords


async def get_signer(request: Request) -> CookieSigner:
    signer: CookieSigner = request.app.state.signer
    return signer


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for one request. Writes commit explicitly in the services; anything left
    uncommitted when the request ends, or fails, is rolled back.

    Opening a session touches no connection, so it happens on the event loop; only ending one
    that holds a connection (a rollback, then back to the pool) goes to a worker thread."""
    engine: Engine = request.app.state.engine
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
    finally:
        if session.in_transaction():
            await anyio.to_thread.run_sync(_end, session)
        else:
            session.close()


def _end(session: Session) -> None:
    try:
        session.rollback()
    except DBAPIError:
        # the connection died (decision 0011); its transaction ended with it and the pool
        # discards it. Raising here, after the answer went out, would only break the answer.
        pass
    finally:
        session.close()


def digits(value: object) -> object:
    """An integer in a URL as ASCII digits only: Python's ``int()`` (and pydantic's lax mode)
    would also take ``"2\u0085"`` (a trailing NEXT LINE, being Unicode white space), ``"+2"``
    or ``"2_0"`` for an id the URL does not name."""
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        raise ValueError("give the number as digits only")
    return value


PathId = Annotated[int, Path(ge=1, le=MAX_ID), BeforeValidator(digits)]
"""An id in the URL, within what the database stores (a larger one is a 422, not an overflow)."""

SettingsDep = Annotated[Settings, Depends(get_settings)]
PasswordsDep = Annotated[Passwords, Depends(get_passwords)]
SignerDep = Annotated[CookieSigner, Depends(get_signer)]
SessionDep = Annotated[Session, Depends(get_session)]


def _unauthorised(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
    )


def current_principal(
    session: SessionDep,
    signer: SignerDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> Principal:
    """The user behind an API key (``Authorization: Bearer``) or, without one, the session
    cookie. A key given and refused is not rescued by a cookie."""
    if bearer is not None:
        principal = principals.for_api_key(session, bearer.credentials)
        if principal is None:
            raise _unauthorised("API key unknown, revoked, or its user deactivated")
        return principal
    if cookie:
        token = signer.unsign(cookie)
        principal = None if token is None else principals.for_session(session, token)
        if principal is None:
            raise _unauthorised("session expired or logged out; log in again")
        return principal
    raise _unauthorised("log in, or send an API key as Authorization: Bearer")


CurrentUser = Annotated[Principal, Depends(current_principal)]


def admin_principal(principal: CurrentUser) -> Principal:
    """The current user, who must be allowed to change platform-wide things (an admin)."""
    require(principal, Action.WRITE, Area.PLATFORM, None)
    return principal


AdminUser = Annotated[Principal, Depends(admin_principal)]


def set_login_cookies(
    response: Response,
    settings: Settings,
    signed_session: str,
    email: str,
    known_device: str | None,
) -> None:
    """After a successful login: the session cookie, and a device cookie when this client has
    none for the account yet (OWASP's device cookies: the account's lockout later spares it).
    Both HttpOnly, SameSite, Secure as configured — the API's and the web page's login alike."""
    cookies = [(COOKIE_NAME, signed_session, settings.session_max_age_seconds)]
    if known_device is None:
        device = DeviceCookies(settings.secret).issue(email)
        cookies.append((DEVICE_COOKIE, device, DEVICE_MAX_AGE_SECONDS))
    for name, value, max_age in cookies:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            httponly=True,
            secure=settings.cookie_secure,
            samesite=settings.cookie_samesite,
            path="/",
        )
