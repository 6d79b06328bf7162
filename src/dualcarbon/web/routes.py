"""The web pages, as a small app mounted beside the API (it shares the API's state).

Pages are server-rendered (jinja2) and forms post back; every action goes through the same
application functions as the API (:mod:`dualcarbon.api.services`), so the scope rules are one set.
A page a user may not see answers like the API: 404.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Annotated, Any

import jinja2
from fastapi import FastAPI, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import ValidationError
from sqlalchemy.orm import Session

from dualcarbon.api import services
from dualcarbon.api.deps import COOKIE_NAME
from dualcarbon.api.schemas import CommentCreate, SignOffCreate
from dualcarbon.api.scope import Action, Area, NotFoundError, Principal, Role, allowed
from dualcarbon.errors import DualcarbonError, InputError, InputProblem
from dualcarbon.ledger.lodging import evidence_of_inventory
from dualcarbon.reports.charts import monthly_chart
from dualcarbon.reports.i18n import source_label, tier_label
from dualcarbon.store.repository import get_result, load_register, load_result
from dualcarbon.web.i18n import WORDS

UNPROCESSABLE = 422


@cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("dualcarbon.web", "templates"), autoescape=True
    )


def _lang(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "zh"


def _page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = _lang(request)
    html = _templates().get_template(name).render(lang=lang, w=WORDS[lang], **context)
    return HTMLResponse(html, status_code=status)


def _session(request: Request) -> Session:
    return Session(request.app.state.engine, expire_on_commit=False)


def _principal(request: Request, session: Session) -> Principal | None:
    cookie = request.cookies.get(COOKIE_NAME)
    token = None if not cookie else request.app.state.signer.unsign(cookie)
    return None if token is None else services.principal_for_session(session, token)


def _to_login(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?lang={_lang(request)}", status_code=303)


def _number(value: float) -> str:
    return f"{value:,.2f}"


def create_web(api: FastAPI) -> FastAPI:
    web = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    web.state.engine = api.state.engine
    web.state.signer = api.state.signer
    web.state.passwords = api.state.passwords
    web.state.settings = api.state.settings
    web.state.ledger = api.state.ledger

    @web.get("/login", response_class=HTMLResponse)
    def login_page(request: Request) -> HTMLResponse:
        return _page(request, "login.html.j2", user=None, error=None)

    @web.post("/login", response_model=None)
    def login(
        request: Request, email: Annotated[str, Form()], password: Annotated[str, Form()]
    ) -> Response:
        settings = request.app.state.settings
        with _session(request) as session:
            user = services.authenticate(session, request.app.state.passwords, email, password)
            if user is None:
                words = WORDS[_lang(request)]
                return _page(request, "login.html.j2", 401, user=None, error=words["bad_login"])
            token = services.open_session(session, user, settings.session_max_age_seconds)
        response = RedirectResponse(f"/?lang={_lang(request)}", status_code=303)
        response.set_cookie(
            COOKIE_NAME,
            request.app.state.signer.sign(token),
            max_age=settings.session_max_age_seconds,
            httponly=True,
            secure=settings.cookie_secure,
            samesite=settings.cookie_samesite,
            path="/",
        )
        return response

    @web.post("/logout")
    def logout(request: Request) -> RedirectResponse:
        cookie = request.cookies.get(COOKIE_NAME)
        token = None if not cookie else request.app.state.signer.unsign(cookie)
        if token is not None:
            with _session(request) as session:
                services.close_session(session, token)
        response = _to_login(request)
        response.delete_cookie(COOKIE_NAME, path="/")
        return response

    @web.get("/", response_model=None)
    def home(request: Request) -> Response:
        with _session(request) as session:
            principal = _principal(request, session)
            if principal is None:
                return _to_login(request)
            rows = []
            for organisation in services.list_organisations(session, principal):
                total = "—"
                if allowed(principal, Action.READ, Area.ACCOUNTING, organisation.id):
                    found = services.organisation_results(session, principal, organisation.id)
                    if found:
                        total = _number(found[-1].total_tco2e)
                rows.append({"id": organisation.id, "name": organisation.name, "total": total})
            return _page(
                request,
                "home.html.j2",
                user=principal.email,
                organisations=rows,
                all_organisations=principal.role in (Role.REGULATOR, Role.ADMIN),
            )

    def _organisation_page(
        request: Request,
        session: Session,
        principal: Principal,
        organisation_id: int,
        problems: list[Any] | None = None,
        status: int = 200,
    ) -> Response:
        lang = _lang(request)
        organisation = services.organisation_for(
            session, principal, organisation_id, Action.READ, Area.ORGANISATION
        )
        results: list[Any] = []
        chart = None
        by_source: list[tuple[str, str]] = []
        tiers: list[tuple[str, str]] = []
        if allowed(principal, Action.READ, Area.ACCOUNTING, organisation_id):
            summaries = services.organisation_results(session, principal, organisation_id)
            results = [
                {
                    "id": r.id,
                    "year": r.year,
                    "methodology": r.methodology,
                    "total": _number(r.total_tco2e),
                    "computed_at": f"{r.computed_at:%Y-%m-%d %H:%M}",
                }
                for r in reversed(summaries)
            ]
            if summaries:
                row = get_result(session, summaries[-1].id)
                assert row is not None
                latest = load_result(row)
                chart = Markup(monthly_chart(latest, lang))  # SVG we drew ourselves
                by_source = [
                    (source_label(source, lang), _number(value))
                    for source, value, _ in latest.by("source").iter_rows()
                ]
                tiers = [
                    (tier_label(tier, lang), f"{share:.1%}")
                    for tier, _, share in latest.tier_shares().iter_rows()
                ]
        due = []
        register = load_register(session, organisation.name)
        if register is not None:
            for status_now in register.statuses(dt.date.today(), due_window_days=60):
                if status_now.state.value != "valid":
                    due.append(status_now.explain(lang))
        return _page(
            request,
            "organisation.html.j2",
            status,
            user=principal.email,
            organisation=organisation,
            results=results,
            chart=chart,
            by_source=by_source,
            tiers=tiers,
            due=due,
            problems=problems,
            can_upload=allowed(principal, Action.WRITE, Area.ACCOUNTING, organisation_id),
        )

    @web.get("/organisations/{organisation_id}", response_model=None)
    def organisation_page(request: Request, organisation_id: int) -> Response:
        with _session(request) as session:
            principal = _principal(request, session)
            if principal is None:
                return _to_login(request)
            return _organisation_page(request, session, principal, organisation_id)

    @web.post("/organisations/{organisation_id}/upload", response_model=None)
    async def upload(request: Request, organisation_id: int, file: UploadFile) -> Response:
        data = await file.read(request.app.state.settings.max_upload_bytes + 1)
        with _session(request) as session:
            principal = _principal(request, session)
            if principal is None:
                return _to_login(request)
            try:
                if len(data) > request.app.state.settings.max_upload_bytes:
                    raise InputError(
                        [InputProblem(file.filename or "upload", "larger than the upload limit")]
                    )
                inventory = services.inventory_from_upload(file.filename, data)
                outcome = services.import_inventory(
                    session, principal, organisation_id, inventory, request.app.state.ledger
                )
            except InputError as exc:
                session.rollback()
                return _organisation_page(
                    request,
                    session,
                    principal,
                    organisation_id,
                    list(exc.problems),
                    UNPROCESSABLE,
                )
        return RedirectResponse(
            f"/results/{outcome.result.id}?lang={_lang(request)}", status_code=303
        )

    @web.get("/results/{result_id}", response_model=None)
    def result_page(request: Request, result_id: int) -> Response:
        with _session(request) as session:
            principal = _principal(request, session)
            if principal is None:
                return _to_login(request)
            document = services.result_document(session, principal, result_id)
            organisation_id = document["organisation_id"]
            meta = document["meta"]
            row = get_result(session, result_id)
            assert row is not None
            lines = load_result(row).lines
            flag = "instrument_flag_zh" if _lang(request) == "zh" else "instrument_flag_en"
            return _page(
                request,
                "result.html.j2",
                user=principal.email,
                result_id=result_id,
                organisation_id=organisation_id,
                instruments=sorted(lines["instrument"].drop_nulls().unique().to_list()),
                flagged=lines[flag].drop_nulls().to_list(),
                title=f"{meta['organisation']} {meta['facility']} {meta['year']}",
                total=_number(document["total_tco2e"]),
                spread=_number(document["uncertainty"]["U"]),
                k=f"{document['uncertainty']['k']:.2f}",
                methodology=meta["methodology"],
                evidence=evidence_of_inventory(session, row.inventory_id),
                comments=services.list_comments(session, principal, result_id),
                signoffs=services.list_signoffs(session, principal, result_id),
                can_comment=allowed(principal, Action.COMMENT, Area.ACCOUNTING, organisation_id),
                can_sign=allowed(principal, Action.SIGN_OFF, Area.ACCOUNTING, organisation_id),
            )

    @web.get("/organisations/{organisation_id}/instruments/{code}", response_model=None)
    def instrument_page(request: Request, organisation_id: int, code: str) -> Response:
        with _session(request) as session:
            principal = _principal(request, session)
            if principal is None:
                return _to_login(request)
            organisation = services.organisation_for(
                session, principal, organisation_id, Action.READ, Area.INSTRUMENTS
            )
            register = load_register(session, organisation.name)
            found = None if register is None else register.instrument(code)
            if register is None or found is None:
                raise NotFoundError("instrument", code)
            return _page(
                request,
                "instrument.html.j2",
                user=principal.email,
                instrument=found,
                accuracy=str(found.accuracy),
                state_text=register.status_at(code, dt.date.today()).explain(_lang(request)),
                records=register.records_for(code),
            )

    @web.get("/results/{result_id}/report", response_model=None)
    def report_page(request: Request, result_id: int) -> Response:
        from dualcarbon.reports.html import render_html

        with _session(request) as session:
            principal = _principal(request, session)
            if principal is None:
                return _to_login(request)
            services.result_document(session, principal, result_id)  # the scope check
            row = get_result(session, result_id)
            assert row is not None
            return HTMLResponse(render_html(load_result(row), lang=_lang(request)))

    @web.post("/results/{result_id}/comments", response_model=None)
    def comment(
        request: Request,
        result_id: int,
        text: Annotated[str, Form()],
        line: Annotated[str, Form()] = "",
    ) -> Response:
        with _session(request) as session:
            principal = _principal(request, session)
            if principal is None:
                return _to_login(request)
            body = CommentCreate(text=text, line=int(line) if line.strip().isdigit() else None)
            services.add_comment(session, principal, result_id, body)
        return RedirectResponse(f"/results/{result_id}?lang={_lang(request)}", status_code=303)

    @web.post("/results/{result_id}/signoff", response_model=None)
    def signoff(
        request: Request,
        result_id: int,
        decision: Annotated[str, Form()],
        note: Annotated[str, Form()] = "",
    ) -> Response:
        with _session(request) as session:
            principal = _principal(request, session)
            if principal is None:
                return _to_login(request)
            body = SignOffCreate.model_validate({"decision": decision, "note": note})
            services.sign_off(session, principal, result_id, body)
        return RedirectResponse(f"/results/{result_id}?lang={_lang(request)}", status_code=303)

    @web.exception_handler(ValidationError)
    async def invalid_form(request: Request, exc: Exception) -> HTMLResponse:
        return HTMLResponse(f"<h1>422</h1><p>{Markup.escape(str(exc))}</p>", UNPROCESSABLE)

    @web.exception_handler(DualcarbonError)
    async def not_found(request: Request, exc: Exception) -> HTMLResponse:
        status = 403 if isinstance(exc, PermissionError) else 404
        return HTMLResponse(f"<h1>{status}</h1><p>{Markup.escape(str(exc))}</p>", status)

    return web
