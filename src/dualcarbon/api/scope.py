"""Who may read or change what: the one function every route asks (docs/api.md, Roles).

An organisation's data falls in three areas: the organisation record itself, its accounting
(inventories, results, their traces) and its instruments (register, calibrations, review reports).

=====================  ==========================================================================
role                   may
=====================  ==========================================================================
``enterprise``         its own organisation: read and write accounting and instruments
``project_developer``  its own organisation: read and write projects (monitoring periods claimed)
                       and the instruments of their monitoring plans
``verifier``           assigned organisations: read everything, comment on and sign off results
``metrology_reviewer`` assigned organisations: read (and comment on) instruments and calibrations
``park_manager``       the parks it manages: read the members' aggregates and declare the park's
                       year; read a member's accounting only where the member granted it
``regulator``          read everything, change nothing
``admin``              everything, including users and organisations
=====================  ==========================================================================

Platform-wide things (users, creating organisations) have no organisation: ``organisation_id``
``None``, which only an admin may change and only an admin or regulator may read.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from dualcarbon.errors import DualcarbonError, NotFoundError


class Role(StrEnum):
    ENTERPRISE = "enterprise"
    PROJECT_DEVELOPER = "project_developer"
    VERIFIER = "verifier"
    METROLOGY_REVIEWER = "metrology_reviewer"
    PARK_MANAGER = "park_manager"
    REGULATOR = "regulator"
    ADMIN = "admin"

    @property
    def owns_organisation(self) -> bool:
        """Whether a user of this role belongs to one organisation of its own."""
        return self in (Role.ENTERPRISE, Role.PROJECT_DEVELOPER)


class Action(StrEnum):
    READ = "read"
    WRITE = "write"
    COMMENT = "comment"
    SIGN_OFF = "sign_off"


class Area(StrEnum):
    PLATFORM = "platform"
    """Users and the register of organisations (always with ``organisation_id`` ``None``)."""
    ORGANISATION = "organisation"
    ACCOUNTING = "accounting"
    INSTRUMENTS = "instruments"
    PROJECTS = "projects"
    """Emission-reduction projects: monitoring periods claimed, their results and reports."""
    CERTIFICATES = "certificates"
    """Green certificates held and claims of green-electricity consumption."""


@dataclass(frozen=True)
class Principal:
    """The authenticated user, as the scope rules see it."""

    user_id: int
    email: str
    role: Role
    organisation_id: int | None = None
    assigned: frozenset[int] = frozenset()

    @property
    def organisations(self) -> frozenset[int]:
        """The organisations this user works on (own, or assigned)."""
        if self.role.owns_organisation:
            return (
                frozenset() if self.organisation_id is None else frozenset({self.organisation_id})
            )
        return self.assigned


_IN_OWN: dict[Role, dict[Area, frozenset[Action]]] = {
    Role.ENTERPRISE: {
        Area.ORGANISATION: frozenset({Action.READ}),
        Area.ACCOUNTING: frozenset({Action.READ, Action.WRITE, Action.COMMENT}),
        Area.INSTRUMENTS: frozenset({Action.READ, Action.WRITE, Action.COMMENT}),
        Area.CERTIFICATES: frozenset({Action.READ, Action.WRITE}),
    },
    Role.PROJECT_DEVELOPER: {
        Area.ORGANISATION: frozenset({Action.READ}),
        Area.PROJECTS: frozenset({Action.READ, Action.WRITE, Action.COMMENT}),
        Area.INSTRUMENTS: frozenset({Action.READ, Action.WRITE, Action.COMMENT}),
        Area.CERTIFICATES: frozenset({Action.READ, Action.WRITE}),
    },
    Role.VERIFIER: {
        Area.ORGANISATION: frozenset({Action.READ}),
        Area.ACCOUNTING: frozenset({Action.READ, Action.COMMENT, Action.SIGN_OFF}),
        Area.INSTRUMENTS: frozenset({Action.READ}),
        Area.PROJECTS: frozenset({Action.READ, Action.COMMENT}),
        Area.CERTIFICATES: frozenset({Action.READ}),
    },
    Role.METROLOGY_REVIEWER: {
        Area.ORGANISATION: frozenset({Action.READ}),
        Area.INSTRUMENTS: frozenset({Action.READ, Action.COMMENT}),
    },
    Role.PARK_MANAGER: {  # the members that granted it their details (api/parks.py)
        Area.ORGANISATION: frozenset({Action.READ}),
        Area.ACCOUNTING: frozenset({Action.READ}),
    },
}
"""What each organisation-bound role may do in the organisations it works on (nothing elsewhere)."""


def allowed(principal: Principal, action: Action, area: Area, organisation_id: int | None) -> bool:
    """Whether ``principal`` may do ``action`` on ``area`` of organisation ``organisation_id``
    (``None``: platform-wide)."""
    if principal.role is Role.ADMIN:
        return True
    if principal.role is Role.REGULATOR:
        return action is Action.READ
    if organisation_id is None or organisation_id not in principal.organisations:
        return False
    return action in _IN_OWN[principal.role].get(area, frozenset())


def readable_organisations(principal: Principal, area: Area) -> frozenset[int] | None:
    """Ids of the organisations whose ``area`` the principal may read; ``None`` means all."""
    if principal.role in (Role.ADMIN, Role.REGULATOR):
        return None
    return frozenset(o for o in principal.organisations if allowed(principal, Action.READ, area, o))


class AccessDeniedError(DualcarbonError, PermissionError):
    """The user may see the thing but not do this to it (HTTP 403)."""

    def __init__(self, action: Action, area: Area, organisation_id: int | None) -> None:
        self.action = action
        self.area = area
        self.organisation_id = organisation_id
        where = "the platform" if organisation_id is None else f"organisation {organisation_id}"
        super().__init__(f"your role may not {action.value} {area.value} of {where}")


def require(principal: Principal, action: Action, area: Area, organisation_id: int | None) -> None:
    """Raise unless :func:`allowed`.

    :class:`NotFoundError` for an organisation the user may not even see (so its existence is not
    given away), :class:`AccessDeniedError` when it may see it but not do this.
    """
    if allowed(principal, action, area, organisation_id):
        return
    if organisation_id is not None and not allowed(
        principal, Action.READ, Area.ORGANISATION, organisation_id
    ):
        raise NotFoundError("organisation", organisation_id)
    raise AccessDeniedError(action, area, organisation_id)
