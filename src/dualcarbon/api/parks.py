"""Parks on the platform (issue 18; decision 0026): an administrator draws a park over member
organisations and names its manager; the manager declares each year's internal transfers, green
electricity and reported indicators, and reads the park's account and evaluation, computed from
the members' newest stored results; a member's own accounting stays out of the manager's sight
until the member grants it.

Who sees a park: administrators and regulators all; a park manager the parks it manages; an
enterprise user the parks its organisation belongs to (their aggregates, read only).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dualcarbon.api.schemas import Id, RequestBody
from dualcarbon.api.scope import AccessDeniedError, Action, Area, Principal, Role, require
from dualcarbon.api.services import ConflictError
from dualcarbon.energy.balance import energy_balance
from dualcarbon.errors import InputError, InputProblem, NotFoundError
from dualcarbon.parks.account import MemberInput, ParkAccount, account_json, account_park
from dualcarbon.parks.definition import Declared, Green, Transfer, park_from_mapping
from dualcarbon.parks.evaluation import Evaluation, evaluate, evaluation_json, indicator_system
from dualcarbon.store.models import (
    Facility,
    Organisation,
    ParkMember,
    ParkYear,
    StoredInventory,
    StoredPark,
    User,
    UserOrganisation,
)
from dualcarbon.store.repository import latest_account

REQUEST = "request"


class ParkMemberIn(RequestBody):
    organisation_id: Id
    utility: bool = False


class ParkCreate(RequestBody):
    name: str = Field(min_length=1, max_length=200)
    province: str = Field(default="", max_length=50)
    level: str = Field(default="", max_length=50)
    manager_id: Id | None = Field(default=None, description="a park_manager user")
    members: list[ParkMemberIn] = Field(min_length=1, max_length=500)


class ParkMemberPublic(BaseModel):
    organisation_id: int
    name: str
    utility: bool
    details_granted: bool


class ParkPublic(BaseModel):
    id: int
    name: str
    province: str
    level: str
    manager_id: int | None
    members: list[ParkMemberPublic]
    years: list[int]


class ParkYearBody(RequestBody):
    """A year's declaration, in the park file's form (docs/parks.md): members by organisation
    name."""

    transfers: list[Transfer] = Field(default_factory=list, max_length=200)
    green_electricity: list[Green] = Field(default_factory=list, max_length=200)
    declared: dict[str, Declared] = Field(default_factory=dict, max_length=10)


class DetailsGrant(RequestBody):
    granted: bool


def _visible(principal: Principal, park: StoredPark) -> bool:
    if principal.role in (Role.ADMIN, Role.REGULATOR):
        return True
    if principal.role is Role.PARK_MANAGER:
        return park.manager_id == principal.user_id
    return principal.organisation_id in {m.organisation_id for m in park.members}


def _writable(principal: Principal, park: StoredPark) -> bool:
    return principal.role is Role.ADMIN or (
        principal.role is Role.PARK_MANAGER and park.manager_id == principal.user_id
    )


def park_for(session: Session, principal: Principal, park_id: int, action: Action) -> StoredPark:
    """The park, once the principal may see it (else 404) and do ``action`` (else 403)."""
    park = session.get(StoredPark, park_id)
    if park is None or not _visible(principal, park):
        raise NotFoundError("park", park_id)
    if action is not Action.READ and not _writable(principal, park):
        raise AccessDeniedError(action, Area.ORGANISATION, None)
    return park


def public(session: Session, park: StoredPark) -> ParkPublic:
    years = session.scalars(
        select(ParkYear.year).where(ParkYear.park_id == park.id).order_by(ParkYear.year)
    )
    return ParkPublic(
        id=park.id,
        name=park.name,
        province=park.province,
        level=park.level,
        manager_id=park.manager_id,
        members=[
            ParkMemberPublic(
                organisation_id=m.organisation_id,
                name=m.organisation.name,
                utility=m.utility,
                details_granted=m.details_granted,
            )
            for m in park.members
        ],
        years=list(years),
    )


def list_parks(session: Session, principal: Principal) -> list[ParkPublic]:
    parks = session.scalars(select(StoredPark).order_by(StoredPark.id))
    return [public(session, p) for p in parks if _visible(principal, p)]


def create_park(session: Session, principal: Principal, body: ParkCreate) -> ParkPublic:
    require(principal, Action.WRITE, Area.PLATFORM, None)
    problems: list[InputProblem] = []
    if session.scalar(select(StoredPark).where(StoredPark.name == body.name.strip())) is not None:
        raise ConflictError(f"park {body.name!r} exists already")
    ids = [m.organisation_id for m in body.members]
    known = set(session.scalars(select(Organisation.id).where(Organisation.id.in_(ids))))
    for index, organisation_id in enumerate(ids):
        if organisation_id not in known:
            problems.append(
                InputProblem(
                    REQUEST,
                    "no such organisation",
                    field=f"members[{index + 1}].organisation_id",
                    value=organisation_id,
                )
            )
        elif ids.index(organisation_id) != index:
            problems.append(
                InputProblem(
                    REQUEST,
                    "a member is named once",
                    field=f"members[{index + 1}].organisation_id",
                    value=organisation_id,
                )
            )
    if body.manager_id is not None:
        manager = session.get(User, body.manager_id)
        if manager is None or manager.role != Role.PARK_MANAGER.value:
            problems.append(
                InputProblem(
                    REQUEST, "not a park_manager user", field="manager_id", value=body.manager_id
                )
            )
    if problems:
        raise InputError(problems)
    park = StoredPark(
        name=body.name.strip(),
        province=body.province.strip(),
        level=body.level.strip(),
        manager_id=body.manager_id,
        members=[
            ParkMember(organisation_id=m.organisation_id, utility=m.utility, details_granted=False)
            for m in body.members
        ],
    )
    session.add(park)
    session.commit()
    return public(session, park)


def _member_names(session: Session, park: StoredPark, year: int) -> dict[str, tuple[int, str]]:
    """Member name → (organisation id, facility): the organisation's name, or "name / facility"
    where it stored inventories of several facilities for ``year``."""
    names: dict[str, tuple[int, str]] = {}
    for member in park.members:
        facilities = list(
            session.scalars(
                select(Facility.name)
                .join(StoredInventory, StoredInventory.facility_id == Facility.id)
                .where(Facility.organisation_id == member.organisation_id)
                .where(StoredInventory.year == year)
                .distinct()
                .order_by(Facility.name)
            )
        )
        for facility in facilities:
            name = member.organisation.name
            names[name if len(facilities) == 1 else f"{name} / {facility}"] = (
                member.organisation_id,
                facility,
            )
    return names


def _park_mapping(
    park: StoredPark, names: dict[str, tuple[int, str]], year: int, declaration: dict[str, Any]
) -> dict[str, Any]:
    utility = {m.organisation_id: m.utility for m in park.members}
    return {
        "park": {"name": park.name, "year": year, "province": park.province, "level": park.level},
        "members": [
            {
                "name": name,
                "inventory": f"{organisation_id}/{facility}",
                "utility": utility[organisation_id],
            }
            for name, (organisation_id, facility) in names.items()
        ],
        **declaration,
    }


def declare_year(
    session: Session, principal: Principal, park_id: int, year: int, body: ParkYearBody
) -> dict[str, Any]:
    """Store the year's declaration once it reads as a park file over the members that stored
    inventories for the year; the account is checked at once too (transfers against the
    inventories)."""
    park = park_for(session, principal, park_id, Action.WRITE)
    declaration = body.model_dump(by_alias=True, exclude_none=True)
    names = _member_names(session, park, year)
    if not names:
        raise InputError(
            [InputProblem(REQUEST, f"no member stored an inventory for {year}", field="year")]
        )
    park_from_mapping(_park_mapping(park, names, year, declaration), source=REQUEST)
    _account(session, park, year, declaration)  # refuses transfers the inventories do not hold
    row = session.get(ParkYear, (park.id, year))
    text = json.dumps(declaration, ensure_ascii=False, sort_keys=True)
    if row is None:
        session.add(
            ParkYear(park_id=park.id, year=year, declaration=text, updated_by=principal.email)
        )
    else:
        row.declaration = text
        row.updated_by = principal.email
    session.commit()
    return declaration


def _account(
    session: Session, park: StoredPark, year: int, declaration: dict[str, Any]
) -> ParkAccount:
    names = _member_names(session, park, year)
    if not names:
        raise NotFoundError("park year", f"{park.id}/{year}")
    definition = park_from_mapping(_park_mapping(park, names, year, declaration), source=REQUEST)
    members = []
    without: list[str] = []
    for name, (organisation_id, facility) in names.items():
        found = latest_account(session, organisation_id, facility, year)
        if found is None:
            without.append(name)
            continue
        inventory, result = found
        members.append(MemberInput(name, inventory, result, energy_balance(inventory, result)))
    if without:
        raise InputError(
            [
                InputProblem(
                    REQUEST,
                    f"{name} stored an inventory for {year} without a result: account it first",
                    field="members",
                    rule_zh=f"{name} 存有 {year} 年清单但没有核算结果：请先完成核算",
                )
                for name in without
            ]
        )
    return account_park(
        definition, members, source=REQUEST, clean_fuels=indicator_system().clean_fuels
    )


def park_account(
    session: Session, principal: Principal, park_id: int, year: int
) -> tuple[ParkAccount, Evaluation]:
    park = park_for(session, principal, park_id, Action.READ)
    row = session.get(ParkYear, (park.id, year))
    declaration = json.loads(row.declaration) if row is not None else {}
    account = _account(session, park, year, declaration)
    return account, evaluate(account)


def park_account_json(
    session: Session, principal: Principal, park_id: int, year: int
) -> dict[str, Any]:
    account, evaluation = park_account(session, principal, park_id, year)
    document = account_json(account)
    document["evaluation"] = evaluation_json(evaluation)
    return document


def grant_details(
    session: Session, principal: Principal, organisation_id: int, park_id: int, granted: bool
) -> ParkMemberPublic:
    """A member opens (or closes) its accounting to the park's manager."""
    require(principal, Action.WRITE, Area.ACCOUNTING, organisation_id)
    member = session.get(ParkMember, (park_id, organisation_id))
    if member is None:
        raise NotFoundError("park", park_id)
    member.details_granted = granted
    park = session.get_one(StoredPark, park_id)
    if park.manager_id is not None:
        _sync_manager(session, park.manager_id)
    session.commit()
    return ParkMemberPublic(
        organisation_id=organisation_id,
        name=member.organisation.name,
        utility=member.utility,
        details_granted=member.details_granted,
    )


def _sync_manager(session: Session, manager_id: int) -> None:
    """The manager's assigned organisations: the members of its parks that granted details."""
    session.flush()
    granted = set(
        session.scalars(
            select(ParkMember.organisation_id)
            .join(StoredPark, StoredPark.id == ParkMember.park_id)
            .where(StoredPark.manager_id == manager_id, ParkMember.details_granted)
        )
    )
    session.execute(delete(UserOrganisation).where(UserOrganisation.user_id == manager_id))
    for organisation_id in sorted(granted):
        session.add(UserOrganisation(user_id=manager_id, organisation_id=organisation_id))
