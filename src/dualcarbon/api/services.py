"""What the API does, as plain functions over a session: accounts, scope-checked reads, imports.

Routes call these and only shape the answers. Every function that reads or changes an
organisation's data takes the :class:`~dualcarbon.api.scope.Principal` and asks
:func:`~dualcarbon.api.scope.require` first; writes commit here, so a route never leaves half of
an import behind (a failure rolls the whole request back).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path, PurePath
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer, selectinload

from dualcarbon.accounting.engine import account
from dualcarbon.accounting.findings import Acceptance
from dualcarbon.accounting.improvements import ImprovementRanking, rank_improvements
from dualcarbon.accounting.inventory import Inventory
from dualcarbon.accounting.result import AccountingResult
from dualcarbon.accounting.uncertainty import AccountingUncertainty, account_uncertainty
from dualcarbon.api import audit
from dualcarbon.api.schemas import (
    CommentCreate,
    FacilityCreate,
    FacilityPublic,
    FactorPublic,
    ImportOutcome,
    InventoryPublic,
    MethodologySummary,
    ResultSummary,
    SignOffCreate,
    UserCreate,
    UserPublic,
)
from dualcarbon.api.scope import (
    Action,
    Area,
    Principal,
    Role,
    allowed,
    readable_organisations,
    require,
)
from dualcarbon.errors import DualcarbonError, InputError, InputProblem, NotFoundError
from dualcarbon.factors import default_catalogue
from dualcarbon.guards.yaml_file import refuse_nul
from dualcarbon.io import read_inventory
from dualcarbon.io.yaml_inventory import inventory_from_mapping
from dualcarbon.ledger import commitments
from dualcarbon.ledger.commitments import Commitment
from dualcarbon.ledger.lodging import (
    evidence_of_inventory,
    lodge_inventory,
    lodge_results,
    lodge_signoff,
    organisation_log,
)
from dualcarbon.ledger.signing import Signer
from dualcarbon.methodologies.definition import all_methodologies
from dualcarbon.pact.follow import follow_inventory
from dualcarbon.security import (
    Passwords,
    new_api_key,
    new_session_token,
    sha256,
)
from dualcarbon.store.models import (
    ApiKey,
    EvidenceEntry,
    Facility,
    Organisation,
    ResultComment,
    ResultSignOff,
    StoredInventory,
    StoredResult,
    User,
    UserOrganisation,
    WebSession,
    utcnow,
)
from dualcarbon.store.repository import (
    get_result,
    list_results_of_organisation,
    load_register,
    load_result,
    prepare_result,
    result_payload,
    save_inventory,
    save_result,
    stored_inventory,
    sync_factors,
)

REQUEST = "request"
"""The ``file`` of problems found in a request body rather than in an uploaded file."""

UPLOAD_SUFFIXES = (".xlsx", ".yaml", ".yml")


class ConflictError(DualcarbonError, ValueError):
    """The request clashes with what is stored (HTTP 409)."""


class PayloadTooLargeError(DualcarbonError, ValueError):
    """An upload over the configured limit (HTTP 413)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"upload larger than {limit} bytes")


class UnsupportedMediaTypeError(DualcarbonError, ValueError):
    """A body in a media type the route does not read (HTTP 415)."""


# -- accounts ------------------------------------------------------------------------------------


def principal_of(user: User) -> Principal:
    return Principal(
        user_id=user.id,
        email=user.email,
        role=Role(user.role),
        organisation_id=user.organisation_id,
        assigned=frozenset(o.id for o in user.assigned),
    )


def user_public(user: User) -> UserPublic:
    return UserPublic(
        id=user.id,
        email=user.email,
        name=user.name,
        role=Role(user.role),
        organisation_id=user.organisation_id,
        assigned_organisation_ids=[o.id for o in user.assigned],
        active=user.active,
        created_at=user.created_at,
    )


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id, options=[selectinload(User.assigned)])
    if user is None:
        raise NotFoundError("user", user_id)
    return user


def list_users(session: Session, principal: Principal) -> list[User]:
    require(principal, Action.READ, Area.PLATFORM, None)
    return list(
        session.scalars(select(User).options(selectinload(User.assigned)).order_by(User.id))
    )


def _organisation_exists(session: Session, organisation_id: int) -> bool:
    return session.get(Organisation, organisation_id) is not None


def create_user(
    session: Session, principal: Principal, data: UserCreate, passwords: Passwords
) -> User:
    """Add a user (admins only).

    An enterprise user needs its organisation; no other role has one of its own.
    """
    require(principal, Action.WRITE, Area.PLATFORM, None)
    problems: list[InputProblem] = []
    if data.role.owns_organisation and data.organisation_id is None:
        problems.append(
            InputProblem(
                REQUEST,
                "an enterprise or project developer user belongs to an organisation",
                field="organisation_id",
            )
        )
    if not data.role.owns_organisation and data.organisation_id is not None:
        problems.append(
            InputProblem(
                REQUEST,
                f"a {data.role.value} has no organisation of its own "
                "(assign organisations to verifiers and metrology reviewers instead)",
                field="organisation_id",
                value=data.organisation_id,
            )
        )
    if data.organisation_id is not None and not _organisation_exists(session, data.organisation_id):
        problems.append(
            InputProblem(
                REQUEST, "no such organisation", field="organisation_id", value=data.organisation_id
            )
        )
    if problems:
        raise InputError(problems)
    if session.scalar(select(User.id).where(User.email == data.email)) is not None:
        raise ConflictError(f"a user with e-mail {data.email} exists already")
    user = User(
        email=data.email,
        name=data.name,
        password_hash=passwords.hash(data.password),
        role=data.role.value,
        organisation_id=data.organisation_id,
        active=True,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        principal,
        "create",
        user,
        "",
        {"role": user.role, "organisation_id": user.organisation_id},
    )
    session.commit()
    return get_user(session, user.id)


def set_assignments(
    session: Session, principal: Principal, user_id: int, organisation_ids: list[int]
) -> User:
    """Replace the organisations assigned to a verifier or metrology reviewer (admins only)."""
    require(principal, Action.WRITE, Area.PLATFORM, None)
    user = get_user(session, user_id)
    if Role(user.role) not in (Role.VERIFIER, Role.METROLOGY_REVIEWER):
        raise InputError(
            [
                InputProblem(
                    REQUEST,
                    f"a {user.role} is not assigned organisations",
                    field="organisation_ids",
                )
            ]
        )
    wanted = sorted(set(organisation_ids))
    known = set(session.scalars(select(Organisation.id).where(Organisation.id.in_(wanted))))
    missing = [i for i in wanted if i not in known]
    if missing:
        raise InputError(
            [InputProblem(REQUEST, "no such organisation", field="organisation_ids", value=missing)]
        )
    current = set(
        session.scalars(
            select(UserOrganisation.organisation_id).where(UserOrganisation.user_id == user_id)
        )
    )
    for organisation_id in current - set(wanted):
        session.delete(session.get_one(UserOrganisation, (user_id, organisation_id)))
    for organisation_id in set(wanted) - current:
        session.add(UserOrganisation(user_id=user_id, organisation_id=organisation_id))
    audit.record(
        session, principal, "assign", user, "", {"before": sorted(current), "after": wanted}
    )
    session.commit()
    session.expire(user)
    return get_user(session, user_id)


def authenticate(session: Session, passwords: Passwords, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, else ``None`` (the same work either way)."""
    address = email.strip().lower()
    printable = all(ord(c) >= 32 for c in address)  # no account has a control character
    user = session.scalar(select(User).where(User.email == address)) if printable else None
    ok = passwords.verify(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        return None
    return user


def open_session(session: Session, user: User, max_age_seconds: int) -> str:
    """Start a web session; the token for the cookie (only its hash is stored). Sessions
    already expired (anyone's) are deleted first, so the table does not grow without end.

    The session carries the user's ``session_epoch`` as read when the password was checked: if
    an admin ends the user's sessions in between, this one is born ended (decision 0010)."""
    token = new_session_token()
    now = utcnow()
    session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    session.add(
        WebSession(
            user_id=user.id,
            token_hash=sha256(token),
            created_at=now,
            expires_at=now + dt.timedelta(seconds=max_age_seconds),
            epoch=user.session_epoch,
        )
    )
    session.commit()
    return token


def close_session(session: Session, token: str) -> None:
    row = session.scalar(select(WebSession).where(WebSession.token_hash == sha256(token)))
    if row is not None:
        session.delete(row)
        session.commit()


def create_api_key(session: Session, principal: Principal, name: str) -> tuple[ApiKey, str]:
    """A new key of the current user: the row and the key itself (never stored, shown once)."""
    token, prefix = new_api_key()
    key = ApiKey(user_id=principal.user_id, name=name, prefix=prefix, key_hash=sha256(token))
    session.add(key)
    session.commit()
    return key, token


def list_api_keys(session: Session, principal: Principal) -> list[ApiKey]:
    return list(
        session.scalars(
            select(ApiKey).where(ApiKey.user_id == principal.user_id).order_by(ApiKey.id)
        )
    )


def revoke_api_key(session: Session, principal: Principal, key_id: int) -> ApiKey:
    """Revoke one of the current user's keys; another user's key is not found."""
    key = session.get(ApiKey, key_id)
    if key is None or key.user_id != principal.user_id:
        raise NotFoundError("API key", key_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.commit()
    return key


# -- organisations and results -------------------------------------------------------------------


def list_organisations(session: Session, principal: Principal) -> list[Organisation]:
    visible = readable_organisations(principal, Area.ORGANISATION)
    query = select(Organisation).order_by(Organisation.id)
    if visible is not None:
        query = query.where(Organisation.id.in_(sorted(visible)))
    return list(session.scalars(query))


def end_reads(session: Session) -> None:
    """End the session's transaction, which has only read so far, before slow work (receiving an
    upload, reading a workbook, accounting it), so that no connection sits "idle in transaction"
    meanwhile, holding a pool slot and PostgreSQL's snapshot (issue 12). The write that follows
    opens a short transaction of its own and checks again what it relies on.

    A commit, not a rollback: with ``expire_on_commit=False`` what was read stays loaded.
    """
    session.commit()


def writable_organisation(
    session: Session, principal: Principal, organisation_id: int, area: Area = Area.ACCOUNTING
) -> None:
    """Check that the principal may write the organisation's accounting (404/403 as
    :func:`organisation_for`), then :func:`end_reads`: a route checks this before it receives
    the body, which may take a slow client seconds."""
    organisation_for(session, principal, organisation_id, Action.WRITE, area)
    end_reads(session)


def organisation_for(
    session: Session, principal: Principal, organisation_id: int, action: Action, area: Area
) -> Organisation:
    """The organisation, once the principal may do ``action`` on its ``area``; 404 for one it
    may not see (whether or not it exists), 403 for one it sees but may not do this to."""
    require(principal, action, area, organisation_id)
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFoundError("organisation", organisation_id)
    return organisation


def create_organisation(session: Session, principal: Principal, name: str) -> Organisation:
    require(principal, Action.WRITE, Area.PLATFORM, None)
    name = name.strip()
    same = session.scalar(select(Organisation).where(func.lower(Organisation.name) == name.lower()))
    if same is not None:
        raise ConflictError(f"organisation {same.name!r} exists already (id {same.id})")
    organisation = Organisation(name=name)
    session.add(organisation)
    session.commit()
    return organisation


def result_summary(row: StoredResult, commitment: Commitment | None = None) -> ResultSummary:
    """The result as listed: with ``commitment``, the total the evidence log holds and whether
    the row still says the same (:mod:`dualcarbon.ledger.commitments`)."""
    facility = row.inventory.facility
    commitment = commitment or Commitment("unlodged")
    return ResultSummary(
        id=row.id,
        organisation_id=facility.organisation_id,
        inventory_id=row.inventory_id,
        facility=facility.name,
        year=row.inventory.year,
        methodology=row.methodology,
        total_tco2e=float(commitment.value("total_tco2e", row.total_tco2e)),
        computed_at=row.computed_at,
        line_count=row.line_count,
        evidence=commitment.state,
        differs=list(commitment.fields),
    )


def organisation_results(
    session: Session, principal: Principal, organisation_id: int
) -> list[ResultSummary]:
    organisation_for(session, principal, organisation_id, Action.READ, Area.ACCOUNTING)
    rows = list_results_of_organisation(session, organisation_id)
    found = commitments.of_results(session, rows)
    return [result_summary(row, found[row.id]) for row in rows]


_UNCERTAINTY_CACHE: OrderedDict[tuple[int, str], dict[str, Any]] = OrderedDict()
_UNCERTAINTY_LOCK = threading.Lock()
UNCERTAINTY_CACHE_SIZE = 512


def _uncertainty_of(row: StoredResult) -> dict[str, Any]:
    """The law of propagation over a stored result's lines, computed once per result.

    It takes about 15 ms, three quarters of a result request, and a stored result never changes
    (no UPDATE reaches it), so the answer is kept, keyed by id and content hash, in a small LRU.
    """
    key = (row.id, row.result_sha256)
    with _UNCERTAINTY_LOCK:
        found = _UNCERTAINTY_CACHE.get(key)
        if found is not None:
            _UNCERTAINTY_CACHE.move_to_end(key)
            return copy.deepcopy(found)
    computed = account_uncertainty(load_result(row)).to_json()
    with _UNCERTAINTY_LOCK:
        _UNCERTAINTY_CACHE[key] = computed
        while len(_UNCERTAINTY_CACHE) > UNCERTAINTY_CACHE_SIZE:
            _UNCERTAINTY_CACHE.popitem(last=False)
    return copy.deepcopy(computed)


def result_document(session: Session, principal: Principal, result_id: int) -> dict[str, Any]:
    """The stored result's JSON export (docs/result-json.md), with every line's trace."""
    row = get_result(session, result_id)
    if row is None:
        raise NotFoundError("result", result_id)
    organisation_id = row.inventory.facility.organisation_id
    try:
        require(principal, Action.READ, Area.ACCOUNTING, organisation_id)
    except DualcarbonError:
        raise NotFoundError("result", result_id) from None
    document = result_payload(row)
    document["id"] = row.id
    document["organisation_id"] = organisation_id
    document["evidence"] = evidence_of_inventory(session, row.inventory_id)
    committed = commitments.of_results(session, [row])[row.id]
    document["commitment"] = {"state": committed.state, "differs": list(committed.fields)}
    document["uncertainty"] = _uncertainty_of(row)
    return document


def result_report(session: Session, principal: Principal, result_id: int, lang: str) -> str:
    """The stored result's printable report (one self-contained HTML page, with its expanded
    uncertainty), in ``lang`` (zh or en)."""
    from dualcarbon.reports.html import render_html

    row = _result_acting(session, principal, result_id, Action.READ)
    result = load_result(row)
    spread = account_uncertainty(result)
    return render_html(
        result,
        lang=lang,
        uncertainty=spread,
        improvements=_improvements(session, row, result, spread),
    )


def result_improvements(
    session: Session, principal: Principal, result_id: int
) -> ImprovementRanking:
    """Which measurement of a stored result to improve first (accounting/improvements.py), with
    the organisation's stored register giving the instruments' kinds and classes."""
    row = _result_acting(session, principal, result_id, Action.READ)
    return _improvements(session, row, load_result(row))


def _improvements(
    session: Session,
    row: StoredResult,
    result: AccountingResult,
    spread: AccountingUncertainty | None = None,
) -> ImprovementRanking:
    organisation = row.inventory.facility.organisation.name
    register = load_register(session, organisation)
    return rank_improvements(result, register, uncertainty=spread)


def _same_inventory(
    session: Session, organisation: Organisation, facility: str, inventory: Inventory
) -> StoredInventory | None:
    """An inventory with the same content already stored for this facility and year."""
    return stored_inventory(session, organisation.name, facility, inventory)


def _named_inventory(inventory: Inventory, organisation: Organisation) -> None:
    named = inventory.header.organisation.strip()
    if named != organisation.name:
        raise InputError(
            [
                InputProblem(
                    inventory.source,
                    f"the inventory names organisation {named!r}; it can be imported only into "
                    f"that organisation, not into {organisation.name!r}",
                    sheet=inventory.sheets.get("inventory", "inventory"),
                    field="organisation",
                    value=named,
                )
            ]
        )


def import_inventory(
    session: Session,
    principal: Principal,
    organisation_id: int,
    inventory: Inventory,
    ledger: Signer,
    accept: Sequence[Acceptance] = (),
) -> ImportOutcome:
    """Account an inventory for an organisation and store inventory and result, all or nothing.

    The inventory must name the organisation it is imported into. The organisation's stored
    instrument register, if any, ties readings to their instruments as ``dualcarbon account
    --register`` does. Bad input raises :class:`InputError`, and figures that fail the
    plausibility checks (an error, or a warning ``accept`` does not cover) raise
    :class:`FindingsError`, before anything is written.
    """
    organisation = organisation_for(
        session, principal, organisation_id, Action.WRITE, Area.ACCOUNTING
    )
    return _store_submission(session, principal, organisation, inventory, ledger, None, accept)


def correct_inventory(
    session: Session,
    principal: Principal,
    organisation_id: int,
    inventory_id: int,
    inventory: Inventory,
    ledger: Signer,
    accept: Sequence[Acceptance] = (),
) -> ImportOutcome:
    """Submit a corrected inventory for a stored one: a new inventory, a new result, and an
    evidence entry naming what it corrects. Nothing of the corrected inventory changes.

    The correction keeps the facility and year of what it corrects, and corrects the latest of
    its chain (correcting an inventory already corrected is a conflict naming the newer one), so
    every chain of corrections is a line, not a tree.
    """
    organisation = organisation_for(
        session, principal, organisation_id, Action.WRITE, Area.ACCOUNTING
    )
    corrected = session.get(StoredInventory, inventory_id)
    if corrected is None or corrected.facility.organisation_id != organisation.id:
        raise NotFoundError("inventory", inventory_id)
    newer = corrections_of(session, organisation.id).get(corrected.id)
    if newer is not None:
        raise ConflictError(
            f"inventory {corrected.id} was corrected already by inventory {newer}; "
            f"correct inventory {newer} instead"
        )
    facility = inventory.header.facility or organisation.name
    problems = []
    if facility != corrected.facility.name:
        problems.append(
            InputProblem(
                inventory.source,
                f"a correction keeps the facility of what it corrects "
                f"({corrected.facility.name!r})",
                sheet=inventory.sheets.get("inventory", "inventory"),
                field="facility",
                value=facility,
            )
        )
    if inventory.header.year != corrected.year:
        problems.append(
            InputProblem(
                inventory.source,
                f"a correction keeps the year of what it corrects ({corrected.year})",
                sheet=inventory.sheets.get("inventory", "inventory"),
                field="year",
                value=inventory.header.year,
            )
        )
    if problems:
        raise InputError(problems)
    return _store_submission(session, principal, organisation, inventory, ledger, corrected, accept)


def _store_submission(
    session: Session,
    principal: Principal,
    organisation: Organisation,
    inventory: Inventory,
    ledger: Signer,
    corrects: StoredInventory | None,
    accept: Sequence[Acceptance] = (),
) -> ImportOutcome:
    _named_inventory(inventory, organisation)
    register = load_register(session, organisation.name)
    end_reads(session)  # accounting takes seconds for a big inventory: hold no transaction
    result = account(inventory, register=register, accept=accept)
    prepared = prepare_result(result)  # rendered before the store's write turn is taken
    sync_factors(session)
    facility = inventory.header.facility or organisation.name
    already = _same_inventory(session, organisation, facility, inventory)
    if already is not None:
        raise ConflictError(
            f"this inventory was submitted already: inventory {already.id} "
            f"({already.source}); to change it, submit a corrected inventory"
        )
    corrected_id = None if corrects is None else corrects.id
    try:
        stored = save_inventory(session, organisation.name, facility, inventory)
        lodge_inventory(
            session,
            ledger,
            organisation.id,
            stored,
            inventory,
            submitted_by=f"user:{principal.user_id}",
            corrects=corrects,
        )
        row = save_result(session, stored, result, prepared)
        lodge_results(session, ledger, organisation.id, submitted_by=f"user:{principal.user_id}")
        session.commit()
    except IntegrityError:
        # A concurrent request got there first: the unique indexes on the inventory and on the
        # evidence entries' subject and corrected inventory (migration 0009) refuse the second,
        # whatever both read before (docs/decisions/0008-evidence-commitments.md).
        session.rollback()
        if corrected_id is not None:
            raise ConflictError(
                f"inventory {corrected_id} was corrected already by a concurrent submission; "
                "correct the newest inventory of its chain instead"
            ) from None
        raise ConflictError(
            "this inventory was submitted already by a concurrent request; to change it, "
            "submit a corrected inventory"
        ) from None
    followed = follow_inventory(session, organisation.id, facility, inventory.header.year)
    session.commit()
    saved = get_result(session, row.id)
    assert saved is not None
    return ImportOutcome(
        inventory_id=stored.id,
        result=result_summary(saved, commitments.of_results(session, [saved])[saved.id]),
        corrects=None if corrects is None else corrects.id,
        evidence=evidence_of_inventory(session, stored.id),
        footprints=list(followed.published),
        footprints_not_followed=list(followed.refused),
    )


def corrections_of(session: Session, organisation_id: int) -> dict[int, int]:
    """Corrected inventory id → the id of the inventory correcting it, read from the
    organisation's evidence log (the log, not a mutable column, is where corrections live)."""
    found: dict[int, int] = {}
    rows = session.execute(
        select(EvidenceEntry.inventory_id, EvidenceEntry.content_json).where(
            EvidenceEntry.log_id == organisation_log(organisation_id)
        )
    )
    for inventory_id, content_json in rows:
        corrects = json.loads(content_json).get("corrects")
        if isinstance(corrects, dict) and inventory_id is not None:
            found[int(corrects["inventory_id"])] = inventory_id
    return found


def list_inventories(
    session: Session, principal: Principal, organisation_id: int
) -> list[InventoryPublic]:
    """The organisation's stored inventories, oldest first, with their corrections, results and
    evidence entries."""
    organisation_for(session, principal, organisation_id, Action.READ, Area.ACCOUNTING)
    rows = session.scalars(
        select(StoredInventory)
        .join(Facility, StoredInventory.facility_id == Facility.id)
        .where(Facility.organisation_id == organisation_id)
        .options(
            selectinload(StoredInventory.facility),
            selectinload(StoredInventory.results).load_only(StoredResult.id),
            defer(StoredInventory.inventory_json),
        )
        .order_by(StoredInventory.id)
    )
    corrected_by = corrections_of(session, organisation_id)
    corrects = {newer: older for older, newer in corrected_by.items()}
    return [
        InventoryPublic(
            id=row.id,
            organisation_id=organisation_id,
            facility=row.facility.name,
            year=row.year,
            methodology=row.methodology_id,
            source=row.source,
            digest=row.digest,
            submitted_at=row.created_at,
            corrects=corrects.get(row.id),
            corrected_by=corrected_by.get(row.id),
            result_ids=sorted(r.id for r in row.results),
            evidence=evidence_of_inventory(session, row.id),
        )
        for row in rows
    ]


# -- facilities ----------------------------------------------------------------------------------


def list_facilities(
    session: Session, principal: Principal, organisation_id: int
) -> list[FacilityPublic]:
    """The organisation's plants; the latest result of each only for those who may read its
    accounting."""
    organisation_for(session, principal, organisation_id, Action.READ, Area.ORGANISATION)
    facilities = list(
        session.scalars(
            select(Facility)
            .where(Facility.organisation_id == organisation_id)
            .order_by(Facility.id)
        )
    )
    counts = dict(
        session.execute(
            select(StoredInventory.facility_id, func.count())
            .where(StoredInventory.facility_id.in_([f.id for f in facilities]))
            .group_by(StoredInventory.facility_id)
        ).all()
    )
    latest: dict[int, StoredResult] = {}
    if allowed(principal, Action.READ, Area.ACCOUNTING, organisation_id):
        for result in list_results_of_organisation(session, organisation_id):
            latest[result.inventory.facility_id] = result
    return [
        FacilityPublic(
            id=f.id,
            organisation_id=organisation_id,
            name=f.name,
            region=f.region,
            inventory_count=counts.get(f.id, 0),
            latest_result_id=latest[f.id].id if f.id in latest else None,
            latest_total_tco2e=latest[f.id].total_tco2e if f.id in latest else None,
        )
        for f in facilities
    ]


def create_facility(
    session: Session, principal: Principal, organisation_id: int, data: FacilityCreate
) -> FacilityPublic:
    """Register a plant before its first inventory (an inventory naming a new plant registers it
    too)."""
    organisation = organisation_for(
        session, principal, organisation_id, Action.WRITE, Area.ACCOUNTING
    )
    same = session.scalar(
        select(Facility).where(
            Facility.organisation_id == organisation.id, Facility.name == data.name
        )
    )
    if same is not None:
        raise ConflictError(f"facility {same.name!r} exists already (id {same.id})")
    facility = Facility(organisation_id=organisation.id, name=data.name, region=data.region)
    session.add(facility)
    session.commit()
    return FacilityPublic(
        id=facility.id,
        organisation_id=organisation.id,
        name=facility.name,
        region=facility.region,
        inventory_count=0,
    )


# -- reading uploads -----------------------------------------------------------------------------


def _client_name(filename: str | None) -> str:
    """The uploaded file's own name (no folders), as problems and the stored inventory name it."""
    plain = "".join(c for c in (filename or "") if ord(c) >= 32)  # no NUL or other controls
    name = PurePath(plain.replace("\\", "/")).name.strip()
    return name[:200] or "upload"


def acceptances(principal: Principal, specs: Sequence[str], reason: str | None) -> list[Acceptance]:
    """The warnings a user acknowledges with an upload (``CODE`` or ``CODE:KEY`` each), given
    by that user, with the reason they typed (required: a verifier will ask why)."""
    specs = [spec for spec in specs if spec.strip()]
    if not specs:
        return []
    if not (reason and reason.strip()):
        raise InputError(
            [
                InputProblem(
                    REQUEST,
                    "say why the acknowledged figures are right",
                    field="accept_reason",
                    rule_zh="确认警告须说明理由",
                )
            ]
        )
    if len(specs) > MAX_ACCEPTANCES or len(reason) > MAX_REASON:
        raise InputError(
            [
                InputProblem(
                    REQUEST,
                    f"at most {MAX_ACCEPTANCES} acknowledgements of at most "
                    f"{MAX_REASON} characters of reason",
                    field="accept",
                )
            ]
        )
    return [Acceptance.parse(spec, by=principal.email, reason=reason.strip()) for spec in specs]


MAX_ACCEPTANCES = 200
MAX_REASON = 2000


def read_upload[T](
    filename: str | None, data: bytes, suffixes: tuple[str, ...], reader: Callable[[Path], T]
) -> T:
    """Read an uploaded file with ``reader`` (which takes a path); problems name the client's
    file name, not the temporary file it was written to."""
    name = _client_name(filename)
    suffix = PurePath(name).suffix.lower()
    if suffix not in suffixes:
        raise InputError([InputProblem(name, f"unsupported file type (use {', '.join(suffixes)})")])
    with tempfile.TemporaryDirectory(prefix="dualcarbon-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            return reader(path)
        except RecursionError:
            raise InputError([InputProblem(name, "file nested too deeply")]) from None
        except InputError as exc:
            raise InputError(
                [
                    dataclasses.replace(p, file=name) if p.file == str(path) else p
                    for p in exc.problems
                ]
            ) from None


def inventory_from_upload(filename: str | None, data: bytes) -> Inventory:
    """Read an uploaded ``.xlsx`` or ``.yaml`` inventory."""
    inventory = read_upload(filename, data, UPLOAD_SUFFIXES, read_inventory)
    return dataclasses.replace(inventory, source=_client_name(filename))


def json_object(data: bytes) -> dict[str, Any]:
    """A request body that must be one JSON object (UTF-8; no NaN or infinity)."""
    try:
        raw = json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise InputError([InputProblem(REQUEST, "body is not UTF-8 text")]) from None
    except ValueError as exc:  # JSONDecodeError, NaN and Infinity
        raise InputError([InputProblem(REQUEST, f"not valid JSON: {exc}")]) from None
    except RecursionError:
        raise InputError([InputProblem(REQUEST, "JSON nested too deeply")]) from None
    if not isinstance(raw, dict):
        raise InputError([InputProblem(REQUEST, "the body must be a JSON object")])
    refuse_nul(raw, REQUEST)
    return raw


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


def inventory_from_json(data: bytes) -> Inventory:
    """Read an inventory sent as a JSON body, shaped as the YAML format
    (docs/inventory-format.md)."""
    return inventory_from_mapping(json_object(data), source=REQUEST)


# -- reference data ------------------------------------------------------------------------------


def factor_public(factor_key: str) -> FactorPublic:
    catalogue = default_catalogue()
    factor = catalogue.get(factor_key)
    return FactorPublic(
        ref=factor.ref,
        superseded=catalogue.is_superseded(factor),
        standard_uncertainty=factor.standard_uncertainty,
        versions=[v.ref for v in catalogue.versions(factor.id)],
        factor=factor,
    )


def search_factors(
    text: str | None,
    *,
    kind: str | None = None,
    subject: str | None = None,
    gas: str | None = None,
    year: int | None = None,
    region: str | None = None,
    include_superseded: bool = False,
    limit: int = 100,
) -> list[FactorPublic]:
    catalogue = default_catalogue()
    found = catalogue.search(
        text,
        kind=kind,
        subject=subject,
        gas=gas,
        year=year,
        region=region,
        include_superseded=include_superseded,
    )
    return [factor_public(f.ref) for f in found[:limit]]


def methodologies() -> list[MethodologySummary]:
    ordered = sorted(all_methodologies().values(), key=lambda m: (m.sector, m.issued, m.id))
    return [
        MethodologySummary(
            id=m.id,
            version=m.version,
            ref=m.ref,
            title_zh=m.title_zh,
            title_en=m.title_en,
            document=m.document,
            issued=m.issued,
            reporting_years=list(m.reporting_years),
            supersedes=m.supersedes,
        )
        for m in ordered
    ]


# -- verification: comments and sign-off ---------------------------------------------------------


def _result_acting(
    session: Session, principal: Principal, result_id: int, action: Action
) -> StoredResult:
    """The result, once the principal may read it (else 404) and do ``action`` on it (else 403)."""
    row = session.get(StoredResult, result_id)
    if row is None:
        raise NotFoundError("result", result_id)
    organisation_id = row.inventory.facility.organisation_id
    if not allowed(principal, Action.READ, Area.ACCOUNTING, organisation_id):
        raise NotFoundError("result", result_id)
    require(principal, action, Area.ACCOUNTING, organisation_id)
    return row


def list_comments(session: Session, principal: Principal, result_id: int) -> list[ResultComment]:
    _result_acting(session, principal, result_id, Action.READ)
    return list(
        session.scalars(
            select(ResultComment)
            .where(ResultComment.result_id == result_id)
            .order_by(ResultComment.id)
        )
    )


def add_comment(
    session: Session, principal: Principal, result_id: int, data: CommentCreate
) -> ResultComment:
    row = _result_acting(session, principal, result_id, Action.COMMENT)
    if data.line is not None and data.line > row.line_count:
        raise InputError(
            [
                InputProblem(
                    "comment",
                    f"the result has {row.line_count} lines",
                    field="line",
                    value=data.line,
                )
            ]
        )
    comment = ResultComment(
        result_id=result_id, user_id=principal.user_id, line=data.line, text=data.text
    )
    session.add(comment)
    session.commit()
    return comment


def list_signoffs(session: Session, principal: Principal, result_id: int) -> list[ResultSignOff]:
    _result_acting(session, principal, result_id, Action.READ)
    return list(
        session.scalars(
            select(ResultSignOff)
            .where(ResultSignOff.result_id == result_id)
            .order_by(ResultSignOff.id)
        )
    )


def sign_off(
    session: Session, principal: Principal, result_id: int, data: SignOffCreate, ledger: Signer
) -> ResultSignOff:
    """Record a verifier's decision and lodge it in the evidence log, in one transaction."""
    from dualcarbon.api.checklist import approval_digest, lock_result

    row = _result_acting(session, principal, result_id, Action.SIGN_OFF)
    lock_result(session, result_id)
    # an approval takes the checklist: complete, every non-conformity closed, its digest lodged
    digest = approval_digest(session, principal, result_id) if data.decision == "approved" else None
    decision = ResultSignOff(
        result_id=result_id,
        user_id=principal.user_id,
        decision=data.decision,
        note=data.note,
        created_at=utcnow(),
        checklist_sha256=digest,
    )
    session.add(decision)
    session.flush()
    lodge_signoff(session, ledger, row.inventory.facility.organisation_id, decision)
    session.commit()
    return decision
