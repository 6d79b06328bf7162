"""The admin's user administration page: every user with forms to deactivate or reactivate,
change the role, reset the password and end the sessions, and the audit trail below
(docs/api.md, "User administration"). The forms post to the same functions as the API
(:mod:`dualcarbon.api.users`); a refused change is shown on the page, nothing half-done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from dualcarbon.api import audit, principals, services, users
from dualcarbon.api.deps import COOKIE_NAME, PathId
from dualcarbon.api.scope import Action, Area, Principal, Role, require
from dualcarbon.errors import InputError
from dualcarbon.security import HashingBusyError
from dualcarbon.web.i18n import USER_WORDS, WORDS

UNPROCESSABLE = 422
CONFLICT = 409
BUSY = 503

Change = Callable[[Session, Principal], object]
Reason = Annotated[str, Form()]
"""Every form's reason (module level: FastAPI resolves the annotations by name here)."""


def _lang(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "zh"


def _words(lang: str) -> dict[str, str]:
    return WORDS[lang] | USER_WORDS[lang]


def _principal(request: Request, session: Session) -> Principal | None:
    cookie = request.cookies.get(COOKIE_NAME)
    token = None if not cookie else request.app.state.signer.unsign(cookie)
    return None if token is None else principals.for_session(session, token)


def _message(exc: Exception) -> str:
    if isinstance(exc, InputError):
        return "; ".join(f"{p.field}: {p.rule}" if p.field else p.rule for p in exc.problems)
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
    return str(exc)


def add_user_pages(web: FastAPI) -> None:
    """Add ``/admin/users`` and its forms to the web app."""
    from dualcarbon.web.routes import _templates  # the one template environment

    def page(
        request: Request,
        session: Session,
        principal: Principal,
        status: int = 200,
        error: str | None = None,
    ) -> HTMLResponse:
        require(principal, Action.WRITE, Area.PLATFORM, None)  # admins only (else 403)
        lang = _lang(request)
        words = _words(lang)
        done = request.query_params.get("done", "")
        notice = (
            words["done"].format(action=words[f"action_{done}"]) if done in audit.ACTIONS else None
        )
        html = (
            _templates()
            .get_template("admin_users.html.j2")
            .render(
                lang=lang,
                w=words,
                user=principal.email,
                users=services.list_users(session, principal),
                roles=[role.value for role in Role],
                trail=users.audit_trail(session, principal, limit=100),
                notice=notice,
                error=None if error is None else words["failed"].format(message=error),
            )
        )
        return HTMLResponse(html, status_code=status)

    def to_login(request: Request) -> RedirectResponse:
        return RedirectResponse(f"/login?lang={_lang(request)}", status_code=303)

    @web.get("/admin/users", response_model=None)
    def users_page(request: Request) -> Response:
        with Session(request.app.state.engine, expire_on_commit=False) as session:
            principal = _principal(request, session)
            if principal is None:
                return to_login(request)
            return page(request, session, principal)

    def apply(request: Request, action: str, change: Change) -> Response:
        with Session(request.app.state.engine, expire_on_commit=False) as session:
            principal = _principal(request, session)
            if principal is None:
                return to_login(request)
            require(principal, Action.WRITE, Area.PLATFORM, None)
            try:
                change(session, principal)
            except (InputError, ValidationError) as exc:
                session.rollback()
                return page(request, session, principal, UNPROCESSABLE, _message(exc))
            except services.ConflictError as exc:
                session.rollback()
                return page(request, session, principal, CONFLICT, _message(exc))
            except HashingBusyError as exc:
                session.rollback()
                busy = page(request, session, principal, BUSY, _message(exc))
                busy.headers["Retry-After"] = str(exc.retry_after)
                return busy
        return RedirectResponse(
            f"/admin/users?lang={_lang(request)}&done={action}", status_code=303
        )

    @web.post("/admin/users/{user_id}/deactivate", response_model=None)
    def deactivate(request: Request, user_id: PathId, reason: Reason) -> Response:
        body = users.DeactivateRequest.model_validate
        return apply(
            request,
            "deactivate",
            lambda s, p: users.deactivate(s, p, user_id, body({"reason": reason}).reason),
        )

    @web.post("/admin/users/{user_id}/activate", response_model=None)
    def activate(request: Request, user_id: PathId, reason: Reason) -> Response:
        body = users.ActivateRequest.model_validate
        return apply(
            request,
            "activate",
            lambda s, p: users.activate(s, p, user_id, body({"reason": reason}).reason),
        )

    @web.post("/admin/users/{user_id}/role", response_model=None)
    def role(
        request: Request,
        user_id: PathId,
        reason: Reason,
        role: Annotated[str, Form()],
        organisation_id: Annotated[str, Form()] = "",
    ) -> Response:
        def change(session: Session, principal: Principal) -> object:
            body = users.RoleChange.model_validate(
                {
                    "role": role,
                    "organisation_id": organisation_id.strip() or None,
                    "reason": reason,
                }
            )
            return users.change_role(
                session, principal, user_id, body.role, body.organisation_id, body.reason
            )

        return apply(request, "role", change)

    @web.post("/admin/users/{user_id}/password", response_model=None)
    def password(
        request: Request, user_id: PathId, reason: Reason, password: Annotated[str, Form()]
    ) -> Response:
        def change(session: Session, principal: Principal) -> object:
            body = users.PasswordReset.model_validate({"password": password, "reason": reason})
            return users.reset_password(
                session, principal, user_id, body.password, body.reason, web.state.passwords
            )

        return apply(request, "reset_password", change)

    @web.post("/admin/users/{user_id}/revoke-sessions", response_model=None)
    def revoke(
        request: Request,
        user_id: PathId,
        reason: Reason,
        revoke_api_keys: Annotated[str, Form()] = "",
    ) -> Response:
        def change(session: Session, principal: Principal) -> object:
            body = users.SessionRevocation.model_validate(
                {"reason": reason, "revoke_api_keys": bool(revoke_api_keys)}
            )
            return users.revoke_sessions(
                session, principal, user_id, body.reason, revoke_api_keys=body.revoke_api_keys
            )

        return apply(request, "revoke_sessions", change)
