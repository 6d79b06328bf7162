"""The web pages, as a small app mounted beside the API (it shares the API's state).

Pages are server-rendered (jinja2) and forms post back; every action goes through the same
application functions as the API (:mod:`dualcarbon.api.services`), so the scope rules are one set.
A page a user may not see answers like the API: 404.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from functools import cache
from typing import Annotated, Any
from urllib.parse import urlencode

import jinja2
from fastapi import BackgroundTasks, FastAPI, Form, Query, Request
from fastapi import Path as FastApiPath
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import BeforeValidator, ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from dualcarbon.accounting.engine import production_table
from dualcarbon.accounting.findings import Acceptance, Finding, FindingsError, Severity
from dualcarbon.accounting.power import monthly_supply_intensity
from dualcarbon.api import cbam as cbam_services
from dualcarbon.api import certificates as certificate_services
from dualcarbon.api import checklist, factor_validation, parks, principals, registers, services
from dualcarbon.api import projects as project_services
from dualcarbon.api.deps import COOKIE_NAME, PathId, digits, set_login_cookies
from dualcarbon.api.overview import overview
from dualcarbon.api.routes.footprints import announce, publish_submission
from dualcarbon.api.routes.verification import checklist_public
from dualcarbon.api.schemas import CommentCreate, SignOffCreate
from dualcarbon.api.scope import Action, Area, Principal, Role, allowed
from dualcarbon.api.throttle import (
    DEVICE_COOKIE,
    DeviceCookies,
    LoginThrottle,
    TooManyAttemptsError,
)
from dualcarbon.api.uploads import Received, received_file
from dualcarbon.errors import (
    ClaimRefusedError,
    DualcarbonError,
    InputError,
    InputProblem,
    NotFoundError,
    StoreError,
)
from dualcarbon.footprint.footprint import compute_footprint, footprint_monte_carlo
from dualcarbon.footprint.model import validate_product_system
from dualcarbon.guards.safe_yaml import safe_load
from dualcarbon.i18n import Lang
from dualcarbon.ledger import commitments
from dualcarbon.ledger.lodging import evidence_of_inventory
from dualcarbon.pact import repository as pact_repository
from dualcarbon.reports.charts import intensity_chart, monthly_chart, organisations_chart
from dualcarbon.reports.footprint_report import render_footprint_report
from dualcarbon.reports.i18n import source_label, tier_label
from dualcarbon.security import HashingBusyError
from dualcarbon.store.models import StoredProductFootprint
from dualcarbon.store.repository import get_result, load_inventory, load_register, load_result
from dualcarbon.web.i18n import WORDS
from dualcarbon.web.users import add_user_pages

UNPROCESSABLE = 422
CONFLICT = 409
IMPROVEMENTS_SHOWN = 5
"""The best improvements a result page lists (the report lists them all)."""

YearQuery = Annotated[int | None, Query(ge=1900, le=2200), BeforeValidator(digits)]
"""A reporting year in a page's query string, bounded as the API's (no overflow in the driver)."""


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
    return None if token is None else principals.for_session(session, token)


def _to_login(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?lang={_lang(request)}", status_code=303)


def _number(value: float) -> str:
    return f"{value:,.2f}"


def _footprint_value(row: StoredProductFootprint) -> str:
    """``value unit`` per declared unit, as the PACT document states it."""
    pcf = pact_repository.served(row)["pcf"]
    value = float(pcf["pcfExcludingBiogenicUptake"])
    return f"{value:.4g} kgCO2e / {pcf['declaredUnitAmount']} {pcf['declaredUnitOfMeasurement']}"


@cache
def _methodology_choices(lang: str) -> tuple[tuple[str, str], ...]:
    """Each methodology a template can be downloaded for: id, and the title shown."""
    from dualcarbon.methodologies.definition import enterprise_methodologies

    found = sorted(enterprise_methodologies().values(), key=lambda m: (m.sector, m.issued))
    return tuple(
        (m.id, f"{m.title_zh if lang == 'zh' else m.title_en} · {m.id}")
        for m in reversed(found)
        if m.alternative_to is None
    )


def create_web(api: FastAPI) -> FastAPI:
    web = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    web.state.engine = api.state.engine
    web.state.signer = api.state.signer
    web.state.passwords = api.state.passwords
    web.state.settings = api.state.settings
    web.state.ledger = api.state.ledger
    web.state.pact = api.state.pact  # publishing from a page tells PACT clients, as the API does
    add_user_pages(web)

    @web.get("/login", response_class=HTMLResponse)
    def login_page(request: Request) -> HTMLResponse:
        return _page(request, "login.html.j2", user=None, error=None)

    @web.post("/login", response_model=None)
    def login(
        request: Request, email: Annotated[str, Form()], password: Annotated[str, Form()]
    ) -> Response:
        settings = request.app.state.settings
        throttle = LoginThrottle.from_settings(settings)
        client = request.client.host if request.client else None
        devices = DeviceCookies(settings.secret)
        device = devices.device_of(request.cookies.get(DEVICE_COOKIE), email)
        with _session(request) as session:
            try:
                user = throttle.authenticate(
                    session, request.app.state.passwords, email, password, client, device
                )
            except (TooManyAttemptsError, HashingBusyError) as exc:
                busy = isinstance(exc, HashingBusyError)
                message = WORDS[_lang(request)]["login_busy" if busy else "too_many_logins"]
                message = message.format(minutes=math.ceil(exc.retry_after / 60))
                page = _page(
                    request, "login.html.j2", 503 if busy else 429, user=None, error=message
                )
                page.headers["Retry-After"] = str(exc.retry_after)
                return page
            if user is None:
                words = WORDS[_lang(request)]
                return _page(request, "login.html.j2", 401, user=None, error=words["bad_login"])
            token = services.open_session(session, user, settings.session_max_age_seconds)
        response = RedirectResponse(f"/?lang={_lang(request)}", status_code=303)
        signed = request.app.state.signer.sign(token)
        set_login_cookies(response, settings, signed, user.email, device)
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
                parks=parks.list_parks(session, principal),
                all_organisations=principal.role in (Role.REGULATOR, Role.ADMIN),
                is_admin=principal.role is Role.ADMIN,
            )

    @web.get("/parks/{park_id}", response_model=None)
    def park_page(request: Request, park_id: PathId, year: YearQuery = None) -> Response:
        """The park's dashboard: its members (with their details where granted) and, for the
        year, the boundary balance and the zero-carbon evaluation with their charts."""
        with _session(request) as session:
            principal = _principal(request, session)
            if principal is None:
                return _to_login(request)
            found = parks.public(session, parks.park_for(session, principal, park_id, Action.READ))
            chosen = year if year is not None else (found.years[-1] if found.years else None)
            figures = None
            if chosen is not None:
                account, evaluation = parks.park_account(session, principal, park_id, chosen)
                zh = _lang(request) == "zh"
                figures = {
                    "location": _number(account.location_tco2e),
                    "market": _number(account.market_tco2e),
                    "naive": _number(account.naive_tco2e),
                    "energy": _number(account.energy_tce),
                    "indicators": [
                        {
                            "name": r.criterion.name_zh if zh else r.criterion.name_en,
                            "value": "—" if r.value is None else f"{r.value:,.3g}",
                            "limit": "—" if r.limit is None else f"{r.limit:g}",
                            "unit": r.criterion.unit,
                            "outcome": r.outcome,
                        }
                        for r in evaluation.results
                    ],
                }
            return _page(
                request,
                "park.html.j2",
                user=principal.email,
                park=found,
                year=chosen,
                readable={
                    m.organisation_id
                    for m in found.members
                    if allowed(principal, Action.READ, Area.ACCOUNTING, m.organisation_id)
                },
                figures=figures,
            )

    @web.get("/parks/{park_id}/years/{year}/report", response_model=None)
    def park_report_page(
        request: Request, park_id: PathId, year: Annotated[int, FastApiPath(ge=2000, le=2100)]
    ) -> Response:
        """The park's report with its charts (the same page as the API's)."""
        from dualcarbon.reports.park_report import render_park

        with _session(request) as session:
            principal = _principal(request, session)
            if principal is None:
                return _to_login(request)
            account, evaluation = parks.park_account(session, principal, park_id, year)
            return HTMLResponse(render_park(account, evaluation, lang=_lang(request)))

    @web.get("/factor-validation", response_model=None)
    def factor_validation_page(request: Request) -> Response:
        """The defaults against the platform's measured values (the API's report page)."""
        with _session(request) as session:
            principal = _principal(request, session)
            if principal is None:
                return _to_login(request)
            secret = request.app.state.settings.secret
            page = factor_validation.report_page(session, principal, secret, _lang(request))
            return HTMLResponse(page)

    @web.get("/overview", response_model=None)
    def overview_page(request: Request, year: YearQuery = None) -> Response:
        lang = _lang(request)
        with _session(request) as session:
            principal = _principal(request, session)
            if principal is None:
                return _to_login(request)
            found = overview(session, principal, year)
        # the measured values of every enterprise: those who read across the platform
        validation = allowed(principal, Action.READ, Area.ACCOUNTING, None)
        chart = organisations_chart(
            [(row.name, row.by_source) for row in found.organisations], lang
        )
        words = WORDS[lang]
        rows = [
            {
                "id": row.organisation_id,
                "name": row.name,
                "total": words["not_reported"]
                if row.total_tco2e is None
                else _number(row.total_tco2e),
                "default_share": "—"
                if row.default_carbon_share is None
                else f"{row.default_carbon_share:.1%}",
                "verification": words.get(row.verification or "", "—"),
                "verification_class": {"approved": "ok", "rejected": "bad"}.get(
                    row.verification or "", ""
                ),
                "attention": row.instruments_attention,
                "instruments": row.instruments,
                "evidence": row.evidence_entries,
                "last_lodged": "—" if row.last_lodged is None else f"{row.last_lodged:%Y-%m-%d}",
                "results": row.result_ids,
                "mismatch": bool(row.evidence_mismatch),
            }
            for row in found.organisations
        ]
        return _page(
            request,
            "overview.html.j2",
            user=principal.email,
            overview=found,
            validation=validation,
            total=_number(found.total_tco2e),
            by_source=[
                (source_label(source, lang), _number(value))
                for source, value in found.by_source.items()
            ],
            rows=rows,
            chart=None if chart is None else Markup(chart),  # SVG we drew ourselves
        )

    def _organisation_page(
        request: Request,
        session: Session,
        principal: Principal,
        organisation_id: int,
        problems: list[Any] | None = None,
        status: int = 200,
        findings: FindingsError | None = None,
    ) -> Response:
        lang = _lang(request)
        organisation = services.organisation_for(
            session, principal, organisation_id, Action.READ, Area.ORGANISATION
        )
        results: list[Any] = []
        chart = None
        by_source: list[tuple[str, str]] = []
        tiers: list[tuple[str, str]] = []
        intensity = None
        inventories: list[dict[str, Any]] = []
        if allowed(principal, Action.READ, Area.ACCOUNTING, organisation_id):
            summaries = services.organisation_results(session, principal, organisation_id)
            results = [
                {
                    "id": r.id,
                    "year": r.year,
                    "methodology": r.methodology,
                    "total": _number(r.total_tco2e),
                    "computed_at": f"{r.computed_at:%Y-%m-%d %H:%M}",
                    "evidence": r.evidence,
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
                trend = intensity_chart(
                    monthly_supply_intensity(
                        latest.lines, production_table(load_inventory(row.inventory))
                    ),
                    lang,
                )
                intensity = None if trend is None else Markup(trend)  # SVG we drew ourselves
            inventories = [
                {
                    "id": i.id,
                    "facility": i.facility,
                    "year": i.year,
                    "source": i.source,
                    "submitted_at": f"{i.submitted_at:%Y-%m-%d %H:%M}",
                    "corrects": i.corrects,
                    "corrected_by": i.corrected_by,
                    "result": i.result_ids[-1] if i.result_ids else None,
                    "sequence": next(
                        (e["sequence"] for e in i.evidence if e["log_id"] != "platform"), None
                    ),
                }
                for i in reversed(services.list_inventories(session, principal, organisation_id))
            ]
        footprints = None
        if allowed(principal, Action.READ, Area.ACCOUNTING, organisation_id):
            published = pact_repository.organisation_footprints(session, organisation_id)
            footprints = [
                {
                    "id": row.id,
                    "product": row.product_system_id,
                    "version": row.version,
                    "status": row.status,
                    "value": _footprint_value(row),
                    "created": f"{row.created_at:%Y-%m-%d %H:%M}",
                }
                for row in reversed(published)
            ]
        periods = None
        if allowed(principal, Action.READ, Area.PROJECTS, organisation_id):
            periods = [
                {
                    "id": p.id,
                    "project": f"{p.project} {p.name}",
                    "methodology": p.methodology,
                    "period": f"{p.period_start} – {p.period_end}",
                    "total": _number(p.total_tco2e),
                    "u": _number(p.expanded_u_tco2e),
                    "issued": ""
                    if p.issued_tco2e is None
                    else f"{_number(p.issued_tco2e)}（{p.issuance_notice}）",
                }
                for p in project_services.list_periods(session, principal, organisation_id)
            ]
        holdings = None
        if allowed(principal, Action.READ, Area.CERTIFICATES, organisation_id):
            holdings = certificate_services.holdings(session, principal, organisation_id)
        due = []
        can_instruments = allowed(principal, Action.READ, Area.INSTRUMENTS, organisation_id)
        register = load_register(session, organisation.name) if can_instruments else None
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
            findings=None if findings is None else _findings_view(findings, lang),
            can_upload=allowed(principal, Action.WRITE, Area.ACCOUNTING, organisation_id),
            can_see_results=allowed(principal, Action.READ, Area.ACCOUNTING, organisation_id),
            methodologies=_methodology_choices(_lang(request)),
            intensity=intensity,
            inventories=inventories,
            has_register=register is not None,
            can_register=allowed(principal, Action.WRITE, Area.INSTRUMENTS, organisation_id),
            register_done=_register_done(request),
            footprints=footprints,
            footprint_done=_footprint_done(request),
            periods=periods,
            can_claim=allowed(principal, Action.WRITE, Area.PROJECTS, organisation_id),
            project_done=_project_done(request),
            holdings=holdings,
            can_certify=allowed(principal, Action.WRITE, Area.CERTIFICATES, organisation_id),
            certificates_done=_certificates_done(request),
        )

    def _finding_row(finding: Finding, page_lang: str) -> dict[str, Any]:
        lang: Lang = "en" if page_lang == "en" else "zh"
        given = finding.accepted
        return {
            "severity": finding.severity.value,
            "label": finding.severity.label(lang),
            "code": finding.code,
            "accept": f"{finding.code}:{finding.key}",
            "can_accept": finding.severity is Severity.WARNING and given is None,
            "where": finding.where(lang),
            "rule": finding.rule_zh if lang == "zh" else finding.rule_en,
            "basis": finding.basis,
            "accepted": "" if given is None else given.describe(lang),
        }

    def _findings_view(error: FindingsError, page_lang: str) -> list[dict[str, Any]]:
        """The refused upload's findings, open ones first; a warning gets a checkbox."""
        lang: Lang = "en" if page_lang == "en" else "zh"
        shown = sorted(error.findings, key=lambda f: (not f.open, f.severity != "error"))
        return [_finding_row(f, lang) for f in shown] + [
            {
                "severity": "error",
                "label": Severity.ERROR.label(lang),
                "code": a.code,
                "accept": "",
                "can_accept": False,
                "where": "",
                "rule": WORDS[lang]["accept_unused"].format(
                    spec=f"{a.code}:{a.key}" if a.key else a.code
                ),
                "basis": "",
                "accepted": "",
            }
            for a in error.unused
        ]

    def _footprint_done(request: Request) -> str | None:
        published = request.query_params.get("published", "")
        if not published:
            return None
        return WORDS[_lang(request)]["footprint_done"].format(id=published)

    def _certificates_done(request: Request) -> str | None:
        count = request.query_params.get("certificates", "")
        if not count.isdigit():
            return None
        return WORDS[_lang(request)]["certificates_done"].format(count=int(count))

    def _project_done(request: Request) -> str | None:
        claimed = request.query_params.get("claimed", "")
        if not claimed.isdigit():
            return None
        return WORDS[_lang(request)]["project_done"].format(id=claimed)

    def _register_done(request: Request) -> str | None:
        """The notice after a register import (its counts come back in the query string)."""
        counts = {k: request.query_params.get(k, "") for k in ("added", "updated", "records")}
        if not all(v.isdigit() for v in counts.values()):
            return None
        return WORDS[_lang(request)]["register_done"].format(**counts)

    @web.get("/organisations/{organisation_id}/template", response_model=None)
    def inventory_template(
        request: Request, organisation_id: PathId, methodology: str = "cn-mee-power-2022"
    ) -> Response:
        """The inventory workbook of a methodology with the organisation's name already in its
        header, so that the upload is accepted for this organisation as it comes back."""
        import io
        from urllib.parse import quote

        from dualcarbon.io.excel import write_template
        from dualcarbon.methodologies.definition import resolve_methodology

        with _session(request) as session:
            principal = _principal(request, session)
            if principal is None:
                return _to_login(request)
            organisation = services.organisation_for(
                session, principal, organisation_id, Action.WRITE, Area.ACCOUNTING
            )
            chosen = resolve_methodology(methodology)
            buffer = io.BytesIO()
            write_template(chosen, buffer, lang=_lang(request), organisation=organisation.name)
        name = f"{organisation.name}-{chosen.id}.xlsx"
        return Response(
            buffer.getvalue(),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={
                "Content-Disposition": f'attachment; filename="inventory.xlsx"; '
                f"filename*=UTF-8''{quote(name)}"
            },
        )

    @web.get("/organisations/{organisation_id}/footprint-example.yaml", response_model=None)
    def footprint_example(request: Request, organisation_id: PathId) -> Response:
        """A publication to start from: the demo PV module's product system under this
        organisation's name, with example identifiers to replace (docs/footprint.md)."""
        from dualcarbon.demo.platform import footprint_publication_example

        with _session(request) as session:
            principal = _principal(request, session)
            if principal is None:
                return _to_login(request)
            organisation = services.organisation_for(
                session, principal, organisation_id, Action.WRITE, Area.ACCOUNTING
            )
        return Response(
            footprint_publication_example(organisation.name),
            media_type="application/yaml; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="footprint-example.yaml"'},
        )

    @web.get("/organisations/{organisation_id}", response_model=None)
    def organisation_page(request: Request, organisation_id: PathId) -> Response:
        with _session(request) as session:
            principal = _principal(request, session)
            if principal is None:
                return _to_login(request)
            return _organisation_page(request, session, principal, organisation_id)

    async def _posted_file(request: Request) -> tuple[Received | None, InputError | None, int]:
        """The form's file, received within the upload limit while it streams in (413 past it),
        or the problem to show on the organisation page."""
        limit = request.app.state.settings.max_upload_bytes
        try:
            return await received_file(request, limit), None, 200
        except services.PayloadTooLargeError:
            return None, InputError([InputProblem("upload", "larger than the upload limit")]), 413
        except (InputError, services.UnsupportedMediaTypeError):
            problem = InputProblem("upload", "choose a file", field="file")
            return None, InputError([problem]), UNPROCESSABLE

    def _acceptances(principal: Principal, received: Received) -> list[Acceptance]:
        """The warnings ticked on the upload form, with the reason typed beside them."""
        reasons = received.fields.get("accept_reason") or [""]
        return services.acceptances(principal, received.fields.get("accept", []), reasons[0])

    async def _submit(
        request: Request,
        organisation_id: int,
        store: Callable[[Session, Principal, Received], str | Response],
    ) -> Response:
        """Receive the posted file and store it with ``store`` (which answers the page to go
        to, or a download); any problem is shown on the organisation page, and nothing is
        stored."""
        received, refused, status = await _posted_file(request)
        with _session(request) as session:
            principal = _principal(request, session)
            if principal is None:
                return _to_login(request)
            services.end_reads(session)  # reading and accounting the file holds no transaction
            try:
                if refused is not None:
                    raise refused
                assert received is not None
                target = await run_in_threadpool(store, session, principal, received)
            except InputError as exc:
                session.rollback()
                return _organisation_page(
                    request,
                    session,
                    principal,
                    organisation_id,
                    list(exc.problems),
                    status if refused is not None else UNPROCESSABLE,
                )
            except FindingsError as exc:
                session.rollback()
                return _organisation_page(
                    request, session, principal, organisation_id, None, UNPROCESSABLE, exc
                )
            except ClaimRefusedError as exc:
                session.rollback()
                said = exc.message_zh if _lang(request) == "zh" else exc.message_en
                problem = InputProblem(received.filename or "upload" if received else "", said)
                return _organisation_page(
                    request, session, principal, organisation_id, [problem], CONFLICT
                )
            except (services.ConflictError, StoreError) as exc:
                session.rollback()
                problem = InputProblem(received.filename or "upload" if received else "", str(exc))
                return _organisation_page(
                    request, session, principal, organisation_id, [problem], CONFLICT
                )
        if isinstance(target, Response):
            return target
        return RedirectResponse(f"{target}lang={_lang(request)}", status_code=303)

    @web.post("/organisations/{organisation_id}/upload", response_model=None)
    async def upload(request: Request, organisation_id: PathId) -> Response:
        """Import the posted inventory; its problems, or its size over the limit (413), are
        shown on the organisation page.

        The form is parsed through :func:`~dualcarbon.api.uploads.received_file`, not by FastAPI
        from an ``UploadFile`` parameter: FastAPI would receive the whole body, spooling the file
        to disk, before the limit could apply, and a chunked body (no Content-Length) could be
        of any size.
        """

        def store(session: Session, principal: Principal, received: Received) -> str:
            given = _acceptances(principal, received)
            inventory = services.inventory_from_upload(received.filename, received.content)
            outcome = services.import_inventory(
                session, principal, organisation_id, inventory, request.app.state.ledger, given
            )
            return f"/results/{outcome.result.id}?"

        return await _submit(request, organisation_id, store)

    @web.post("/organisations/{organisation_id}/inventories/{inventory_id}/correct")
    async def correct(request: Request, organisation_id: PathId, inventory_id: PathId) -> Response:
        """Submit a corrected inventory for a stored one (the API's corrections route)."""

        def store(session: Session, principal: Principal, received: Received) -> str:
            given = _acceptances(principal, received)
            inventory = services.inventory_from_upload(received.filename, received.content)
            outcome = services.correct_inventory(
                session,
                principal,
                organisation_id,
                inventory_id,
                inventory,
                request.app.state.ledger,
                given,
            )
            return f"/results/{outcome.result.id}?"

        return await _submit(request, organisation_id, store)

    @web.post("/organisations/{organisation_id}/register")
    async def register_upload(request: Request, organisation_id: PathId) -> Response:
        """Import the organisation's instrument register; back to its page with what changed."""

        def store(session: Session, principal: Principal, received: Received) -> str:
            register = registers.register_from_upload(received.filename, received.content)
            done = registers.import_register(
                session, principal, organisation_id, register, request.app.state.ledger
            )
            counts = urlencode(
                {
                    "added": done.instruments_added,
                    "updated": done.instruments_updated,
                    "records": done.calibrations_added,
                }
            )
            return f"/organisations/{organisation_id}?{counts}&"

        return await _submit(request, organisation_id, store)

    @web.post("/organisations/{organisation_id}/footprints")
    async def footprint_upload(
        request: Request, organisation_id: PathId, background: BackgroundTasks
    ) -> Response:
        """Compute and publish a product footprint (the API's publish route); back to the
        organisation page with its id."""

        def store(session: Session, principal: Principal, received: Received) -> str:
            services.writable_organisation(session, principal, organisation_id)
            published = publish_submission(
                session, organisation_id, received.filename, received.content
            )
            announce(request, session, background, organisation_id, [published.id])
            return f"/organisations/{organisation_id}?published={published.id}&"

        return await _submit(request, organisation_id, store)

    @web.post("/organisations/{organisation_id}/projects")
    async def project_upload(request: Request, organisation_id: PathId) -> Response:
        """Account and claim the posted monitoring period (the API's claim route); back to the
        organisation page with its id."""

        def store(session: Session, principal: Principal, received: Received) -> str:
            given = _acceptances(principal, received)
            inventory = project_services.project_from_upload(received.filename, received.content)
            outcome = project_services.claim_upload(
                session, principal, organisation_id, inventory, request.app.state.ledger, given
            )
            return f"/organisations/{organisation_id}?claimed={outcome.period.id}&"

        return await _submit(request, organisation_id, store)

    @web.post("/organisations/{organisation_id}/certificates")
    async def certificates_upload(request: Request, organisation_id: PathId) -> Response:
        """Record the posted certificate batches (the API's import route); back to the
        organisation page with how many were recorded."""

        def store(session: Session, principal: Principal, received: Received) -> str:
            outcome = certificate_services.import_upload(
                session,
                principal,
                organisation_id,
                received.filename,
                received.content,
                request.app.state.ledger,
            )
            return f"/organisations/{organisation_id}?certificates={outcome.certificates}&"

        return await _submit(request, organisation_id, store)

    @web.post("/organisations/{organisation_id}/cbam", response_model=None)
    async def cbam_export(request: Request, organisation_id: PathId) -> Response:
        """The CBAM communication of the posted declaration, from the organisation's stored
        results, as the Commission's template filled in (a download); problems are shown on
        the organisation page."""

        def store(session: Session, principal: Principal, received: Received) -> Response:
            record = cbam_services.cbam_communication(
                session, principal, organisation_id, received.filename, received.content
            )
            return Response(
                cbam_services.communication_workbook(record),
                media_type=cbam_services.XLSX,
                headers={"Content-Disposition": 'attachment; filename="cbam-communication.xlsx"'},
            )

        return await _submit(request, organisation_id, store)

    @web.get("/projects/periods/{period_id}", response_model=None)
    def period_page(request: Request, period_id: PathId) -> Response:
        """A claimed monitoring period's report, as claimed."""
        with _session(request) as session:
            principal = _principal(request, session)
            if principal is None:
                return _to_login(request)
            page = project_services.period_report(session, principal, period_id, _lang(request))
        return HTMLResponse(page)

    @web.get("/footprints/{footprint_id}", response_model=None)
    def footprint_page(request: Request, footprint_id: str) -> Response:
        """The GB/T 24067 study report of a published footprint, recomputed from the product
        system stored with it (with its Monte Carlo interval, 1,000 draws, seed 0)."""
        with _session(request) as session:
            principal = _principal(request, session)
            if principal is None:
                return _to_login(request)
            row = session.get(StoredProductFootprint, footprint_id)
            if row is None:
                raise NotFoundError("footprint", footprint_id)
            services.organisation_for(
                session, principal, row.organisation_id, Action.READ, Area.ACCOUNTING
            )
            system = validate_product_system(safe_load(row.system_yaml), source=row.id)
        result = compute_footprint(system)
        page = render_footprint_report(
            result, lang=_lang(request), monte_carlo=footprint_monte_carlo(result.matrices)
        )
        return HTMLResponse(page)

    @web.get("/results/{result_id}", response_model=None)
    def result_page(request: Request, result_id: PathId) -> Response:
        with _session(request) as session:
            principal = _principal(request, session)
            if principal is None:
                return _to_login(request)
            return _result_page(request, session, principal, result_id)

    def _result_page(
        request: Request,
        session: Session,
        principal: Principal,
        result_id: int,
        problems: list[InputProblem] | None = None,
        status: int = 200,
    ) -> Response:
        """The result page; ``problems`` a refused checklist or sign-off form, shown on top."""
        document = services.result_document(session, principal, result_id)
        organisation_id = document["organisation_id"]
        meta = document["meta"]
        row = get_result(session, result_id)
        assert row is not None
        loaded = load_result(row)
        lines = loaded.lines
        flag = "instrument_flag_zh" if _lang(request) == "zh" else "instrument_flag_en"
        committed = commitments.of_results(session, [row])[row.id]
        stored_signoffs = services.list_signoffs(session, principal, result_id)
        signed = commitments.of_signoffs(session, organisation_id, stored_signoffs)
        state = checklist.checklist_state(session, principal, result_id, loaded=loaded)
        ranking = services.result_improvements(session, principal, result_id)
        zh = _lang(request) == "zh"
        return _page(
            request,
            "result.html.j2",
            status,
            user=principal.email,
            problems=problems or [],
            checklist=checklist_public(state),
            can_answer=allowed(principal, Action.WRITE, Area.ACCOUNTING, organisation_id),
            result_id=result_id,
            organisation_id=organisation_id,
            instruments=sorted(lines["instrument"].drop_nulls().unique().to_list()),
            flagged=lines[flag].drop_nulls().to_list(),
            improvements=[
                (i.action_zh if zh else i.action_en, _number(i.U_after), _number(i.U_reduction))
                for i in ranking.by_uncertainty[:IMPROVEMENTS_SHOWN]
            ],
            improvements_other=[
                (i.action_zh if zh else i.action_en, _number(i.emission_difference), "emissions")
                for i in ranking.by_emissions
            ]
            + [
                (i.action_zh if zh else i.action_en, _number(i.tier_restored), "restored")
                for i in ranking.calibrations
            ],
            title=f"{meta['organisation']} {meta['facility']} {meta['year']}",
            total=_number(committed.value("total_tco2e", document["total_tco2e"])),
            evidence_state=committed.state,
            spread=_number(document["uncertainty"]["U"]),
            k=f"{document['uncertainty']['k']:.2f}",
            methodology=meta["methodology"],
            findings=[
                _finding_row(Finding.from_json(f), _lang(request))
                for f in document.get("findings", [])
            ],
            evidence=evidence_of_inventory(session, row.inventory_id),
            comments=services.list_comments(session, principal, result_id),
            signoffs=[
                {
                    "decision": signed[s.id].value("decision", s.decision),
                    "stored": s.decision,
                    "note": signed[s.id].value("note", s.note),
                    "created_at": f"{s.created_at:%Y-%m-%d %H:%M} UTC",
                    "evidence": signed[s.id].state,
                }
                for s in stored_signoffs
            ],
            can_comment=allowed(principal, Action.COMMENT, Area.ACCOUNTING, organisation_id),
            can_sign=allowed(principal, Action.SIGN_OFF, Area.ACCOUNTING, organisation_id),
        )

    @web.get("/organisations/{organisation_id}/instruments/{code}", response_model=None)
    def instrument_page(request: Request, organisation_id: PathId, code: str) -> Response:
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
    def report_page(request: Request, result_id: PathId) -> Response:
        with _session(request) as session:
            principal = _principal(request, session)
            if principal is None:
                return _to_login(request)
            return HTMLResponse(
                services.result_report(session, principal, result_id, _lang(request))
            )

    @web.post("/results/{result_id}/comments", response_model=None)
    def comment(
        request: Request,
        result_id: PathId,
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
        result_id: PathId,
        decision: Annotated[str, Form()],
        note: Annotated[str, Form()] = "",
    ) -> Response:
        body = SignOffCreate.model_validate({"decision": decision, "note": note})
        return _verifying(
            request,
            result_id,
            lambda s, p: services.sign_off(s, p, result_id, body, request.app.state.ledger),
        )

    def _verifying(
        request: Request, result_id: int, act: Callable[[Session, Principal], object]
    ) -> Response:
        """Do one step of the verification, then back to the result page; a refused step shows
        the page again with why (422: incomplete, 409: the checklist is approved)."""
        with _session(request) as session:
            principal = _principal(request, session)
            if principal is None:
                return _to_login(request)
            try:
                act(session, principal)
            except InputError as exc:
                session.rollback()
                return _result_page(
                    request, session, principal, result_id, list(exc.problems), UNPROCESSABLE
                )
            except services.ConflictError as exc:
                session.rollback()
                problem = InputProblem("checklist", str(exc))
                return _result_page(request, session, principal, result_id, [problem], CONFLICT)
        return RedirectResponse(
            f"/results/{result_id}?lang={_lang(request)}#checklist", status_code=303
        )

    @web.post("/results/{result_id}/checklist/{item}", response_model=None)
    def checklist_answer(
        request: Request,
        result_id: PathId,
        item: str,
        outcome: Annotated[str, Form(max_length=20)],
        note: Annotated[str, Form(max_length=5000)] = "",
    ) -> Response:
        return _verifying(
            request,
            result_id,
            lambda s, p: checklist.answer_item(s, p, result_id, item[:60], outcome, note),
        )

    @web.post("/results/{result_id}/nonconformities", response_model=None)
    def nonconformity_raise(
        request: Request,
        result_id: PathId,
        item: Annotated[str, Form(max_length=60)],
        description: Annotated[str, Form(max_length=5000)],
    ) -> Response:
        return _verifying(
            request,
            result_id,
            lambda s, p: checklist.raise_finding(s, p, result_id, item, description),
        )

    @web.post("/results/{result_id}/nonconformities/{finding_id}/answer", response_model=None)
    def nonconformity_answer(
        request: Request,
        result_id: PathId,
        finding_id: PathId,
        corrective_action: Annotated[str, Form(max_length=5000)],
    ) -> Response:
        return _verifying(
            request,
            result_id,
            lambda s, p: checklist.answer_finding(s, p, result_id, finding_id, corrective_action),
        )

    @web.post("/results/{result_id}/nonconformities/{finding_id}/close", response_model=None)
    def nonconformity_close(
        request: Request,
        result_id: PathId,
        finding_id: PathId,
        note: Annotated[str, Form(max_length=5000)] = "",
    ) -> Response:
        return _verifying(
            request,
            result_id,
            lambda s, p: checklist.close_finding(s, p, result_id, finding_id, note),
        )

    @web.post("/results/{result_id}/checklist-cems", response_model=None)
    async def checklist_cems(request: Request, result_id: PathId) -> Response:
        """Attach CEMS monthly CO2 for the comparison (the checklist's CEMS item)."""
        with _session(request) as session:  # who is asking, before the body is read
            principal = _principal(request, session)
            if principal is None:
                return _to_login(request)
            await run_in_threadpool(checklist.may_attach_cems, session, principal, result_id)
        received, refused, status = await _posted_file(request)
        if refused is not None or received is None:
            with _session(request) as session:
                principal = _principal(request, session)
                if principal is None:
                    return _to_login(request)
                problems = [] if refused is None else list(refused.problems)
                return _result_page(request, session, principal, result_id, problems, status)
        content, name = received.content, received.filename or ""
        return await run_in_threadpool(
            _verifying,
            request,
            result_id,
            lambda s, p: checklist.attach_cems(s, p, result_id, name, content),
        )

    @web.get("/results/{result_id}/verification-report", response_model=None)
    def verification_report_page(request: Request, result_id: PathId) -> Response:
        from dualcarbon.reports.verification_report import render_verification_report

        with _session(request) as session:
            principal = _principal(request, session)
            if principal is None:
                return _to_login(request)
            state = checklist.checklist_state(session, principal, result_id)
            return HTMLResponse(render_verification_report(state, lang=_lang(request)))

    @web.exception_handler(ValidationError)
    async def invalid_form(request: Request, exc: Exception) -> HTMLResponse:
        assert isinstance(exc, ValidationError)
        said = "; ".join(  # what is wrong, never the value sent (docs/api.md, limits)
            f"{'.'.join(map(str, error['loc']))}: {error['msg']}"
            for error in exc.errors(include_url=False, include_input=False)
        )
        return HTMLResponse(f"<h1>422</h1><p>{Markup.escape(said)}</p>", UNPROCESSABLE)

    @web.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: Exception) -> HTMLResponse:
        """An id out of range, a missing form field: 422 naming the fields, never echoing
        what was sent."""
        assert isinstance(exc, RequestValidationError)
        fields = sorted({".".join(str(p) for p in e.get("loc", ())) for e in exc.errors()})
        text = Markup.escape(", ".join(fields))
        return HTMLResponse(f"<h1>422</h1><p>invalid: {text}</p>", UNPROCESSABLE)

    @web.exception_handler(DualcarbonError)
    async def not_found(request: Request, exc: Exception) -> HTMLResponse:
        status = 403 if isinstance(exc, PermissionError) else 404
        return HTMLResponse(f"<h1>{status}</h1><p>{Markup.escape(str(exc))}</p>", status)

    return web
