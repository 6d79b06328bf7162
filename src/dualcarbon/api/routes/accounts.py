"""Logging in and out, the current user, API keys, and (admins) users and their assignments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Cookie, HTTPException, Request, Response, status

from dualcarbon.api import services
from dualcarbon.api.deps import (
    COOKIE_NAME,
    AdminUser,
    CurrentUser,
    PasswordsDep,
    PathId,
    SessionDep,
    SettingsDep,
    SignerDep,
    set_login_cookies,
)
from dualcarbon.api.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    AssignmentUpdate,
    ErrorBody,
    LoginRequest,
    UserCreate,
    UserPublic,
)
from dualcarbon.api.throttle import (
    DEVICE_COOKIE,
    DeviceCookies,
    LoginThrottle,
)

router = APIRouter(responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}})


_THROTTLED = {
    "model": ErrorBody,
    "description": "too many failed logins (docs/api.md, login throttling)",
    "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
}
_BUSY = {
    "model": ErrorBody,
    "description": "too many passwords being checked at once; nothing was checked",
    "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
}


@router.post("/auth/login", tags=["auth"], responses={429: _THROTTLED, 503: _BUSY})
def login(
    body: LoginRequest,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    signer: SignerDep,
    passwords: PasswordsDep,
    device_cookie: Annotated[str | None, Cookie(alias=DEVICE_COOKIE)] = None,
) -> UserPublic:
    """Check e-mail and password; on success set the session cookie (HttpOnly, SameSite) and a
    device cookie that keeps this client out of the account's lockout later.

    Throttled (docs/api.md): after too many failures for the account or from the client, each
    further attempt must wait (429 with ``Retry-After``; the password is not checked)."""
    client = request.client.host if request.client else None
    throttle = LoginThrottle.from_settings(settings)
    devices = DeviceCookies(settings.secret)
    device = devices.device_of(device_cookie, body.email)
    user = throttle.authenticate(session, passwords, body.email, body.password, client, device)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "e-mail or password not recognised")
    token = services.open_session(session, user, settings.session_max_age_seconds)
    set_login_cookies(response, settings, signer.sign(token), user.email, device)
    return services.user_public(services.get_user(session, user.id))


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, tags=["auth"])
def logout(
    session: SessionDep,
    settings: SettingsDep,
    signer: SignerDep,
    cookie: Annotated[str | None, Cookie(alias=COOKIE_NAME)] = None,
) -> Response:
    """End the session of this cookie (in the database, so every server instance forgets it)."""
    token = signer.unsign(cookie) if cookie else None
    if token is not None:
        services.close_session(session, token)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(
        COOKIE_NAME,
        path="/",
        httponly=True,
        secure=settings.cookie_secure,
        samesite=settings.cookie_samesite,
    )
    return response


@router.get("/me", tags=["auth"])
def me(principal: CurrentUser, session: SessionDep) -> UserPublic:
    return services.user_public(services.get_user(session, principal.user_id))


@router.get("/keys", tags=["keys"])
def list_keys(principal: CurrentUser, session: SessionDep) -> list[ApiKeyPublic]:
    """The current user's API keys (never the keys themselves)."""
    return [ApiKeyPublic.model_validate(k) for k in services.list_api_keys(session, principal)]


@router.post("/keys", status_code=status.HTTP_201_CREATED, tags=["keys"])
def create_key(body: ApiKeyCreate, principal: CurrentUser, session: SessionDep) -> ApiKeyCreated:
    """A new API key for the current user. The ``token`` is shown in this answer only."""
    key, token = services.create_api_key(session, principal, body.name)
    return ApiKeyCreated.model_validate(
        {**ApiKeyPublic.model_validate(key).model_dump(), "token": token}
    )


@router.delete(
    "/keys/{key_id}",
    tags=["keys"],
    responses={404: {"model": ErrorBody}},
)
def revoke_key(key_id: PathId, principal: CurrentUser, session: SessionDep) -> ApiKeyPublic:
    """Revoke one of the current user's keys; it stops working at once."""
    return ApiKeyPublic.model_validate(services.revoke_api_key(session, principal, key_id))


@router.get("/users", tags=["users"])
def list_users(principal: CurrentUser, session: SessionDep) -> list[UserPublic]:
    """Every user (admins and regulators)."""
    return [services.user_public(u) for u in services.list_users(session, principal)]


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    tags=["users"],
    responses={409: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)
def create_user(
    body: UserCreate, principal: AdminUser, session: SessionDep, passwords: PasswordsDep
) -> UserPublic:
    """Add a user (admins only)."""
    return services.user_public(services.create_user(session, principal, body, passwords))


@router.put(
    "/users/{user_id}/organisations",
    tags=["users"],
    responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)
def assign_organisations(
    user_id: PathId, body: AssignmentUpdate, principal: AdminUser, session: SessionDep
) -> UserPublic:
    """Set the organisations a verifier or metrology reviewer works on (admins only)."""
    user = services.set_assignments(session, principal, user_id, body.organisation_ids)
    return services.user_public(user)
