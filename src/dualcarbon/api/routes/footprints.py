"""Product footprints of an organisation, published for PACT v3 exchange (docs/pact.md), and the
PACT clients (partner systems) allowed to read them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Self

import yaml
from fastapi import APIRouter, BackgroundTasks, Request, status
from fastapi import Path as FastAPIPath
from pydantic import BaseModel, Field, ValidationError, model_validator
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from dualcarbon.api import services
from dualcarbon.api.deps import CurrentUser, PasswordsDep, PathId, SessionDep, SettingsDep
from dualcarbon.api.schemas import ErrorBody, RequestBody
from dualcarbon.api.scope import Action, Area
from dualcarbon.api.settings import Settings
from dualcarbon.api.uploads import UPLOAD_RESPONSES, received_file, upload_body
from dualcarbon.errors import InputError, InputProblem
from dualcarbon.footprint.model import ProductSystem, validate_product_system
from dualcarbon.guards.safe_yaml import safe_load
from dualcarbon.guards.yaml_file import read_yaml_mapping
from dualcarbon.io.gate_to_gate import Loader, period_year, resolve_gate_to_gate
from dualcarbon.io.product_yaml import dump_product_system, resolve_background
from dualcarbon.pact import outbox, repository
from dualcarbon.pact.events import published_event
from dualcarbon.pact.follow import platform_loader
from dualcarbon.pact.mapping import PactMappingError
from dualcarbon.pact.outbound import TargetRefusedError, check_url
from dualcarbon.pact.publication import Publication
from dualcarbon.store.models import PactClient, StoredProductFootprint

router = APIRouter(tags=["footprints"])

YAML_SUFFIXES = (".yaml", ".yml")


class FootprintPublic(BaseModel):
    id: str = Field(description="the PACT ProductFootprint id (UUID)")
    organisation_id: int
    product_system_id: str
    version: int
    status: str
    created_at: dt.datetime
    deprecated_at: dt.datetime | None
    pcf_excluding_biogenic_kgco2e: float
    document: dict[str, Any] = Field(description="the PACT v3 ProductFootprint as served")


class PactEventEndpoint(RequestBody):
    """Where a client's answers go, and our credentials at the partner (all three or none)."""

    event_url: str | None = Field(
        default=None,
        max_length=500,
        pattern=r"^https://",
        description="the partner's /3/events endpoint, where answers to its requests go",
    )
    event_auth_url: str | None = Field(
        default=None,
        max_length=500,
        pattern=r"^https://",
        description="the partner's /auth/token, where we get a token to POST events with",
    )
    event_client_id: str | None = Field(default=None, min_length=1, max_length=200)
    event_client_secret: str | None = Field(
        default=None, min_length=1, description="kept sealed with the server's secret key"
    )

    @model_validator(mode="after")
    def _all_or_none(self) -> Self:
        given = [self.event_auth_url, self.event_client_id, self.event_client_secret]
        if any(v is not None for v in given) and not all(v is not None for v in given):
            raise ValueError("give event_auth_url, event_client_id and event_client_secret")
        if self.event_auth_url is not None and self.event_url is None:
            raise ValueError("event_auth_url without event_url")
        return self

    def partner(self) -> repository.PartnerAuth | None:
        if self.event_auth_url and self.event_client_id and self.event_client_secret:
            return repository.PartnerAuth(
                self.event_auth_url, self.event_client_id, self.event_client_secret
            )
        return None

    def check_targets(self, settings: Settings) -> None:
        """Refuse (422) an endpoint the server would not connect to (decision 0012: https,
        public addresses only unless the administrator allows private ones)."""
        problems = []
        for field in ("event_url", "event_auth_url"):
            url = getattr(self, field)
            if url is None:
                continue
            try:
                check_url(url, allow_private=settings.pact_allow_private_event_urls)
            except TargetRefusedError as exc:
                problems.append(InputProblem(services.REQUEST, str(exc), field=field))
        if problems:
            raise InputError(problems)


class PactEventEndpointChange(PactEventEndpoint):
    """A new event endpoint for an existing client: ``event_url`` given explicitly (``null``
    removes it, and with it the partner credentials)."""

    event_url: str | None = Field(
        max_length=500,
        pattern=r"^https://",
        description="the partner's /3/events endpoint, or null for none",
    )


class PactClientCreate(PactEventEndpoint):
    name: str = Field(min_length=1, max_length=200)


class PactClientPublic(BaseModel):
    id: int
    client_id: str
    name: str
    organisation_id: int
    event_url: str | None
    event_auth_url: str | None
    active: bool


def _client_public(client: PactClient) -> PactClientPublic:
    return PactClientPublic(
        id=client.id,
        client_id=client.client_id,
        name=client.name,
        organisation_id=client.organisation_id,
        event_url=client.event_url,
        event_auth_url=client.event_auth_url,
        active=client.active,
    )


class PactClientCreated(BaseModel):
    id: int
    client_id: str
    client_secret: str = Field(description="shown once; only its Argon2id hash is stored")
    name: str
    organisation_id: int
    event_url: str | None


def _public(row: StoredProductFootprint) -> FootprintPublic:
    return FootprintPublic(
        id=row.id,
        organisation_id=row.organisation_id,
        product_system_id=row.product_system_id,
        version=row.version,
        status=row.status,
        created_at=row.created_at,
        deprecated_at=row.deprecated_at,
        pcf_excluding_biogenic_kgco2e=row.pcf_excluding_biogenic,
        document=repository.served(row),
    )


def _request_problem(rule: str, field: str | None = None) -> InputError:
    return InputError([InputProblem(services.REQUEST, rule, field=field)])


def read_submission(
    filename: str | None, content: bytes, load: Callable[[int], Loader] | None = None
) -> tuple[ProductSystem, Publication]:
    """``{publication: {...}, product_system: {...} | "<YAML text>"}`` from a JSON body or an
    uploaded YAML file; every problem as an InputError. ``load`` gives, for the system's year,
    the reader of the inventory a ``gate_to_gate`` names (:func:`~dualcarbon.pact.follow.
    platform_loader`)."""
    if filename is None:
        raw = services.json_object(content)
        name = services.REQUEST
    else:
        raw = services.read_upload(
            filename, content, YAML_SUFFIXES, lambda path: read_yaml_mapping(path)
        )
        name = filename
    system_raw = raw.get("product_system")
    if isinstance(system_raw, str):
        try:
            system_raw = safe_load(system_raw)
        except yaml.YAMLError as exc:
            raise _request_problem(f"product_system is not valid YAML: {exc}") from None
    if not isinstance(system_raw, dict):
        raise _request_problem(
            "give product_system: the product system (YAML format)", "product_system"
        )
    publication_raw = raw.get("publication")
    if not isinstance(publication_raw, dict):
        raise _request_problem("give publication: the facts to publish", "publication")
    try:
        publication = Publication.model_validate(publication_raw)
    except ValidationError as exc:
        raise InputError(
            [
                InputProblem(
                    name,
                    str(error["msg"]),
                    sheet="publication",
                    field=".".join(str(p) for p in error["loc"]),
                )
                for error in exc.errors()
            ]
        ) from None
    resolved = resolve_background(system_raw, source=name)
    if "gate_to_gate" in resolved:
        year = period_year(resolved)
        resolved = resolve_gate_to_gate(
            resolved, source=name, load=None if load is None or year is None else load(year)
        )
    system = validate_product_system(resolved, source=name)
    return system, publication


def publish_submission(
    session: Session, organisation_id: int, filename: str | None, content: bytes
) -> FootprintPublic:
    """Read a submission, compute its footprint and store it as a new published version
    (committed); every problem as one InputError, nothing stored then."""
    system, publication = read_submission(
        filename, content, lambda year: platform_loader(session, organisation_id, year)
    )
    try:
        row = repository.publish(
            session, organisation_id, system, dump_product_system(system), publication
        )
    except PactMappingError as exc:
        raise InputError(
            [InputProblem(filename or services.REQUEST, exc.reason, field=exc.field)]
        ) from None
    session.commit()
    return _public(row)


def announce(
    request: Request,
    session: Session,
    background: BackgroundTasks,
    organisation_id: int,
    footprint_ids: list[str],
) -> None:
    """Tell the organisation's PACT clients that footprints were published: a PublishedEvent
    each, owed in the store (committed) and tried after the response, then again with back-off
    until delivered (:mod:`dualcarbon.pact.outbox`)."""
    clients = repository.clients_to_notify(session, organisation_id)
    if not clients:
        return
    pact = request.app.state.pact
    base = pact.state.public_url or str(request.base_url).rstrip("/")
    event = published_event(base + "/3/events", footprint_ids)
    owed = outbox.enqueue(session, clients, event)
    session.commit()
    for delivery_id in owed:
        background.add_task(
            outbox.attempt,
            pact.state.engine,
            delivery_id,
            secret_key=pact.state.secret,
            policy=pact.state.outbound,
        )


@router.get("/organisations/{organisation_id}/footprints")
def list_footprints(
    organisation_id: PathId, principal: CurrentUser, session: SessionDep
) -> list[FootprintPublic]:
    """Every published footprint version of the organisation, oldest first."""
    services.organisation_for(session, principal, organisation_id, Action.READ, Area.ACCOUNTING)
    return [_public(row) for row in repository.organisation_footprints(session, organisation_id)]


@router.post(
    "/organisations/{organisation_id}/footprints",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=upload_body(
        "a YAML file {publication: {...}, product_system: {...}}",
        "{publication: {company_name, company_ids, product_ids, …}, "
        "product_system: the product system as its YAML format holds it (or its YAML text)}",
    ),
    responses={**UPLOAD_RESPONSES},
)
async def publish_footprint(
    organisation_id: PathId,
    request: Request,
    principal: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    background: BackgroundTasks,
) -> FootprintPublic:
    """Compute a product system's footprint and publish it as a PACT v3 ProductFootprint: a new
    immutable version; earlier versions of the same product system become Deprecated. Clients
    with an event endpoint are sent a PublishedEvent afterwards."""
    await run_in_threadpool(services.writable_organisation, session, principal, organisation_id)
    body = await received_file(request, settings.max_upload_bytes)
    published = await run_in_threadpool(
        publish_submission, session, organisation_id, body.filename, body.content
    )
    await run_in_threadpool(announce, request, session, background, organisation_id, [published.id])
    return published


@router.post(
    "/organisations/{organisation_id}/pact-clients",
    status_code=status.HTTP_201_CREATED,
    responses={422: {"model": ErrorBody}},
)
def create_pact_client(
    organisation_id: PathId,
    body: PactClientCreate,
    principal: CurrentUser,
    session: SessionDep,
    passwords: PasswordsDep,
    settings: SettingsDep,
) -> PactClientCreated:
    """A PACT client (a partner system) that may read this organisation's footprints through
    /3/footprints; the secret is answered once."""
    services.organisation_for(session, principal, organisation_id, Action.WRITE, Area.ACCOUNTING)
    body.check_targets(settings)
    created = repository.create_client(
        session,
        passwords,
        organisation_id,
        body.name,
        body.event_url,
        partner=body.partner(),
        secret_key=settings.secret,
    )
    session.commit()
    return PactClientCreated(
        id=created.id,
        client_id=created.client_id,
        client_secret=created.client_secret,
        name=body.name,
        organisation_id=organisation_id,
        event_url=body.event_url,
    )


@router.get("/organisations/{organisation_id}/pact-clients")
def list_pact_clients(
    organisation_id: PathId, principal: CurrentUser, session: SessionDep
) -> list[PactClientPublic]:
    """The organisation's PACT clients (never their secrets)."""
    services.organisation_for(session, principal, organisation_id, Action.WRITE, Area.ACCOUNTING)
    return [_client_public(c) for c in repository.organisation_clients(session, organisation_id)]


@router.put(
    "/organisations/{organisation_id}/pact-clients/{client_id}/event-endpoint",
    responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)
def set_pact_client_event_endpoint(
    organisation_id: PathId,
    client_id: Annotated[str, FastAPIPath(max_length=100)],
    body: PactEventEndpointChange,
    principal: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
) -> PactClientPublic:
    """Set (or, with ``event_url: null``, remove) where the client's requests are answered and
    the credentials we use at the partner; the URLs are checked as at creation."""
    services.organisation_for(session, principal, organisation_id, Action.WRITE, Area.ACCOUNTING)
    client = repository.organisation_client(session, organisation_id, client_id)
    body.check_targets(settings)
    repository.set_event_endpoint(
        client, body.event_url, partner=body.partner(), secret_key=settings.secret
    )
    session.commit()
    return _client_public(client)
