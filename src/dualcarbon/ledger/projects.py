"""The project registry: monitoring periods claimed, issuances, and electricity claimed once.

A monitoring period is claimed with its project file and result in one transaction: the period
is stored (never to be changed), each month's net supply is claimed for the plant in the
platform-wide table of electricity claims, and the claim is lodged in the organisation's and the
platform's evidence logs with every meter reading it rests on. The refusals, each a
:class:`ClaimRefusedError` naming what stands in the way:

* a period overlapping one the project claimed before (whether issued or not);
* a plant-month claimed already, under this or another scheme (a green certificate, a
  green-power contract: 国能综通新能〔2024〕124号 §2). The unique constraint on (plant, year,
  month) decides a race: of two claims arriving at once, one is stored, the other refused;
* an issuance of a period issued already, or of more than the period claimed.

An issued period is locked: its rows cannot be changed or deleted (database triggers).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dualcarbon.certificates.model import normal_plant
from dualcarbon.errors import ClaimRefusedError
from dualcarbon.ledger.canonical import canonical_bytes
from dualcarbon.ledger.lodging import lodge_both, organisation_log
from dualcarbon.ledger.signing import Signer
from dualcarbon.metrology.register import Register
from dualcarbon.projects.model import ProjectInventory
from dualcarbon.projects.result import ProjectResult
from dualcarbon.reports.monitoring_report import render_monitoring_report
from dualcarbon.store.models import (
    ElectricityClaim,
    EvidenceEntry,
    ProjectIssuance,
    ProjectPeriod,
    ProjectRecord,
)
from dualcarbon.store.repository import get_or_create_organisation

SCHEMES = {"ccer": "温室气体自愿减排（CCER）", "gec": "绿色电力证书", "green_power": "绿电交易"}


def dump_project(inventory: ProjectInventory) -> str:
    """The project file as read, in the YAML format's shape (``dualcarbon.io.project_yaml``
    reads it back), as canonical JSON."""
    document: dict[str, Any] = {
        "project": inventory.header.model_dump(mode="json", exclude_none=True),
        "monitoring_plan": [
            entry.model_dump(mode="json", exclude_none=True) for entry in inventory.plan
        ],
    }
    for name, frame in inventory.tables.items():
        document[name] = [
            {key: value for key, value in row.items() if value is not None and key != "_row"}
            for row in frame.iter_rows(named=True)
        ]
    return canonical_bytes(document).decode("utf-8")


def data_digest(inventory: ProjectInventory) -> str:
    """SHA-256 of the project file as the registry stores it (:func:`dump_project`): the
    ``data_digest`` a claim is lodged with and its report prints."""
    return hashlib.sha256(dump_project(inventory).encode()).hexdigest()


def monthly_supply(result: ProjectResult) -> list[tuple[int, int, float]]:
    """(year, month, net supply MWh) of every month of the period's baseline lines."""
    lines = result.accounting.lines.filter(
        (pl.col("source") == "baseline") & (pl.col("activity_unit") == "MWh")
    )
    if not lines.height:
        return []
    by_month = (
        lines.with_columns(year=pl.col("unit").str.slice(0, 4).cast(pl.Int64))
        .group_by("year", "month")
        .agg(pl.col("activity").sum())
        .sort("year", "month")
    )
    return [(int(y), int(m), float(mwh)) for y, m, mwh in by_month.iter_rows()]


def meters_register(result: ProjectResult) -> Register:
    """The register of the plan's meters with their calibrations, as the result used them."""
    return Register(
        organisation=result.header.owner,
        instruments=result.register_meters,
        calibrations=result.calibrations,
    )


@dataclass(frozen=True)
class Claimed:
    project_id: int
    period_id: int
    months: int
    sequence: int
    """The claim's sequence in the organisation's evidence log."""


def claim_period(
    session: Session,
    signer: Signer,
    inventory: ProjectInventory,
    result: ProjectResult,
    *,
    claimed_by: str,
    corrects: int | None = None,
) -> Claimed:
    """Store and lodge a monitoring period's reductions, claiming its electricity; inside the
    caller's transaction (nothing stays if anything is refused).

    With ``corrects``, the new period replaces that claimed period of the project, which must
    not be issued: its electricity claims are released, it stays stored, and the new entry in
    the evidence log names it and its sequence."""
    header = result.header
    _writing(session)
    organisation = get_or_create_organisation(session, header.owner)
    project = _project(session, organisation.id, result)
    start, end = header.monitoring_period.start, header.monitoring_period.end
    replaced = None if corrects is None else _correctable(session, project, corrects)
    overlapping = session.scalars(
        select(ProjectPeriod).where(
            ProjectPeriod.project_id == project.id,
            ProjectPeriod.period_start <= end,
            ProjectPeriod.period_end >= start,
            ProjectPeriod.id.not_in(_replaced_ids(session, project.id)),
            ProjectPeriod.id != (replaced.id if replaced is not None else -1),
        )
    ).first()
    if overlapping is not None:
        raise ClaimRefusedError(
            f"监测期 {start} – {end} 与已申报的监测期 {overlapping.period_start} – "
            f"{overlapping.period_end}（编号 {overlapping.id}）重叠，同一时段不能重复申报",
            f"the monitoring period {start} – {end} overlaps the period "
            f"{overlapping.period_start} – {overlapping.period_end} claimed already "
            f"(period {overlapping.id}): a period is claimed once",
        )
    uncertainty = result.uncertainty()
    payload = json.dumps(result.to_json(lang="zh", uncertainty=uncertainty), ensure_ascii=False)
    project_json = dump_project(inventory)
    digest = data_digest(inventory)
    reports = {
        lang: render_monitoring_report(result, lang=lang, uncertainty=uncertainty, digest=digest)
        for lang in ("zh", "en")
    }
    if replaced is not None:  # its months are free again, for this claim to take
        session.execute(delete(ElectricityClaim).where(ElectricityClaim.period_id == replaced.id))
    period = ProjectPeriod(
        project_id=project.id,
        corrects_id=None if replaced is None else replaced.id,
        period_start=start,
        period_end=end,
        methodology=result.methodology.ref,
        source=result.accounting.meta.inventory_source,
        project_json=project_json,
        digest=digest,
        report_zh=reports["zh"],
        report_en=reports["en"],
        result_json=payload,
        result_sha256=hashlib.sha256(payload.encode()).hexdigest(),
        register_json=meters_register(result).model_dump_json(),
        total_tco2e=result.total,
        expanded_u_tco2e=uncertainty.U,
        claimed_by=claimed_by,
    )
    # added inside the savepoint: begin_nested() flushes what is pending before it opens, and a
    # refused row flushed there would end the whole transaction instead of the savepoint
    try:
        with session.begin_nested():
            session.add(period)
            session.flush()
    except IntegrityError:  # another correction of the same period was stored first
        raise _corrected_already(corrects) from None
    months = monthly_supply(result)
    claim_electricity(
        session,
        header.plant_code,
        months,
        scheme="ccer",
        subject=f"project_period:{period.id}",
        organisation_id=organisation.id,
        period_id=period.id,
    )
    content = {
        "kind": "project_period",
        "organisation_id": organisation.id,
        "period_id": period.id,
        "project": header.id,
        "plant": header.plant_code,
        "methodology": period.methodology,
        "monitoring_period": {"start": str(start), "end": str(end)},
        "data_digest": period.digest,
        "result_sha256": period.result_sha256,
        "total_tco2e": period.total_tco2e,
        "expanded_u_tco2e": period.expanded_u_tco2e,
        "readings": [reading.to_json() for reading in result.readings],
        "electricity_claimed": [
            {"year": year, "month": month, "mwh": mwh, "scheme": "ccer"}
            for year, month, mwh in months
        ],
        "claimed_by": claimed_by,
    }
    if replaced is not None:
        content["corrects"] = {
            "period_id": replaced.id,
            "sequence": session.scalar(
                select(EvidenceEntry.sequence).where(
                    EvidenceEntry.log_id == organisation_log(organisation.id),
                    EvidenceEntry.subject == f"project_period:{replaced.id}",
                )
            ),
        }
    lodged = lodge_both(
        session, signer, organisation.id, content, subject=f"project_period:{period.id}"
    )
    return Claimed(project.id, period.id, len(months), lodged[0].sequence)


def _replaced_ids(session: Session, project_id: int) -> list[int]:
    """The project's periods a later claim corrected."""
    return list(
        session.scalars(
            select(ProjectPeriod.corrects_id).where(
                ProjectPeriod.project_id == project_id, ProjectPeriod.corrects_id.is_not(None)
            )
        )
    )


def _correctable(session: Session, project: ProjectRecord, period_id: int) -> ProjectPeriod:
    """The period a correction replaces: the project's, not issued, not corrected already."""
    period = session.get(ProjectPeriod, period_id)
    if period is None or period.project_id != project.id:
        raise ClaimRefusedError(
            f"项目 {project.reference} 没有编号为 {period_id} 的监测期",
            f"project {project.reference} has no monitoring period {period_id}",
        )
    if session.scalar(select(ProjectIssuance.id).where(ProjectIssuance.period_id == period.id)):
        raise ClaimRefusedError(
            f"监测期 {period.id} 已签发，已锁定，不能更正",
            f"period {period.id} is issued and locked: it cannot be corrected",
        )
    if period.id in _replaced_ids(session, project.id):
        raise _corrected_already(period.id)
    return period


def _corrected_already(period_id: int | None) -> ClaimRefusedError:
    return ClaimRefusedError(
        f"监测期 {period_id} 已被更正，请更正其最新版本",
        f"period {period_id} was corrected already: correct its latest version",
    )


def _project(session: Session, organisation_id: int, result: ProjectResult) -> ProjectRecord:
    header = result.header
    credit = header.crediting_period
    found = session.scalar(select(ProjectRecord).where(ProjectRecord.reference == header.id))
    if found is None:
        found = ProjectRecord(
            organisation_id=organisation_id,
            reference=header.id,
            name=header.name,
            methodology=result.methodology.id,
            plant=header.plant_code,
            crediting_start=credit.start if credit else None,
            crediting_end=credit.end if credit else None,
        )
        try:
            with session.begin_nested():
                session.add(found)
                session.flush()
        except IntegrityError:  # registered at the same moment by another claim
            found = session.scalars(
                select(ProjectRecord).where(ProjectRecord.reference == header.id)
            ).one()
    if found.organisation_id != organisation_id:
        raise ClaimRefusedError(
            f"项目编号 {header.id} 已由另一家单位登记",
            f"project {header.id} is registered by another organisation",
        )
    if (found.methodology, found.plant) != (result.methodology.id, header.plant_code) or (
        found.crediting_start,
        found.crediting_end,
    ) != (credit.start if credit else None, credit.end if credit else None):
        raise ClaimRefusedError(
            f"项目 {header.id} 已按方法学 {found.methodology}、计入期 {found.crediting_start} – "
            f"{found.crediting_end}、电站 {found.plant} 登记，本次申报与之不符",
            f"project {header.id} is registered with methodology {found.methodology}, crediting "
            f"period {found.crediting_start} – {found.crediting_end} and plant {found.plant}; "
            "this claim differs",
        )
    _lock(session, found)
    return found


def _lock(session: Session, project: ProjectRecord) -> None:
    """One claim, correction or issuance of a project at a time: the second waits here, then
    sees what the first stored (a row lock on PostgreSQL; on SQLite a write, which takes the
    database's write turn)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            update(ProjectRecord).where(ProjectRecord.id == project.id).values(name=project.name)
        )
    else:
        session.scalars(
            select(ProjectRecord.id).where(ProjectRecord.id == project.id).with_for_update()
        ).one()


def _writing(session: Session) -> None:
    """Open the write transaction before any savepoint: Python's sqlite3 begins a transaction
    only before a data change, so a savepoint opened first would be a transaction of its own,
    committed on release whatever the outer transaction does. A change of nothing begins it."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            update(ProjectRecord).where(ProjectRecord.id == -1).values(name=ProjectRecord.name)
        )


def claim_electricity(
    session: Session,
    plant: str,
    months: list[tuple[int, int, float]],
    *,
    scheme: str,
    subject: str,
    organisation_id: int,
    period_id: int | None = None,
) -> None:
    """Claim each (year, month, MWh) of a plant under ``scheme`` (``ccer``, ``gec``,
    ``green_power``), refusing a plant-month claimed already under any scheme. Plant codes are
    compared without outer spaces and case (``normal_plant``), as the certificate ledger does."""
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}")
    plant = normal_plant(plant)
    for year, month, _ in months:
        taken = _claimed(session, plant, year, month)
        if taken is not None:
            raise _taken(plant, year, month, taken)
    rows = [
        ElectricityClaim(
            plant=plant,
            year=year,
            month=month,
            mwh=mwh,
            scheme=scheme,
            subject=subject,
            organisation_id=organisation_id,
            period_id=period_id,
        )
        for year, month, mwh in months
    ]
    try:
        with session.begin_nested():
            session.add_all(rows)
            session.flush()
    except IntegrityError:  # a claim of the same plant-month stored in between: name it
        for year, month, _ in months:
            taken = _claimed(session, plant, year, month)
            if taken is not None:
                raise _taken(plant, year, month, taken) from None
        raise


def _claimed(session: Session, plant: str, year: int, month: int) -> ElectricityClaim | None:
    return session.scalar(
        select(ElectricityClaim).where(
            ElectricityClaim.plant == plant,
            ElectricityClaim.year == year,
            ElectricityClaim.month == month,
        )
    )


def _taken(plant: str, year: int, month: int, claim: ElectricityClaim) -> ClaimRefusedError:
    scheme = SCHEMES.get(claim.scheme, claim.scheme)
    return ClaimRefusedError(
        f"电站 {plant} {year}年{month}月的电量已按{scheme}申报（{claim.subject}），"
        "同一电量不能重复申报（国能综通新能〔2024〕124号 二）",
        f"plant {plant}'s electricity of {year}-{month:02d} is claimed already under "
        f"{claim.scheme} ({claim.subject}): one MWh is claimed once "
        "(国能综通新能〔2024〕124号 §2)",
    )


def issue_period(
    session: Session,
    signer: Signer,
    reference: str,
    period_start: Any = None,
    *,
    issued_tco2e: float,
    notice: str,
    issued_by: str,
    period_id: int | None = None,
) -> ProjectIssuance:
    """Record the registry's issuance of a claimed period (by its start, or its id); the period
    is locked from then on. The project is locked first, as a claim or a correction locks it,
    so an issuance and a correction of one period cannot both pass."""
    _writing(session)
    project = session.scalar(select(ProjectRecord).where(ProjectRecord.reference == reference))
    if project is not None:
        _lock(session, project)
    query = select(ProjectPeriod).where(
        ProjectPeriod.project_id == (project.id if project is not None else -1),
        ProjectPeriod.id.not_in(_replaced_ids(session, project.id) if project else []),
    )
    query = (
        query.where(ProjectPeriod.id == period_id)
        if period_id is not None
        else query.where(ProjectPeriod.period_start == period_start)
    )
    period = session.scalar(query)
    if period is None:
        raise ClaimRefusedError(
            f"项目 {reference} 没有该已申报且未被更正的监测期（{period_id or period_start}）",
            f"project {reference} has no claimed, uncorrected monitoring period "
            f"{period_id or period_start}",
        )
    if session.scalar(select(ProjectIssuance).where(ProjectIssuance.period_id == period.id)):
        raise ClaimRefusedError(
            f"监测期 {period.period_start} – {period.period_end} 已签发，已锁定",
            f"the period {period.period_start} – {period.period_end} is issued already and locked",
        )
    if not 0 < issued_tco2e <= period.total_tco2e * (1 + 1e-9):
        raise ClaimRefusedError(
            f"签发量 {issued_tco2e} tCO2e 须大于 0 且不超过申报的减排量 {period.total_tco2e:.2f}",
            f"the issued {issued_tco2e} tCO2e must be above 0 and at most the "
            f"{period.total_tco2e:.2f} claimed",
        )
    issuance = ProjectIssuance(
        period_id=period.id, issued_tco2e=issued_tco2e, notice=notice, issued_by=issued_by
    )
    try:
        with session.begin_nested():
            session.add(issuance)
            session.flush()
    except IntegrityError:
        raise ClaimRefusedError(
            f"监测期 {period.period_start} – {period.period_end} 已签发，已锁定",
            f"the period {period.period_start} – {period.period_end} is issued already and locked",
        ) from None
    project = session.get(ProjectRecord, period.project_id)
    assert project is not None  # the foreign key holds it
    organisation_id = project.organisation_id
    lodge_both(
        session,
        signer,
        organisation_id,
        {
            "kind": "issuance",
            "organisation_id": organisation_id,
            "period_id": period.id,
            "project": reference,
            "issued_tco2e": issued_tco2e,
            "notice": notice,
            "issued_by": issued_by,
            "result_sha256": period.result_sha256,
        },
        subject=f"issuance:{period.id}",
    )
    return issuance


def store_claim(
    inventory: ProjectInventory,
    result: ProjectResult,
    *,
    claimed_by: str,
    corrects: int | None = None,
    url: str | None = None,
) -> Claimed:
    """:func:`claim_period` in a transaction of its own on the store at ``url`` (else
    ``DUALCARBON_DATABASE_URL``, else the embedded SQLite file), upgraded first."""
    from dualcarbon.ledger.keys import load_signer
    from dualcarbon.store import stored_session

    with stored_session(url) as session:
        return claim_period(
            session,
            load_signer(),
            inventory,
            result,
            claimed_by=claimed_by,
            corrects=corrects,
        )


def store_issuance(
    reference: str,
    period_start: Any,
    *,
    issued_tco2e: float,
    notice: str,
    issued_by: str,
    url: str | None = None,
) -> int:
    """:func:`issue_period` in a transaction of its own; the issuance id."""
    from dualcarbon.ledger.keys import load_signer
    from dualcarbon.store import stored_session

    with stored_session(url) as session:
        issuance = issue_period(
            session,
            load_signer(),
            reference,
            period_start,
            issued_tco2e=issued_tco2e,
            notice=notice,
            issued_by=issued_by,
        )
        return int(issuance.id)


@dataclass(frozen=True)
class PeriodRow:
    id: int
    organisation_id: int
    reference: str
    name: str
    methodology: str
    period_start: Any
    period_end: Any
    total_tco2e: float
    expanded_u_tco2e: float
    claimed_by: str
    claimed_at: Any
    issued_tco2e: float | None
    notice: str | None
    corrects: int | None


def list_periods(
    session: Session,
    reference: str | None = None,
    *,
    organisations: Collection[int] | None = None,
    period_id: int | None = None,
) -> list[PeriodRow]:
    """Every claimed monitoring period that stands (of one project; of some organisations),
    oldest first, with its issuance; a corrected period is left out (its correction names it)."""
    query = (
        select(ProjectRecord, ProjectPeriod, ProjectIssuance)
        .join(ProjectPeriod, ProjectPeriod.project_id == ProjectRecord.id)
        .outerjoin(ProjectIssuance, ProjectIssuance.period_id == ProjectPeriod.id)
        .where(
            ProjectPeriod.id.not_in(
                select(ProjectPeriod.corrects_id).where(ProjectPeriod.corrects_id.is_not(None))
            )
        )
        .order_by(ProjectRecord.reference, ProjectPeriod.period_start)
    )
    if reference is not None:
        query = query.where(ProjectRecord.reference == reference)
    if organisations is not None:
        query = query.where(ProjectRecord.organisation_id.in_(list(organisations)))
    if period_id is not None:
        query = query.where(ProjectPeriod.id == period_id)
    return [
        PeriodRow(
            period.id,
            project.organisation_id,
            project.reference,
            project.name,
            period.methodology,
            period.period_start,
            period.period_end,
            period.total_tco2e,
            period.expanded_u_tco2e,
            period.claimed_by,
            period.claimed_at,
            None if issuance is None else issuance.issued_tco2e,
            None if issuance is None else issuance.notice,
            period.corrects_id,
        )
        for project, period, issuance in session.execute(query).all()
    ]
