"""Emission-reduction projects on the platform: a project developer uploads a monitoring period,
it is accounted with the organisation's stored instrument register and claimed in the registry;
verifiers and regulators read it; an admin records the registry's issuance (docs/projects.md)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from dualcarbon.accounting.findings import Acceptance
from dualcarbon.api.scope import (
    Action,
    Area,
    Principal,
    allowed,
    readable_organisations,
    require,
)
from dualcarbon.api.services import (
    REQUEST,
    UPLOAD_SUFFIXES,
    json_object,
    organisation_for,
    read_upload,
)
from dualcarbon.errors import InputError, InputProblem, NotFoundError
from dualcarbon.io.project_files import read_project
from dualcarbon.io.project_yaml import project_from_mapping
from dualcarbon.ledger.projects import PeriodRow, claim_period, issue_period
from dualcarbon.ledger.projects import list_periods as ledger_periods
from dualcarbon.ledger.signing import Signer
from dualcarbon.projects.engine import account_project
from dualcarbon.projects.model import ProjectInventory
from dualcarbon.store.models import ProjectPeriod, ProjectRecord
from dualcarbon.store.repository import load_register


class PeriodPublic(BaseModel):
    """A claimed monitoring period as the platform lists it."""

    id: int
    organisation_id: int
    project: str
    name: str
    methodology: str
    period_start: str
    period_end: str
    total_tco2e: float
    expanded_u_tco2e: float
    claimed_by: str
    claimed_at: str
    issued_tco2e: float | None = None
    issuance_notice: str | None = None
    corrects: int | None = Field(default=None, description="the period this one corrects")


class ClaimOutcome(BaseModel):
    period: PeriodPublic
    months_claimed: int
    evidence_sequence: int


class IssuanceBody(BaseModel):
    issued_tco2e: float = Field(gt=0)
    notice: str = Field(min_length=2, max_length=300)


def project_from_upload(filename: str | None, data: bytes) -> ProjectInventory:
    inventory = read_upload(filename, data, UPLOAD_SUFFIXES, read_project)
    return dataclasses.replace(inventory, source=filename or "upload")


def project_from_json(data: bytes) -> ProjectInventory:
    return project_from_mapping(json_object(data), source=REQUEST)


def claim_upload(
    session: Session,
    principal: Principal,
    organisation_id: int,
    inventory: ProjectInventory,
    ledger: Signer,
    accept: Sequence[Acceptance] = (),
    corrects: int | None = None,
) -> ClaimOutcome:
    """Account a monitoring period with the organisation's stored register and claim it; all or
    nothing (problems 422, a period or a month claimed already 409). With ``corrects``, the
    period replaces that unissued one of the project."""
    organisation = organisation_for(
        session, principal, organisation_id, Action.WRITE, Area.PROJECTS
    )
    if inventory.header.owner != organisation.name:
        raise InputError(
            [
                InputProblem(
                    inventory.source,
                    f"the project's owner must be the organisation it is uploaded to "
                    f"({organisation.name!r})",
                    field="owner",
                    sheet="project",
                    value=inventory.header.owner,
                    rule_zh=f"项目业主须为上传到的单位（{organisation.name}）",
                )
            ]
        )
    register = load_register(session, organisation.name)
    if register is None:
        raise InputError(
            [
                InputProblem(
                    inventory.source,
                    "the organisation has no instrument register: upload the register of the "
                    "monitoring plan's meters first",
                    field="monitoring_plan",
                    rule_zh="本单位尚无计量器具台账：请先上传监测计划中计量器具的台账",
                )
            ]
        )
    result = account_project(inventory, register=register, accept=accept)
    try:
        claimed = claim_period(
            session, ledger, inventory, result, claimed_by=principal.email, corrects=corrects
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return ClaimOutcome(
        period=_one(session, claimed.period_id),
        months_claimed=claimed.months,
        evidence_sequence=claimed.sequence,
    )


def _public(row: PeriodRow) -> PeriodPublic:
    return PeriodPublic(
        id=row.id,
        organisation_id=row.organisation_id,
        project=row.reference,
        name=row.name,
        methodology=row.methodology,
        period_start=str(row.period_start),
        period_end=str(row.period_end),
        total_tco2e=row.total_tco2e,
        expanded_u_tco2e=row.expanded_u_tco2e,
        claimed_by=row.claimed_by,
        claimed_at=f"{row.claimed_at:%Y-%m-%d %H:%M}",
        issued_tco2e=row.issued_tco2e,
        issuance_notice=row.notice,
        corrects=row.corrects,
    )


def _one(session: Session, period_id: int) -> PeriodPublic:
    """One stored period as the platform lists it."""
    (row,) = ledger_periods(session, period_id=period_id)
    return _public(row)


def list_periods(
    session: Session, principal: Principal, organisation_id: int | None = None
) -> list[PeriodPublic]:
    """The periods the principal may read (of one organisation), oldest first."""
    readable = readable_organisations(principal, Area.PROJECTS)
    if organisation_id is not None:
        readable = frozenset({organisation_id}) & (
            readable if readable is not None else frozenset({organisation_id})
        )
    return [_public(row) for row in ledger_periods(session, organisations=readable)]


def period_for(session: Session, principal: Principal, period_id: int) -> ProjectPeriod:
    """A stored period the principal may read; 404 for one it may not see."""
    period = session.get(ProjectPeriod, period_id)
    project = None if period is None else session.get(ProjectRecord, period.project_id)
    if period is None or project is None:
        raise NotFoundError("monitoring period", period_id)
    if not allowed(principal, Action.READ, Area.PROJECTS, project.organisation_id):
        raise NotFoundError("monitoring period", period_id)
    return period


def writable_period_owner(session: Session, principal: Principal, period_id: int) -> int:
    """The organisation of a period the principal may correct (404 unseen, 403 read-only)."""
    period = period_for(session, principal, period_id)
    project = session.get(ProjectRecord, period.project_id)
    assert project is not None
    require(principal, Action.WRITE, Area.PROJECTS, project.organisation_id)
    session.commit()  # nothing written: end the reads before the body is received
    return project.organisation_id


def period_document(session: Session, principal: Principal, period_id: int) -> bytes:
    """The stored result of a period as claimed (its JSON, as hashed and lodged)."""
    return period_for(session, principal, period_id).result_json.encode()


def period_report(session: Session, principal: Principal, period_id: int, lang: str) -> str:
    """The monitoring report as claimed."""
    period = period_for(session, principal, period_id)
    return period.report_en if lang == "en" else period.report_zh


def record_issuance(
    session: Session, principal: Principal, period_id: int, body: IssuanceBody, ledger: Signer
) -> PeriodPublic:
    """The registry's issuance of a period (admins, for the registry); the period is locked."""
    require(principal, Action.WRITE, Area.PLATFORM, None)
    period = period_for(session, principal, period_id)
    project = session.get(ProjectRecord, period.project_id)
    assert project is not None
    try:
        issue_period(
            session,
            ledger,
            project.reference,
            issued_tco2e=body.issued_tco2e,
            notice=body.notice,
            issued_by=principal.email,
            period_id=period.id,
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return _one(session, period.id)
