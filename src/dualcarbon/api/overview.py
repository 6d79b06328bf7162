"""The regulator's view across organisations: one year's emissions, how they were measured,
whether they were verified, and the state of the instruments and the evidence behind them.

Each organisation counts with the latest result of each of its facilities for the year (a
correction, being newer, replaces what it corrects). What a user sees is what the scope rules let
it read: a regulator or admin every organisation, anyone else its own or assigned ones.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dualcarbon.api.schemas import Overview, OverviewOrganisation
from dualcarbon.api.scope import Area, Principal, readable_organisations
from dualcarbon.datum import Tier
from dualcarbon.ledger import commitments
from dualcarbon.ledger.lodging import organisation_log
from dualcarbon.metrology.calibration import InstrumentState
from dualcarbon.store.models import (
    EvidenceEntry,
    Facility,
    Organisation,
    StoredInventory,
    StoredResult,
)
from dualcarbon.store.repository import list_results_of_organisation, load_register, load_result


def years_reported(session: Session, organisation_ids: frozenset[int] | None) -> list[int]:
    query = (
        select(StoredInventory.year)
        .join(Facility, StoredInventory.facility_id == Facility.id)
        .distinct()
        .order_by(StoredInventory.year)
    )
    if organisation_ids is not None:
        query = query.where(Facility.organisation_id.in_(sorted(organisation_ids)))
    return list(session.scalars(query))


def overview(
    session: Session, principal: Principal, year: int | None = None, at: dt.date | None = None
) -> Overview:
    """Every readable organisation's year at a glance, and the sums over them.

    ``year`` defaults to the latest year anyone reported; instrument states are taken at ``at``
    (default today).
    """
    visible = readable_organisations(principal, Area.ACCOUNTING)
    years = years_reported(session, visible)
    chosen = year if year is not None else (years[-1] if years else dt.date.today().year)
    when = at or dt.date.today()
    query = select(Organisation).order_by(Organisation.name)
    if visible is not None:
        query = query.where(Organisation.id.in_(sorted(visible)))
    rows = [_organisation(session, o, chosen, when) for o in session.scalars(query)]
    by_source: dict[str, float] = defaultdict(float)
    for row in rows:
        for source, value in row.by_source.items():
            by_source[source] += value
    reporting = [r for r in rows if r.total_tco2e is not None]
    return Overview(
        year=chosen,
        years=years,
        organisations=rows,
        total_tco2e=sum(r.total_tco2e or 0.0 for r in reporting),
        by_source=dict(sorted(by_source.items())),
        reporting=len(reporting),
        approved=sum(1 for r in reporting if r.verification == "approved"),
        with_instrument_issues=sum(1 for r in rows if r.instruments_attention),
    )


def _organisation(
    session: Session, organisation: Organisation, year: int, at: dt.date
) -> OverviewOrganisation:
    latest: dict[int, StoredResult] = {}
    for row in list_results_of_organisation(session, organisation.id):
        if row.inventory.year == year:
            latest[row.inventory.facility_id] = row
    chosen = list(latest.values())
    by_source: dict[str, float] = defaultdict(float)
    fuel = default = 0.0
    for row in chosen:
        result = load_result(row)
        for source, value, _ in result.by("source", counted_only=True).iter_rows():
            by_source[source] += value
        for tier, value, _ in result.tier_shares().iter_rows():
            fuel += value
            default += value if tier == Tier.DEFAULT.value else 0.0
    # What the evidence log commits to, not what the rows say now (docs/decisions/0008).
    committed = commitments.of_results(session, chosen)
    mismatch = {row.id for row in chosen if committed[row.id].state != "lodged"}
    decisions = []
    for row in chosen:
        decision, signoffs_differ = commitments.lodged_decision(session, organisation.id, row.id)
        decisions.append(decision)
        if signoffs_differ:
            mismatch.add(row.id)
    register = load_register(session, organisation.name)
    attention = (
        0 if register is None else sum(1 for s in register.statuses(at) if s.state not in _IN_ORDER)
    )
    entries, last = session.execute(
        select(func.count(), func.max(EvidenceEntry.created_at)).where(
            EvidenceEntry.log_id == organisation_log(organisation.id)
        )
    ).one()
    return OverviewOrganisation(
        organisation_id=organisation.id,
        name=organisation.name,
        facilities=len(chosen),
        result_ids=sorted(row.id for row in chosen),
        total_tco2e=(
            sum(float(committed[r.id].value("total_tco2e", r.total_tco2e)) for r in chosen)
            if chosen
            else None
        ),
        by_source=dict(sorted(by_source.items())),
        default_carbon_share=default / fuel if fuel else None,
        verification=_combined(decisions) if chosen else None,
        instruments=0 if register is None else len(register.instruments),
        instruments_attention=attention,
        evidence_entries=entries,
        last_lodged=last,
        evidence_mismatch=sorted(mismatch),
    )


_IN_ORDER = (InstrumentState.VALID, InstrumentState.DUE)
"""States that need no action yet (due: calibration falls due within the window)."""


def _combined(decisions: list[str]) -> str:
    """One word for an organisation's results: rejected if any is, approved if all are."""
    if "rejected" in decisions:
        return "rejected"
    return "approved" if all(d == "approved" for d in decisions) else "pending"
