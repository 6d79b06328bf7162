"""The climate disclosure of an organisation on the platform (docs/disclosure.md): the newest
stored result of each of its facilities for the year, and the green certificates it claimed for
that year in the platform's ledger."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcarbon.api.scope import Action, Area, Principal
from dualcarbon.api.services import organisation_for
from dualcarbon.disclosure.climate import (
    ContractualInstruments,
    climate_disclosure,
    disclosure_record,
)
from dualcarbon.errors import InputError, InputProblem
from dualcarbon.ledger.certificates import enterprise_claims_in
from dualcarbon.store.models import Facility
from dualcarbon.store.repository import latest_account


def climate(
    session: Session,
    principal: Principal,
    organisation_id: int,
    year: int,
    revenue: float | None = None,
    currency: str | None = None,
) -> dict[str, Any]:
    organisation = organisation_for(
        session, principal, organisation_id, Action.READ, Area.ACCOUNTING
    )
    names = session.scalars(
        select(Facility.name)
        .where(Facility.organisation_id == organisation_id)
        .order_by(Facility.id)
    )
    accounts = [
        found
        for name in names
        if (found := latest_account(session, organisation_id, name, year)) is not None
    ]
    if not accounts:
        raise InputError(
            [InputProblem("year", f"no stored inventory of {year}", field="year", value=year)]
        )
    claims = enterprise_claims_in(session, organisation_id, organisation.name, year)
    disclosure = climate_disclosure(
        accounts,
        revenue=revenue,
        currency=currency,
        instruments=ContractualInstruments.of(claims),
    )
    return disclosure_record(disclosure)
